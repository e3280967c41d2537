/**
 * `cairn admin audit replay`: a bucket as it stood at an instant, by folding the log's events
 * up to that instant through `project()` (the same evolve the drives run) into an in-memory
 * projection. The log's order is the order of history: replay folds the longest prefix of
 * the log whose events were decided at or before the instant (should the clock ever have
 * stepped back, an event after a later one is not taken out of order).
 * Only the bucket's own events are folded: `project()` of one bucket's event reads only that
 * bucket's state.
 */
import type { Database } from 'lmdb';
import { upcastEvent } from '../../../migrations/upcasters';
import { eventBucket } from '../../domain/events';
import { InMemoryProjection } from '../../domain/projections/in-memory-projection';
import { decodeEventRecord } from './event-record';
import { rawRecords } from './log-pages';

export interface ReplayResult {
  readonly projection: InMemoryProjection;
  /** Events of the bucket folded. */
  readonly events: number;
  /** Whether the bucket existed at that instant. */
  readonly bucketExisted: boolean;
}

export async function replayBucket(events: Database<Buffer, Buffer>, bucket: string, at: number): Promise<ReplayResult> {
  const projection = new InMemoryProjection();
  let folded = 0;
  for await (const { bytes } of rawRecords(events)) {
    const event = upcastEvent(JSON.parse(decodeEventRecord(bytes).json));
    if (event.time > at) break;
    if (eventBucket(event) !== bucket) continue;
    projection.apply(event);
    folded++;
  }
  return { projection, events: folded, bucketExisted: projection.getBucket(bucket) !== undefined };
}
