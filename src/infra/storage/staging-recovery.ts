/**
 * Start-up recovery of shards a crash left behind: placement rows of segment shards that
 * nothing references (see ShardStore) are dropped, and shard files in the staging directory
 * are finished or deleted.
 *
 * Shard files left in a drive's staging directory by a crash:
 * A staged file whose event (ObjectPut or MultipartPartUploaded) is in the log and whose data
 * is still referenced (by a version or by an upload's part) was committed: its rename into
 * place is finished. Any other staged file belongs to an upload that never committed (nothing
 * was acknowledged) or to data superseded since, and is deleted.
 *
 * Placements are judged by the drive's data references (data-references.ts), not by reading
 * every version: start-up time does not grow with the number of objects.
 */
import type { LocalDrive } from '../drives/local-drive';
import { upcastEvent } from '../../../migrations/upcasters';
import type { CairnEvent } from '../../domain/events';
import { dataDirsOf } from '../../domain/projections/projection';
import { dataDirTime } from '../shards/shard-store';

/** Staged files older than their event by more than this are not expected (clock slack). */
const CLOCK_SLACK_MS = 60_000;

export interface RecoveryReport {
  readonly rolledForward: number;
  readonly removed: number;
}

export async function recoverStagedShards(drive: LocalDrive): Promise<RecoveryReport> {
  await drive.shards.dropUnreferencedPlacements((dataDir) => drive.isDataReferenced(dataDir));
  await drive.shards.removeStrays();
  const staged = new Set(await drive.shards.stagedDataDirs());
  if (staged.size === 0) return { rolledForward: 0, removed: 0 };

  // Only events issued after the oldest staged file was created can reference it.
  const since = Math.max(0, Math.min(...[...staged].map(dataDirTime)) - CLOCK_SLACK_MS);
  const startId = since.toString(16).padStart(12, '0') + '0'.repeat(20);
  let rolledForward = 0;
  for (const { record } of drive.log.records(startId)) {
    const event = upcastEvent(JSON.parse(record.json));
    for (const dataDir of stagedDataOf(event)) {
      if (!staged.has(dataDir)) continue;
      if (await isReferenced(drive, event, dataDir)) {
        await drive.shards.commit(dataDir);
        rolledForward++;
      } else {
        await drive.shards.remove(dataDir);
      }
      staged.delete(dataDir);
    }
  }
  for (const dataDir of staged) await drive.shards.remove(dataDir);
  return { rolledForward, removed: staged.size };
}

/** Data directories an event commits from staging. */
function stagedDataOf(event: CairnEvent): string[] {
  if (event.type === 'ObjectPut') return dataDirsOf(event.version.data);
  if (event.type === 'MultipartPartUploaded') return dataDirsOf(event.part.data);
  return [];
}

/** Whether committed state still uses the data (it may have been overwritten or aborted since). */
async function isReferenced(drive: LocalDrive, event: CairnEvent, dataDir: string): Promise<boolean> {
  if (event.type !== 'ObjectPut' && event.type !== 'MultipartPartUploaded') return false;
  const inVersion = (await drive.versionsOf(event.bucket, event.key)).some((v) => dataDirsOf(v.data).includes(dataDir));
  if (inVersion || event.type !== 'MultipartPartUploaded') return inVersion;
  return (await drive.partsOf(event.uploadId)).some((part) => dataDirsOf(part.data).includes(dataDir));
}
