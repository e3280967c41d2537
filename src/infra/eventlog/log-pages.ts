/**
 * Reads a drive's log records as raw bytes, in log (id) order, a page at a time: each page
 * is one short LMDB read and the event loop gets a turn between pages, so the audit commands
 * can walk a log of any length, inside a running server or not, without holding it in memory
 * or a read transaction open for the whole walk.
 */
import type { Database } from 'lmdb';
import { eventIdFromBytes, eventIdToBytes } from './event-id';

export const RECORDS_PER_PAGE = 1000;

export interface RawRecord {
  readonly id: string;
  readonly bytes: Buffer;
}

/** Records after `afterId` (or from the start), undecoded: a damaged record must not stop the walk. */
export async function* rawRecords(events: Database<Buffer, Buffer>, afterId?: string): AsyncGenerator<RawRecord> {
  let after = afterId;
  for (;;) {
    const page: RawRecord[] = [];
    const range = after ? { start: eventIdToBytes(after), limit: RECORDS_PER_PAGE + 1 } : { limit: RECORDS_PER_PAGE };
    for (const { key, value } of events.getRange(range)) {
      const id = eventIdFromBytes(key as Buffer);
      if (id === after) continue;
      // A copy: the page outlives the read.
      page.push({ id, bytes: Buffer.from(value) });
      if (page.length === RECORDS_PER_PAGE) break;
    }
    if (page.length === 0) return;
    yield* page;
    after = page[page.length - 1].id;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
