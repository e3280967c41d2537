import { describe, expect, it } from 'vitest';
import { ExtentAllocator, type Extent } from '../../../src/infra/shards/extent-allocator';
import { ReleaseAfterReads } from '../../../src/infra/shards/release-after-reads';

const KiB = 1024;
const SEGMENT = 1024 * KiB;

function overlaps(a: Extent, b: Extent): boolean {
  return a.segment === b.segment && a.offset < b.offset + b.length && b.offset < a.offset + a.length;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe('ExtentAllocator', () => {
  it('hands out aligned extents one after another, then opens a new segment', () => {
    const allocator = new ExtentAllocator(SEGMENT);
    expect(allocator.allocate(1)).toEqual({ segment: 0, offset: 0, length: 4 * KiB });
    expect(allocator.allocate(600 * KiB)).toEqual({ segment: 0, offset: 4 * KiB, length: 600 * KiB });
    expect(allocator.allocate(500 * KiB)).toEqual({ segment: 1, offset: 0, length: 500 * KiB });
    expect(() => allocator.allocate(SEGMENT + 1)).toThrow(RangeError);
  });

  it('reuses freed space first fit, merging neighbours and moving the end back', () => {
    const allocator = new ExtentAllocator(SEGMENT);
    const [a, b, c] = [allocator.allocate(8 * KiB), allocator.allocate(8 * KiB), allocator.allocate(8 * KiB)];
    allocator.free(a);
    allocator.free(b);
    // a and b merged into one 16 KiB hole that a 12 KiB shard fits.
    expect(allocator.allocate(12 * KiB)).toEqual({ segment: 0, offset: 0, length: 12 * KiB });
    allocator.free(c);
    expect(allocator.segmentEnds()).toEqual([12 * KiB]);
    expect(allocator.usedBytes()).toBe(12 * KiB);
  });

  it('refuses to free an extent twice or one it never handed out', () => {
    const allocator = new ExtentAllocator(SEGMENT);
    const a = allocator.allocate(4 * KiB);
    allocator.allocate(4 * KiB);
    allocator.free(a);
    expect(() => allocator.free(a)).toThrow(/already free/);
    expect(() => allocator.free({ segment: 3, offset: 0, length: 4 * KiB })).toThrow(/never allocated/);
  });

  it('never lets two live extents overlap, and a rebuild from the live ones agrees (random workload)', () => {
    const next = random(7);
    const allocator = new ExtentAllocator(SEGMENT);
    const live: Extent[] = [];
    for (let step = 0; step < 5000; step++) {
      if (live.length > 0 && next() < 0.45) {
        allocator.free(live.splice(Math.floor(next() * live.length), 1)[0]);
      } else {
        const extent = allocator.allocate(1 + Math.floor(next() * 200 * KiB));
        expect(live.find((other) => overlaps(other, extent))).toBeUndefined();
        live.push(extent);
      }
      if (step % 500 === 0) {
        const rebuilt = ExtentAllocator.fromUsed(SEGMENT, live);
        expect(rebuilt.usedBytes()).toBe(allocator.usedBytes());
        for (let i = 0; i < 50; i++) {
          const extent = rebuilt.allocate(1 + Math.floor(next() * 200 * KiB));
          expect(live.find((other) => overlaps(other, extent))).toBeUndefined();
        }
      }
    }
    expect(allocator.usedBytes()).toBe(live.reduce((sum, extent) => sum + extent.length, 0));
  });

  it('rebuilds from used extents with the holes between them free', () => {
    const used = [
      { segment: 0, offset: 8 * KiB, length: 4 * KiB },
      { segment: 2, offset: 0, length: 4 * KiB },
    ];
    const allocator = ExtentAllocator.fromUsed(SEGMENT, used);
    expect(allocator.segmentEnds()).toEqual([12 * KiB, 0, 4 * KiB]);
    expect(allocator.allocate(8 * KiB)).toEqual({ segment: 0, offset: 0, length: 8 * KiB });
    expect(allocator.allocate(4 * KiB)).toEqual({ segment: 0, offset: 12 * KiB, length: 4 * KiB });
    expect(() => ExtentAllocator.fromUsed(SEGMENT, [used[0], { segment: 0, offset: 10 * KiB, length: 4 * KiB }])).toThrow(/overlap/);
  });
});

describe('ReleaseAfterReads', () => {
  it('releases at once with no reader, and after every earlier reader otherwise', () => {
    const guard = new ReleaseAfterReads();
    const released: string[] = [];
    guard.afterCurrentReads(() => released.push('idle'));
    expect(released).toEqual(['idle']);

    const first = guard.enter();
    const second = guard.enter();
    guard.afterCurrentReads(() => released.push('after first two'));
    const later = guard.enter(); // started after the release: it must not hold it back
    guard.leave(first);
    expect(released).toEqual(['idle']);
    guard.leave(second);
    expect(released).toEqual(['idle', 'after first two']);
    guard.afterCurrentReads(() => released.push('after later'));
    expect(released).toHaveLength(2);
    guard.leave(later);
    expect(released).toEqual(['idle', 'after first two', 'after later']);
    expect(guard.activeReaders).toBe(0);
  });
});
