/**
 * lmdb-js (3.x) starts every event-turn write batch with an internal write of its own whose
 * promise nobody holds. When the batch's commit fails (EPERM on a drive made read-only, EIO,
 * ENOSPC), that promise is rejected with "Commit failed (see commitError for details)" like
 * every write of the batch, and, unhandled, Node ends the process: one failing drive would
 * take the whole server down. So are the projection puts and removes that ProjectionStore
 * queues without holding their promises (they ride in the event's transaction, whose append
 * promise is held). The appends are rejected too and their callers
 * handle it (the drive goes offline, see LocalDrive.appendEvent), so these orphans carry no
 * news. Any other unhandled rejection still ends the process, as Node's default does.
 */
export function ignoreOrphanedCommitFailures(): void {
  process.on('unhandledRejection', (reason: unknown) => {
    if (isCommitFailure(reason)) return;
    throw reason;
  });
}

function isCommitFailure(reason: unknown): boolean {
  return reason instanceof Error && 'commitError' in reason && reason.message.startsWith('Commit failed');
}
