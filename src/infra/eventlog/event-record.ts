/**
 * The bytes of one event in a drive's log (LMDB key: the 16-byte event id).
 *
 *   offset  size  field
 *   0       1     record format (1)
 *   1       8     seq: this drive's sequence number, from 1, big-endian
 *   9       32    prevHash: hash of the drive's previous record (genesis: see genesisHash)
 *   41      32    hash = SHA-256(prevHash || seq || json)
 *   73      4     json length n, big-endian
 *   77      4     inline shard length i, big-endian
 *   81      n     the event as JSON (identical on every drive)
 *   81+n    i     this drive's inline shard of a small object ([8-byte bitrot hash][shard] per block)
 *   81+n+i  rest  undo: the projection writes that revert this event on this drive (JSON), or nothing
 *
 * The chain covers the JSON, which names the object's size, ETag and checksum. The inline
 * shard is covered by its own bitrot hash; keeping it outside the chain means the bytes of a
 * deleted version could one day be dropped without breaking verification. The undo section
 * is this drive's before-image of what the event changed: start-up reconciliation uses it
 * to roll back an event that never reached a write quorum (see log-reconciliation.ts).
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

export const RECORD_FORMAT = 1;
export const HASH_BYTES = 32;
const HEADER_BYTES = 1 + 8 + HASH_BYTES + HASH_BYTES + 4 + 4;

export interface EventRecord {
  readonly seq: number;
  readonly prevHash: Buffer;
  readonly hash: Buffer;
  readonly json: string;
  /** This drive's inline shard (empty when the event carries none). */
  readonly inline: Buffer;
  /** This drive's undo writes as JSON (empty when none were recorded). */
  readonly undo: Buffer;
}

export function chainHash(prevHash: Buffer, seq: number, json: Buffer): Buffer {
  // One-shot over one buffer: a Hash object per record (four per PUT) is a native object with
  // a finaliser, which costs more than copying the JSON.
  const input = Buffer.allocUnsafe(HASH_BYTES + 8 + json.length);
  prevHash.copy(input, 0);
  input.writeBigUInt64BE(BigInt(seq), HASH_BYTES);
  json.copy(input, HASH_BYTES + 8);
  return oneShotHash('sha256', input, 'buffer');
}

/** The prevHash of a drive's first record: binds the chain to its deployment and drive. */
export function genesisHash(deploymentId: string, driveId: string): Buffer {
  return createHash('sha256').update(`cairn-event-log-v1:${deploymentId}:${driveId}`).digest();
}

export function encodeEventRecord(
  seq: number,
  prevHash: Buffer,
  /** The event JSON; as bytes when the caller appends the same event to several drives. */
  json: string | Buffer,
  inline?: Buffer,
  undo?: Buffer,
): { bytes: Buffer; hash: Buffer } {
  const jsonBytes = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  const hash = chainHash(prevHash, seq, jsonBytes);
  const inlineLength = inline ? inline.length : 0;
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + jsonBytes.length + inlineLength + (undo ? undo.length : 0));
  bytes[0] = RECORD_FORMAT;
  bytes.writeBigUInt64BE(BigInt(seq), 1);
  prevHash.copy(bytes, 9);
  hash.copy(bytes, 41);
  bytes.writeUInt32BE(jsonBytes.length, 73);
  bytes.writeUInt32BE(inlineLength, 77);
  jsonBytes.copy(bytes, HEADER_BYTES);
  if (inline) inline.copy(bytes, HEADER_BYTES + jsonBytes.length);
  if (undo) undo.copy(bytes, HEADER_BYTES + jsonBytes.length + inlineLength);
  return { bytes, hash };
}

export class MalformedRecordError extends Error {}

/** Where the inline shard of a record starts and ends (also used by fault tests). */
export function inlineShardRange(bytes: Buffer): { start: number; end: number } {
  if (bytes.length < HEADER_BYTES || bytes[0] !== RECORD_FORMAT) throw new MalformedRecordError('unknown record format');
  const start = HEADER_BYTES + bytes.readUInt32BE(73);
  const end = start + bytes.readUInt32BE(77);
  if (end > bytes.length) throw new MalformedRecordError('record shorter than its declared sections');
  return { start, end };
}

export function decodeEventRecord(bytes: Buffer): EventRecord {
  const { start, end } = inlineShardRange(bytes);
  return {
    seq: Number(bytes.readBigUInt64BE(1)),
    prevHash: bytes.subarray(9, 41),
    hash: bytes.subarray(41, 73),
    json: bytes.toString('utf8', HEADER_BYTES, start),
    inline: bytes.subarray(start, end),
    undo: bytes.subarray(end),
  };
}

/** The inline shard only, without decoding the JSON (the GET path of small objects). */
export function inlineShardOf(bytes: Buffer): Buffer {
  const { start, end } = inlineShardRange(bytes);
  return bytes.subarray(start, end);
}

/**
 * The same record with another inline shard. The chain hash covers the event's JSON, not the
 * shard (a drive's shard is data that healing may rewrite), so the chain stays valid.
 */
export function withInlineShard(bytes: Buffer, shard: Buffer): Buffer {
  const { start, end } = inlineShardRange(bytes);
  const record = Buffer.concat([bytes.subarray(0, start), shard, bytes.subarray(end)]);
  record.writeUInt32BE(shard.length, 77);
  return record;
}

/** True when the record's hash is what its prevHash, seq and JSON give. */
export function recordHashIsValid(record: EventRecord): boolean {
  return chainHash(record.prevHash, record.seq, Buffer.from(record.json, 'utf8')).equals(record.hash);
}
