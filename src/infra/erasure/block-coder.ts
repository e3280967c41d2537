/**
 * Encoding one block into shards and decoding it back, with bitrot verification.
 * A *frame* is what a drive stores for one block: [8-byte bitrot hash][shard bytes].
 */
import { BITROT_HASH_SIZE, bitrotHash, bitrotVerify } from './bitrot';
import { shardSizeFor } from './block-layout';
import type { ReedSolomonCodec } from './reed-solomon';

export interface EncodedBlock {
  readonly shardSize: number;
  /** All k + m shards by index (views into the block and parity buffers). */
  readonly shards: Buffer[];
  readonly hashes: Buffer[];
}

/**
 * Encodes the first `length` bytes of `block`. `block` must have room for k * shardSize
 * bytes (the tail is zeroed here) and `parity` for m * shardSize; both are reused by the
 * caller once the shards have been written.
 */
export async function encodeBlock(codec: ReedSolomonCodec, block: Buffer, length: number, parity: Buffer): Promise<EncodedBlock> {
  const k = codec.dataShards;
  const shardSize = shardSizeFor(length, k);
  block.fill(0, length, k * shardSize);
  await codec.encodeParity(block.subarray(0, k * shardSize), parity.subarray(0, codec.parityShards * shardSize), shardSize);
  const shards: Buffer[] = [];
  for (let i = 0; i < k; i++) shards.push(block.subarray(i * shardSize, (i + 1) * shardSize));
  for (let i = 0; i < codec.parityShards; i++) shards.push(parity.subarray(i * shardSize, (i + 1) * shardSize));
  return { shardSize, shards, hashes: shards.map(bitrotHash) };
}

/** One shard's frame as a single buffer (inline shards live in the event record this way). */
export function frameOf(encoded: EncodedBlock, index: number): Buffer {
  return Buffer.concat([encoded.hashes[index], encoded.shards[index]]);
}

/** The shard inside a frame if its hash verifies, else undefined. */
export function verifiedShard(frame: Buffer | undefined, shardSize: number): Buffer | undefined {
  if (!frame || frame.length !== BITROT_HASH_SIZE + shardSize) return undefined;
  const shard = frame.subarray(BITROT_HASH_SIZE);
  return bitrotVerify(frame.subarray(0, BITROT_HASH_SIZE), shard) ? shard : undefined;
}

export class NotEnoughShardsError extends Error {
  constructor(
    readonly available: number,
    readonly needed: number,
  ) {
    super(`only ${available} of the ${needed} shards needed are readable`);
  }
}

export interface DecodedBlock {
  /** The k data shards in order; together (trimmed to the block length) they are the block. */
  readonly dataShards: Buffer[];
  /** Shard indexes that were missing or failed verification. */
  readonly damaged: number[];
}

/**
 * Rebuilds a block's data shards from verified shards (by index, `undefined` = missing or
 * failed verification). Decoding runs only when a data shard is missing.
 */
export async function decodeBlock(codec: ReedSolomonCodec, shards: ReadonlyArray<Buffer | undefined>, shardSize: number): Promise<DecodedBlock> {
  const k = codec.dataShards;
  const m = codec.parityShards;
  const damaged: number[] = [];
  for (let i = 0; i < k + m; i++) if (!shards[i]) damaged.push(i);
  const dataIntact = damaged.every((index) => index >= k);
  if (dataIntact) return { dataShards: shards.slice(0, k) as Buffer[], damaged };

  const sources = [];
  for (let i = 0; i < k + m && sources.length < k; i++) if (shards[i]) sources.push(i);
  if (sources.length < k) throw new NotEnoughShardsError(sources.length, k);
  const data = Buffer.alloc(k * shardSize);
  const parity = Buffer.alloc(m * shardSize);
  for (const index of sources) {
    if (index < k) shards[index]!.copy(data, index * shardSize);
    else shards[index]!.copy(parity, (index - k) * shardSize);
  }
  const targets = damaged.filter((index) => index < k);
  await codec.reconstruct(data, parity, shardSize, sources, targets);
  const dataShards: Buffer[] = [];
  for (let i = 0; i < k; i++) dataShards.push(data.subarray(i * shardSize, (i + 1) * shardSize));
  return { dataShards, damaged };
}

/** Views of bytes [from, to) of the concatenation of the data shards. */
export function sliceShards(dataShards: readonly Buffer[], shardSize: number, from: number, to: number): Buffer[] {
  const views: Buffer[] = [];
  for (let i = Math.floor(from / shardSize); i < dataShards.length && i * shardSize < to; i++) {
    const start = Math.max(from - i * shardSize, 0);
    const end = Math.min(to - i * shardSize, shardSize);
    if (end > start) views.push(dataShards[i].subarray(start, end));
  }
  return views;
}
