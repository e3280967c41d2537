/**
 * Recomputing one drive's shard stream of an object from the shards other drives hold:
 * decode each block from any k verified shards, re-encode it, keep the wanted shard.
 * Used to give a drive that missed an event its inline shard (reconciliation); healing
 * will use it for shard files too.
 */
import type { ShardLayout } from '../../domain/object-version';
import { decodeBlock, encodeBlock, frameOf, verifiedShard } from '../erasure/block-coder';
import { BITROT_HASH_SIZE } from '../erasure/bitrot';
import { blocksForRange, shardSizeFor } from '../erasure/block-layout';
import type { ReedSolomonCodec } from '../erasure/reed-solomon';

/**
 * @param streams each shard index's stream (frames of every block), undefined where unknown
 * @returns the stream of shard `wanted`, or undefined when fewer than k shards verify in some block
 */
export async function rebuildShardStream(
  codec: ReedSolomonCodec,
  layout: ShardLayout,
  size: number,
  streams: ReadonlyArray<Buffer | undefined>,
  wanted: number,
): Promise<Buffer | undefined> {
  const frames: Buffer[] = [];
  for (const span of blocksForRange(size, 0, size - 1, layout)) {
    const shards = streams.map((stream) => verifiedShard(stream?.subarray(span.frameOffset, span.frameOffset + BITROT_HASH_SIZE + span.shardSize), span.shardSize));
    if (shards.filter(Boolean).length < layout.dataShards) return undefined;
    const { dataShards } = await decodeBlock(codec, shards, span.shardSize);
    const block = Buffer.concat(dataShards);
    const parity = Buffer.allocUnsafe(layout.parityShards * shardSizeFor(span.length, layout.dataShards));
    frames.push(frameOf(await encodeBlock(codec, block, span.length, parity), wanted));
  }
  return Buffer.concat(frames);
}
