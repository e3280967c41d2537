/**
 * Free space of one drive's segment files: where the next shard goes.
 *
 * A segment is a file of at most `segmentBytes`; a shard occupies one contiguous extent of a
 * segment, aligned for O_DIRECT. The allocator lives in memory only: at start-up it is
 * rebuilt from the extents the drive's placement table names (`fromUsed`), so whatever a
 * crash left allocated but never committed is free again — nothing leaks, and nothing has
 * to be synced to keep it.
 *
 * First fit, segment by segment: a hole of the segment's free list, else its unused end; a
 * new segment when none has room. Filling the oldest segments first keeps the files few. Freed extents merge with their neighbours; one that reaches a segment's end
 * moves the end back instead.
 */
import { alignUp, DIRECT_IO_ALIGNMENT } from './aligned-buffers';

export interface Extent {
  readonly segment: number;
  /** Byte offset in the segment file; a multiple of DIRECT_IO_ALIGNMENT. */
  readonly offset: number;
  /** Bytes reserved; a multiple of DIRECT_IO_ALIGNMENT (the shard itself may be shorter). */
  readonly length: number;
}

interface Range {
  offset: number;
  length: number;
}

interface SegmentSpace {
  /** Free ranges below `end`, sorted by offset, never adjacent (they are merged). */
  readonly free: Range[];
  /** Everything from here to the segment's limit is free. */
  end: number;
}

/** The extent for a shard of `bytes`: aligned, never empty. */
export function alignedLength(bytes: number): number {
  return alignUp(Math.max(bytes, 1));
}

export class ExtentAllocator {
  private readonly segments: SegmentSpace[] = [];

  constructor(readonly segmentBytes: number) {
    if (segmentBytes % DIRECT_IO_ALIGNMENT !== 0) throw new RangeError('segment size must be aligned');
  }

  /** The allocator of a drive whose committed shards occupy `used` (they must not overlap). */
  static fromUsed(segmentBytes: number, used: Iterable<Extent>): ExtentAllocator {
    const allocator = new ExtentAllocator(segmentBytes);
    const bySegment = new Map<number, Extent[]>();
    for (const extent of used) {
      const list = bySegment.get(extent.segment) ?? [];
      list.push(extent);
      bySegment.set(extent.segment, list);
    }
    const last = Math.max(-1, ...bySegment.keys());
    for (let segment = 0; segment <= last; segment++) {
      const space: SegmentSpace = { free: [], end: 0 };
      for (const extent of (bySegment.get(segment) ?? []).sort((a, b) => a.offset - b.offset)) {
        if (extent.offset < space.end) throw new Error(`extents overlap in segment ${segment} at ${extent.offset}`);
        if (extent.offset > space.end) space.free.push({ offset: space.end, length: extent.offset - space.end });
        space.end = extent.offset + extent.length;
      }
      allocator.segments.push(space);
    }
    return allocator;
  }

  /** Reserves an aligned extent of at least `bytes`. Throws when one cannot fit any segment. */
  allocate(bytes: number): Extent {
    const length = alignedLength(bytes);
    if (length > this.segmentBytes) throw new RangeError(`${bytes} bytes do not fit a segment of ${this.segmentBytes}`);
    for (let segment = 0; segment < this.segments.length; segment++) {
      const space = this.segments[segment];
      const index = space.free.findIndex((range) => range.length >= length);
      if (index >= 0) {
        const range = space.free[index];
        if (range.length === length) space.free.splice(index, 1);
        else space.free[index] = { offset: range.offset + length, length: range.length - length };
        return { segment, offset: range.offset, length };
      }
      if (space.end + length <= this.segmentBytes) {
        space.end += length;
        return { segment, offset: space.end - length, length };
      }
    }
    this.segments.push({ free: [], end: length });
    return { segment: this.segments.length - 1, offset: 0, length };
  }

  /** Returns an extent to free space (the caller makes sure nobody still reads it). */
  free(extent: Extent): void {
    const space = this.segments[extent.segment];
    if (!space || extent.offset + extent.length > space.end) throw new Error(`extent ${describe(extent)} was never allocated`);
    const free = space.free;
    let index = free.findIndex((range) => range.offset > extent.offset);
    if (index < 0) index = free.length;
    const before = free[index - 1];
    const after = free[index];
    if ((before && before.offset + before.length > extent.offset) || (after && extent.offset + extent.length > after.offset)) {
      throw new Error(`extent ${describe(extent)} is already free`);
    }
    let range: Range = { offset: extent.offset, length: extent.length };
    if (before && before.offset + before.length === range.offset) {
      range = { offset: before.offset, length: before.length + range.length };
      free.splice(--index, 1);
    }
    if (after && range.offset + range.length === after.offset) {
      range = { offset: range.offset, length: range.length + after.length };
      free.splice(index, 1);
    }
    if (range.offset + range.length === space.end) space.end = range.offset;
    else free.splice(index, 0, range);
  }

  /** Bytes allocated (for tests and metrics). */
  usedBytes(): number {
    return this.segments.reduce((sum, space) => sum + space.end - space.free.reduce((free, range) => free + range.length, 0), 0);
  }

  /** How far each segment file is in use: a file never needs to be longer. */
  segmentEnds(): number[] {
    return this.segments.map((space) => space.end);
  }
}

function describe(extent: Extent): string {
  return `${extent.segment}:${extent.offset}+${extent.length}`;
}
