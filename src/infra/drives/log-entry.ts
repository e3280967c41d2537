import type { CairnEvent } from '../../domain/events';
import { invertWrites, project, type ProjectionReader } from '../../domain/projections/projection';
import { encodeWrites, type EncodedWrite } from '../eventlog/projection-store';
import type { LogEntry } from './drive';

/** An event's log entry: its projection writes against `state` and the undo of those writes. */
export function logEntry(event: CairnEvent, json: string, state: ProjectionReader): LogEntry {
  const writes = project(event, state);
  return {
    event,
    json,
    jsonBytes: Buffer.from(json, 'utf8'),
    writes,
    encodedWrites: encodeWrites(writes),
    undo: Buffer.from(JSON.stringify(invertWrites(writes, state))),
  };
}

/**
 * Checks the entry of an event just decided, projected from the event object itself, against
 * the entry of its JSON parsed back, as a rebuild projects it; throws if they differ.
 *
 * The live path projects the event object (parsing the JSON back cost a small PUT ~3–4% of its
 * instructions). That gives the same bytes as the rebuild because an event holds only JSON
 * values (events.ts checks that at compile time) and every projection value and undo record
 * is stored as JSON. The test suite runs this check on every event its servers append
 * (VERIFY_PROJECTIONS), so that a divergence fails the write, and the suite.
 */
export function verifyAgainstLoggedJson(entry: LogEntry, state: ProjectionReader): void {
  const logged = logEntry(JSON.parse(entry.json) as CairnEvent, entry.json, state);
  if (!sameWrites(entry.encodedWrites, logged.encodedWrites) || !entry.undo.equals(logged.undo)) {
    throw new Error(`event ${entry.event.id} (${entry.event.type}) projects differently from its logged JSON`);
  }
}

function sameWrites(a: readonly EncodedWrite[], b: readonly EncodedWrite[]): boolean {
  return a.length === b.length && a.every((write, i) => write.db === b[i]!.db && sameBytes(write.key, b[i]!.key) && sameBytes(write.value, b[i]!.value));
}

function sameBytes(a: string | Buffer | undefined, b: string | Buffer | undefined): boolean {
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b;
}
