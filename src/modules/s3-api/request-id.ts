/**
 * x-amz-request-id values: 16 uppercase hex digits, milliseconds then a counter, unique in
 * the process and roughly time-ordered (MinIO's shape), cheap enough for every response.
 */
import { createHash, randomBytes } from 'node:crypto';
import { millisecondHex } from '../../infra/eventlog/event-id';

let counter = 0;

export function newRequestId(): string {
  counter = (counter + 1) & 0xfffff;
  return (millisecondHex(Date.now()) + counter.toString(16).padStart(5, '0')).slice(-16).toUpperCase();
}

/** x-amz-id-2: identifies this server process (AWS sends an opaque host id). */
export const HOST_ID = createHash('sha256').update(randomBytes(16)).digest('hex');
