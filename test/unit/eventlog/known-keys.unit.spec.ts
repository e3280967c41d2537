import { describe, expect, it } from 'vitest';
import { KnownKeys } from '../../../src/infra/eventlog/known-keys';

const keyBytes = (i: number) => Buffer.from(`bucket\u0000dir/${i}/object-${i * 7919}.bin`);

describe('known keys (a growing Bloom filter over bucket 0x00 key)', () => {
  it('says "maybe" for every key added, through the layers it grows, and "absent" for nearly every other', () => {
    const known = new KnownKeys();
    const added = 200_000; // past the first layer's 64 Ki keys: three layers
    for (let i = 0; i < added; i++) known.add(keyBytes(i));
    for (let i = 0; i < added; i++) if (!known.mayHave(keyBytes(i))) throw new Error(`key ${i} was added but is reported absent`);
    let falseMaybes = 0;
    const others = 100_000;
    for (let i = added; i < added + others; i++) if (known.mayHave(keyBytes(i))) falseMaybes++;
    expect(falseMaybes / others).toBeLessThan(0.01);
    expect(known.bytes).toBe((64 + 128 + 256) * 1024 * 2); // 16 bits per key of capacity
  });

  it('counts a key written again once: overwrites do not grow it', () => {
    const known = new KnownKeys();
    const before = known.bytes;
    for (let round = 0; round < 5; round++) for (let i = 0; i < 60_000; i++) known.add(keyBytes(i));
    expect(known.bytes).toBe(before);
  });

  it('hashes only the given length: a version key with its suffix is the same key', () => {
    const known = new KnownKeys();
    const versionKey = Buffer.concat([keyBytes(1), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8])]);
    known.add(versionKey, versionKey.length - 9);
    expect(known.mayHave(keyBytes(1))).toBe(true);
    expect(known.mayHave(keyBytes(2))).toBe(false);
  });

  it('gives itself up past its most keys (and when told to): every key "maybe", its memory freed', () => {
    const known = new KnownKeys(200_000); // layers of 64 Ki and 128 Ki keys; a third would pass 200,000
    known.markScanned();
    for (let i = 0; i < 196_000; i++) known.add(keyBytes(i));
    expect(known.complete).toBe(true);
    expect(known.mayHave(keyBytes(1_000_000))).toBe(false);
    for (let i = 196_000; i < 200_000; i++) known.add(keyBytes(i));
    expect(known.complete).toBe(false);
    expect(known.mayHave(keyBytes(1_000_000))).toBe(true);
    expect(known.bytes).toBe(0);

    const told = new KnownKeys();
    told.markScanned();
    told.abandon();
    told.add(keyBytes(1));
    expect([told.complete, told.mayHave(keyBytes(2)), told.bytes]).toEqual([false, true, 0]);
  });

  it('is not complete until the scan of committed keys says so', () => {
    const known = new KnownKeys();
    expect(known.complete).toBe(false);
    known.markScanned();
    expect(known.complete).toBe(true);
  });
});
