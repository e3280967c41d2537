/**
 * `cairn admin audit export`: a bucket's events as JSON Lines for an archive's auditors, one
 * line per event, streamed from one drive's log (every drive holds the same events):
 *
 *   {"when":"2026-12-01T19:20:00.123Z","who":"AKIA...","what":"ObjectPut","bucket":"b","key":"k",
 *    "versionId":"null","requestId":"...","eventId":"...","seq":42,"event":{...the event...}}
 *
 * `event` is the event as logged (upcast to the current schema); an object's bytes are never
 * part of it (inline shards live beside the event JSON in the record, see event-record.ts).
 */
import type { Database } from 'lmdb';
import { upcastEvent } from '../../../migrations/upcasters';
import { eventBucket, type CairnEvent } from '../../domain/events';
import { decodeEventRecord } from './event-record';
import { rawRecords } from './log-pages';

export interface AuditFilter {
  readonly bucket: string;
  /** Inclusive bounds on the event's time, ms since the epoch. */
  readonly since?: number;
  readonly until?: number;
}

export interface AuditLine {
  readonly when: string;
  readonly who: string;
  readonly what: string;
  readonly bucket: string;
  readonly key?: string;
  readonly versionId?: string;
  readonly requestId: string;
  readonly eventId: string;
  readonly seq: number;
  readonly event: CairnEvent;
}

export async function* auditLines(events: Database<Buffer, Buffer>, filter: AuditFilter): AsyncGenerator<AuditLine> {
  // An event's time is never after the instant in its id, so no event at or after `since`
  // sits before the first id of that millisecond.
  const after = filter.since !== undefined && filter.since > 0 ? lastIdOfMillisecond(filter.since - 1) : undefined;
  for await (const { bytes } of rawRecords(events, after)) {
    const record = decodeEventRecord(bytes);
    const event = upcastEvent(JSON.parse(record.json));
    if (eventBucket(event) !== filter.bucket) continue;
    if (filter.since !== undefined && event.time < filter.since) continue;
    if (filter.until !== undefined && event.time > filter.until) continue;
    yield auditLine(event, record.seq);
  }
}

export function auditLine(event: CairnEvent, seq: number): AuditLine {
  const key = 'key' in event ? event.key : undefined;
  const versionId = versionIdOf(event);
  return {
    when: new Date(event.time).toISOString(),
    who: event.actor,
    what: event.type,
    bucket: eventBucket(event),
    ...(key !== undefined ? { key } : {}),
    ...(versionId !== undefined ? { versionId } : {}),
    requestId: event.requestId,
    eventId: event.id,
    seq,
    event,
  };
}

/** The version an event created or concerns, whatever its type (new event types included). */
function versionIdOf(event: CairnEvent): string | undefined {
  const fields = event as unknown as { versionId?: unknown; version?: { versionId?: unknown } };
  if (typeof fields.versionId === 'string') return fields.versionId;
  if (typeof fields.version?.versionId === 'string') return fields.version.versionId;
  return undefined;
}

function lastIdOfMillisecond(ms: number): string {
  return ms.toString(16).padStart(12, '0') + 'f'.repeat(20);
}
