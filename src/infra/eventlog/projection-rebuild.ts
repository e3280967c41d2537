/**
 * Drops a drive's projections and rebuilds them by replaying its event log through the same
 * `project()` the live path uses. Runs offline (server stopped), in transactions of a few
 * hundred events so that each event's reads see the writes of the events before it.
 */
import { upcastEvent } from '../../../migrations/upcasters';
import { project } from '../../domain/projections/projection';
import { markDataReferencesComplete } from './data-references';
import type { DriveDatabase } from './drive-database';
import type { EventLog } from './event-log';
import type { EventRecord } from './event-record';
import { ProjectionStore } from './projection-store';

const EVENTS_PER_TRANSACTION = 500;

export interface RebuildReport {
  readonly events: number;
}

export async function rebuildProjections(db: DriveDatabase, log: EventLog): Promise<RebuildReport> {
  const store = new ProjectionStore(db);
  for (const projection of db.projectionDatabases()) projection.clearSync();
  let events = 0;
  let after: string | undefined;
  for (;;) {
    const page = readPage(log, after);
    if (page.length === 0) break;
    db.root.transactionSync(() => {
      for (const { record } of page) store.applySync(project(upcastEvent(JSON.parse(record.json)), store));
    });
    events += page.length;
    after = page[page.length - 1].id;
  }
  db.root.transactionSync(() => markDataReferencesComplete(db));
  await db.root.flushed;
  return { events };
}

/** The next records after an id; the iterator is closed before any write transaction runs. */
function readPage(log: EventLog, after: string | undefined): Array<{ id: string; record: EventRecord }> {
  const page: Array<{ id: string; record: EventRecord }> = [];
  for (const entry of log.records(after)) {
    page.push(entry);
    if (page.length === EVENTS_PER_TRANSACTION) break;
  }
  return page;
}
