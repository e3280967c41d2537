/**
 * x-amz-request-id values: 16 uppercase hex digits, milliseconds then a counter, unique in
 * the process and roughly time-ordered (MinIO's shape), cheap enough for every response.
 */
import { createHash, randomBytes } from 'node:crypto';

let counter = 0;
/** The last millisecond seen and its hex form (formatting a double costs more than the rest). */
let lastMs = -1;
let lastMsHex = '';

export function newRequestId(): string {
  counter = (counter + 1) & 0xfffff;
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastMsHex = ms.toString(16).toUpperCase();
  }
  return (lastMsHex + counter.toString(16).toUpperCase().padStart(5, '0')).slice(-16).padStart(16, '0');
}

/** x-amz-id-2: identifies this server process (AWS sends an opaque host id). */
export const HOST_ID = createHash('sha256').update(randomBytes(16)).digest('hex');
