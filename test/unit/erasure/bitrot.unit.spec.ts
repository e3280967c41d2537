import { randomBytes } from 'node:crypto';
import * as highwayhash from 'highwayhash';
import { describe, expect, it } from 'vitest';
import { BITROT_HASH_SIZE, bitrotHash, bitrotVerify } from '../../../src/infra/erasure/bitrot';
import { verifiedShard } from '../../../src/infra/erasure/block-coder';

// The key as bitrot.ts spells it: the stored hashes on every drive depend on it.
const KEY = Buffer.from('6361697266e2808262697472f06f742d6b65792d686967687761792d3634213f', 'hex');

describe('bitrot hashes', () => {
  it("are the addon's HighwayHash-64 bytes (what every stored frame carries), for any length", () => {
    for (const length of [0, 1, 7, 8, 31, 32, 33, 2048, 65_536, 524_288]) {
      const data = randomBytes(length);
      const hash = bitrotHash(data);
      expect(hash).toHaveLength(BITROT_HASH_SIZE);
      expect(hash.equals(highwayhash.asBuffer(KEY, data))).toBe(true);
    }
  });

  it('verify the right bytes and refuse a flipped bit anywhere, a different hash, or a hash of the wrong size', () => {
    const data = randomBytes(4096);
    const hash = bitrotHash(data);
    expect(bitrotVerify(hash, data)).toBe(true);
    for (const bit of [0, 1, 7, 8 * 2047 + 3, 8 * 4096 - 1]) {
      const flipped = Buffer.from(data);
      flipped[bit >> 3] ^= 1 << (bit & 7);
      expect(bitrotVerify(hash, flipped)).toBe(false);
    }
    for (let byte = 0; byte < BITROT_HASH_SIZE; byte++) {
      const wrong = Buffer.from(hash);
      wrong[byte] ^= 0x80;
      expect(bitrotVerify(wrong, data)).toBe(false);
    }
    expect(bitrotVerify(hash.subarray(0, 7), data)).toBe(false);
    expect(bitrotVerify(Buffer.concat([hash, Buffer.of(0)]), data)).toBe(false);
  });

  it('verifiedShard returns the shard of an intact frame and nothing for a damaged or short one', () => {
    const shard = randomBytes(1024);
    const frame = Buffer.concat([bitrotHash(shard), shard]);
    expect(verifiedShard(frame, shard.length)?.equals(shard)).toBe(true);
    const damaged = Buffer.from(frame);
    damaged[BITROT_HASH_SIZE + 500] ^= 0x10;
    expect(verifiedShard(damaged, shard.length)).toBeUndefined();
    expect(verifiedShard(frame.subarray(0, frame.length - 1), shard.length)).toBeUndefined();
    expect(verifiedShard(undefined, shard.length)).toBeUndefined();
  });
});
