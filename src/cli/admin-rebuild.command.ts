/**
 * `cairn admin rebuild DRIVE...`: with the server stopped, drops every projection of each
 * drive and replays the drive's event log to rebuild them.
 */
import { expandEllipsis } from '../config/ellipsis';
import { readFormat } from '../infra/drives/drive-format';
import { DriveInUseError, lockDrive } from '../infra/drives/drive-lock';
import { findUnusableDatabases } from '../infra/eventlog/database-check';
import { DATABASE_FILE, DriveDatabase, holdsDatabase } from '../infra/eventlog/drive-database';
import { EventLog } from '../infra/eventlog/event-log';
import { genesisHash } from '../infra/eventlog/event-record';
import { rebuildProjections } from '../infra/eventlog/projection-rebuild';

export async function runAdminRebuild(argv: string[]): Promise<number> {
  const drives = argv.flatMap(expandEllipsis);
  if (drives.length === 0) {
    console.error('usage: cairn admin rebuild DRIVE...');
    return 2;
  }
  for (const drive of drives) {
    const format = await readFormat(drive).catch(() => undefined);
    if (!format) {
      console.error(`cairn: ${drive} is not a cairn drive (no readable format.json)`);
      return 1;
    }
    let unlock: () => Promise<void>;
    try {
      unlock = await lockDrive(drive);
    } catch (error) {
      if (error instanceof DriveInUseError) {
        console.error(`cairn: ${error.message}; stop the server first`);
        return 1;
      }
      throw error;
    }
    const refusal = holdsDatabase(drive)
      ? (await findUnusableDatabases([drive], { readOnly: false })).get(drive)
      : // Opening would make an empty one, and the server would then take the drive for one
        // that kept its database, not heal it in full.
        `it has no database (${DATABASE_FILE} is missing or empty): start the server, which refills the drive's log from the others and heals it`;
    if (refusal) {
      await unlock();
      console.error(`cairn: ${drive}: ${refusal}`);
      return 1;
    }
    const db = DriveDatabase.open(drive);
    try {
      const started = Date.now();
      const report = await rebuildProjections(db, new EventLog(db, genesisHash(format.deploymentId, format.driveId)));
      console.log(`${drive}: rebuilt projections from ${report.events} events in ${Date.now() - started} ms`);
    } finally {
      await db.close();
      await unlock();
    }
  }
  return 0;
}
