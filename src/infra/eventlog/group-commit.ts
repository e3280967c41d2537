/**
 * Group commit under load, for one drive's durable writes: its log's appends, and the shard
 * store's placement rows (a new extent's, a reclaimed one's removal), which so ride in the
 * appends' transactions instead of committing alone.
 *
 * lmdb-js makes one transaction of the writes queued in one event turn, and each transaction
 * costs the drive two flushes and a wake-up of its writer thread. Left alone, appends that
 * arrive while a commit runs are queued turn by turn and go out a few at a time (about five
 * small PUTs per commit at 16 in flight), and the commits' CPU competes with the requests'.
 * So an append that arrives while others on this drive are still uncommitted is held until
 * they have committed, and then queued in one turn with every append held meanwhile: one
 * transaction for the lot. It would have waited for those commits anyway (a drive commits
 * one transaction at a time). With nothing uncommitted an append is queued at once: a lone
 * client waits for nothing. Measured in docs/performance.md (fourth session).
 *
 * Appends are queued in the order they arrived, and none goes ahead of a held one, so each
 * drive's log keeps the order its records were appended in (event-log.ts relies on it).
 */
export interface GroupCommitOptions {
  /** The longest an append is held (a commit that takes longer does not hold the rest). */
  readonly maxHoldMs: number;
  /** Queue the held appends at once when this many are held. */
  readonly maxHeld: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxHoldMs: 10, maxHeld: 64 };

export class GroupCommit {
  private uncommitted = 0;
  private held: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: GroupCommitOptions = DEFAULT_GROUP_COMMIT) {}

  /**
   * Calls `queue` (which queues writes and returns the promise of their commit) now, or with
   * the next group; settles as that promise does.
   */
  run<T>(queue: () => Promise<T>): Promise<T> {
    const hold = this.held.length > 0 || this.uncommitted > 0;
    this.uncommitted++;
    const committed = hold ? this.holdBack(queue) : callSafely(queue);
    // then(ok, failed) rather than finally: one promise less per append.
    return committed.then(
      (result) => {
        this.settled();
        return result;
      },
      (error: unknown) => {
        this.settled();
        throw error;
      },
    );
  }

  private settled(): void {
    this.uncommitted--;
    // Every append queued so far has committed: the held ones go, together.
    if (this.held.length > 0 && this.uncommitted === this.held.length) this.release();
  }

  private holdBack<T>(queue: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.held.push(() => void callSafely(queue).then(resolve, reject));
      if (this.held.length >= this.options.maxHeld) this.release();
      else this.timer ??= setTimeout(() => this.release(), this.options.maxHoldMs);
    });
  }

  /** Queues every held append in this one event turn: one transaction. */
  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.held;
    this.held = [];
    for (const queue of group) queue();
  }
}

/** A synchronous throw (a closed database) becomes a rejection, as a failed commit would be. */
function callSafely<T>(queue: () => Promise<T>): Promise<T> {
  try {
    return queue();
  } catch (error) {
    return Promise.reject(error);
  }
}
