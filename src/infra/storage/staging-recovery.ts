/**
 * Start-up recovery of shard files left in a drive's staging directory by a crash.
 * A staged file whose ObjectPut event is in the log and whose version still exists was
 * committed: its rename into place is finished. Any other staged file belongs to an upload
 * that never committed (nothing was acknowledged) and is deleted.
 */
import type { LocalDrive } from '../drives/local-drive';
import { upcastEvent } from '../../../migrations/upcasters';
import { dataDirTime } from '../shards/shard-store';

/** Staged files older than their event by more than this are not expected (clock slack). */
const CLOCK_SLACK_MS = 60_000;

export interface RecoveryReport {
  readonly rolledForward: number;
  readonly removed: number;
}

export async function recoverStagedShards(drive: LocalDrive): Promise<RecoveryReport> {
  await drive.shards.removeStrays();
  const staged = new Set(await drive.shards.stagedDataDirs());
  if (staged.size === 0) return { rolledForward: 0, removed: 0 };

  // Only events issued after the oldest staged file was created can reference it.
  const since = Math.max(0, Math.min(...[...staged].map(dataDirTime)) - CLOCK_SLACK_MS);
  const startId = since.toString(16).padStart(12, '0') + '0'.repeat(20);
  let rolledForward = 0;
  for (const { record } of drive.log.records(startId)) {
    const event = upcastEvent(JSON.parse(record.json));
    if (event.type !== 'ObjectPut' || event.version.data.kind !== 'files') continue;
    const dataDir = event.version.data.dataDir;
    if (!staged.has(dataDir)) continue;
    const stillExists = drive.projections.versionsOf(event.bucket, event.key).some((v) => v.eventId === event.id);
    if (stillExists) {
      await drive.shards.commit(dataDir);
      rolledForward++;
    } else {
      await drive.shards.remove(dataDir);
    }
    staged.delete(dataDir);
  }
  for (const dataDir of staged) await drive.shards.remove(dataDir);
  return { rolledForward, removed: staged.size };
}
