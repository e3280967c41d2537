/**
 * Opens drive directories read-only for the offline audit commands. LMDB lets readers in other
 * processes share the environment, so this works whether the server runs or not, and
 * writes nothing.
 */
import { readFormat } from '../drives/drive-format';
import { findUnusableDatabases } from './database-check';
import { DriveDatabase } from './drive-database';
import type { AuditedDrive, UnreadableDrive } from './log-verifier';

export interface OpenedDrives {
  readonly drives: AuditedDrive[];
  readonly unreadable: UnreadableDrive[];
  close(): Promise<void>;
}

export async function openDrivesReadOnly(paths: readonly string[]): Promise<OpenedDrives> {
  const drives: AuditedDrive[] = [];
  const unreadable: UnreadableDrive[] = [];
  const databases: DriveDatabase[] = [];
  const damaged = await findUnusableDatabases(paths, { readOnly: true });
  for (const label of paths) {
    const damage = damaged.get(label);
    if (damage) {
      unreadable.push({ label, reason: damage });
      continue;
    }
    try {
      const format = await readFormat(label);
      if (!format) {
        unreadable.push({ label, reason: 'no format.json: not a cairn drive' });
        continue;
      }
      const db = DriveDatabase.open(label, { readOnly: true });
      databases.push(db);
      drives.push({ label, deploymentId: format.deploymentId, driveId: format.driveId, events: db.events });
    } catch (error) {
      unreadable.push({ label, reason: (error as Error).message });
    }
  }
  return { drives, unreadable, close: async () => void (await Promise.all(databases.map((db) => db.close()))) };
}
