import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeParityInThread, ReedSolomonCodec } from '../../../src/infra/erasure/reed-solomon';

/** The parity the native addon computes in the thread pool (whatever IN_THREAD_CODING_LIMIT says). */
async function nativeParity(codec: ReedSolomonCodec, data: Buffer, shardSize: number): Promise<Buffer> {
  const parity = Buffer.alloc(codec.parityShards * shardSize);
  // Through the private runner so that the size limit does not route it back to JavaScript.
  await (codec as unknown as { run: (s: number, t: number, d: Buffer, p: Buffer, z: number) => Promise<void> }).run(
    (1 << codec.dataShards) - 1,
    ((1 << codec.totalShards) - 1) & ~((1 << codec.dataShards) - 1),
    data,
    parity,
    shardSize,
  );
  return parity;
}

describe('in-thread Reed–Solomon parity', () => {
  for (const [k, m] of [
    [2, 2],
    [4, 2],
    [3, 3],
    [6, 2],
    [8, 4],
    [2, 1],
    [1, 1],
  ] as const) {
    for (const shardSize of [8, 64, 2048, 4096, 8200]) {
      it(`matches the native addon byte for byte: ${k}+${m}, shard ${shardSize}`, async () => {
        const codec = new ReedSolomonCodec(k, m);
        const data = randomBytes(k * shardSize);
        const expected = await nativeParity(codec, data, shardSize);
        const parity = Buffer.alloc(m * shardSize, 0xaa);
        encodeParityInThread((codec as unknown as { context: Buffer }).context, data, parity, shardSize);
        expect(parity.equals(expected)).toBe(true);
      });
    }
  }

  it('also matches at unaligned buffer offsets', async () => {
    const codec = new ReedSolomonCodec(2, 2);
    const shardSize = 1024;
    const backing = randomBytes(2 * shardSize + 3);
    const data = backing.subarray(3);
    const expected = await nativeParity(codec, Buffer.from(data), shardSize);
    const parityBacking = Buffer.alloc(2 * shardSize + 1);
    const parity = parityBacking.subarray(1);
    await codec.encodeParity(data, parity, shardSize);
    expect(parity.equals(expected)).toBe(true);
  });
});
