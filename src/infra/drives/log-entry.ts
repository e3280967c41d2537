import type { CairnEvent } from '../../domain/events';
import { invertWrites, project, type ProjectionReader } from '../../domain/projections/projection';
import { encodeWrites } from '../eventlog/projection-store';
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
