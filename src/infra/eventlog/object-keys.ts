/**
 * LMDB keys of the object-version projection, in S3 listing order:
 *
 *   bucket UTF-8 | 0x00 | object key UTF-8 | 0x00 | 8-byte version order
 *
 * The version order is the first 8 bytes of the creating event's id (milliseconds and
 * counter), inverted, so a key's versions sort newest first and its latest version is the
 * first entry. Bucket names have no 0x00 and object keys are refused if they contain one,
 * so the encoding is unambiguous and memcmp order is S3's order (UTF-8 bytes).
 * Longest key: 63 + 1 + 1024 + 1 + 8 = 1097 bytes, under LMDB's 1978-byte limit.
 */
import { MAX_KEY_BYTES } from '../../domain/rules/names';

const SEPARATOR = 0x00;
export const ORDER_BYTES = 8;
/** What follows `bucket 0x00 key` in a version key: the separator and the order. */
export const VERSION_SUFFIX_BYTES = 1 + ORDER_BYTES;

/** bucket 0x00 key, followed by `room` bytes left for the caller: one allocation (a hot path). */
function keyWithRoom(bucket: string, key: string, room: number): { bytes: Buffer; end: number } {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(bucket) + 1 + Buffer.byteLength(key) + room);
  let end = bytes.write(bucket, 0, 'utf8');
  bytes[end++] = SEPARATOR;
  end += bytes.write(key, end, 'utf8');
  return { bytes, end };
}

/** bucket 0x00 — the start of a bucket's range. */
export function bucketPrefix(bucket: string): Buffer {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(bucket) + 1);
  const n = bytes.write(bucket, 0, 'utf8');
  bytes[n] = SEPARATOR;
  return bytes;
}

/** bucket 0x00 key-or-prefix: where a key, or the first key with that prefix, starts. */
export function keyStart(bucket: string, keyOrPrefix: string): Buffer {
  return keyWithRoom(bucket, seekable(keyOrPrefix), 0).bytes;
}

/**
 * A client's marker, start-after or prefix can be longer than any stored key, and LMDB refuses
 * keys over 1978 bytes. Cut to its first MAX_KEY_BYTES bytes (at a character boundary) it
 * sorts at or before every key it should be at or before, so a seek lands no later than it
 * should; the listing rules skip the keys before their real start.
 */
function seekable(keyOrPrefix: string): string {
  if (keyOrPrefix.length * 3 <= MAX_KEY_BYTES || Buffer.byteLength(keyOrPrefix) <= MAX_KEY_BYTES) return keyOrPrefix;
  const bytes = Buffer.from(keyOrPrefix).subarray(0, MAX_KEY_BYTES + 1);
  let end = MAX_KEY_BYTES;
  while ((bytes[end]! & 0xc0) === 0x80) end--; // back to the first byte of the character cut
  return bytes.toString('utf8', 0, end);
}

/** Range [start, end) holding exactly the versions of one key. */
export function versionsRange(bucket: string, key: string): { start: Buffer; end: Buffer } {
  const { bytes: start, end: at } = keyWithRoom(bucket, key, 1);
  start[at] = SEPARATOR;
  const end = Buffer.from(start);
  end[end.length - 1] = SEPARATOR + 1;
  return { start, end };
}

export function versionKey(bucket: string, key: string, eventId: string): Buffer {
  const { bytes, end } = keyWithRoom(bucket, key, 1 + ORDER_BYTES);
  bytes[end] = SEPARATOR;
  const order = end + 1;
  bytes.write(eventId.slice(0, ORDER_BYTES * 2), order, 'hex');
  for (let i = order; i < order + ORDER_BYTES; i++) bytes[i] = 0xff - bytes[i];
  return bytes;
}

/** The first key after every key that starts with `prefix` (in bytes). */
export function pastPrefix(bucket: string, prefix: string): Buffer {
  // No stored key is that long, so none starts with it: past it is where it would start.
  if (seekable(prefix) !== prefix) return keyStart(bucket, prefix);
  const start = keyStart(bucket, prefix);
  // Valid UTF-8 never contains 0xff, so incrementing the last byte cannot overflow.
  start[start.length - 1] += 1;
  return start;
}

/** The end of a bucket's range (exclusive). */
export function bucketEnd(bucket: string): Buffer {
  const end = bucketPrefix(bucket);
  end[end.length - 1] = SEPARATOR + 1;
  return end;
}

/** The object key inside an encoded version key of a known bucket. */
export function objectKeyOf(encoded: Buffer, bucketPrefixLength: number): string {
  return encoded.toString('utf8', bucketPrefixLength, encoded.length - ORDER_BYTES - 1);
}
