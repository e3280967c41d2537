/**
 * Where each byte of an object lives once it is striped and erasure coded.
 *
 * An object is cut into blocks of `blockSize` bytes (the last one shorter). Each block is
 * split into k data shards of equal size (rounded up to a multiple of 8 bytes, which the
 * Reed–Solomon codec requires; the tail is zero padding), plus m parity shards of the same
 * size. On drive d, the shard file (or inline shard) is the concatenation, block after block,
 * of [8-byte bitrot hash][shard bytes] for that drive's shard index.
 */
import { BITROT_HASH_SIZE } from './bitrot';

export interface CodingLayout {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly blockSize: number;
}

export function shardSizeFor(blockLength: number, dataShards: number): number {
  return Math.ceil(Math.ceil(blockLength / dataShards) / 8) * 8;
}

export function blockCount(objectSize: number, layout: CodingLayout): number {
  return Math.ceil(objectSize / layout.blockSize);
}

/** Length of block `index` of an object of `objectSize` bytes. */
export function blockLength(index: number, objectSize: number, layout: CodingLayout): number {
  return Math.min(layout.blockSize, objectSize - index * layout.blockSize);
}

/** Byte size of one drive's shard stream (all blocks, with their hashes). */
export function shardStreamSize(objectSize: number, layout: CodingLayout): number {
  const blocks = blockCount(objectSize, layout);
  if (blocks === 0) return 0;
  const full = shardSizeFor(layout.blockSize, layout.dataShards) + BITROT_HASH_SIZE;
  const last = shardSizeFor(blockLength(blocks - 1, objectSize, layout), layout.dataShards) + BITROT_HASH_SIZE;
  return (blocks - 1) * full + last;
}

export interface BlockSpan {
  readonly index: number;
  /** Offset of the block in the object. */
  readonly objectOffset: number;
  readonly length: number;
  readonly shardSize: number;
  /** Offset of this block's [hash][shard] frame in every drive's shard stream. */
  readonly frameOffset: number;
  /** The part of this block the caller asked for, relative to the block start. */
  readonly sliceStart: number;
  readonly sliceEnd: number;
}

/** The blocks that hold bytes [start, end] (inclusive) of an object. */
export function blocksForRange(objectSize: number, start: number, end: number, layout: CodingLayout): BlockSpan[] {
  const spans: BlockSpan[] = [];
  if (objectSize === 0 || end < start) return spans;
  const fullFrame = shardSizeFor(layout.blockSize, layout.dataShards) + BITROT_HASH_SIZE;
  const first = Math.floor(start / layout.blockSize);
  const lastIndex = Math.floor(end / layout.blockSize);
  for (let index = first; index <= lastIndex; index++) {
    const objectOffset = index * layout.blockSize;
    const length = blockLength(index, objectSize, layout);
    spans.push({
      index,
      objectOffset,
      length,
      shardSize: shardSizeFor(length, layout.dataShards),
      frameOffset: index * fullFrame,
      sliceStart: Math.max(start, objectOffset) - objectOffset,
      sliceEnd: Math.min(end, objectOffset + length - 1) - objectOffset + 1,
    });
  }
  return spans;
}
