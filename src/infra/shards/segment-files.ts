/**
 * A drive's segment files, `segments/<n>.seg`: shards of many objects, each in an extent of
 * its own (extent-allocator.ts), instead of a file per shard.
 *
 * Why: a new file per shard costs, for every object on every drive, a create, the block
 * allocation, an fdatasync that must also write the file's metadata, a directory fsync, a
 * rename and later an unlink. Writing into a segment costs one write; the fdatasync of the
 * segment is shared by every upload waiting for one (CoalescedSync), which is the group
 * commit of shard data. Measured (`npm run bench:floors`): the I/O of a 1 MiB object took
 * 4.2 ms of CPU and ran 166 objects/s as files, 1.2 ms and 264 objects/s in a segment.
 *
 * Writes use O_DIRECT where the file system allows it (an extent starts aligned; the last run
 * of a shard is padded inside its extent), through the page cache otherwise. Reads go through
 * the page cache on a second descriptor, as shard files are read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ShardReader, ShardWriter } from '../drives/drive';
import { releaseAligned, tryAcquireAligned } from './aligned-buffers';
import { AlignedStage } from './aligned-stage';
import { CoalescedSync } from './coalesced-sync';
import { syncDirectory } from '../drives/drive-format';
import type { Extent } from './extent-allocator';

const open = promisify(fs.open);
const write = promisify(fs.write);
const read = promisify(fs.read);
const fdatasync = promisify(fs.fdatasync);
const fstat = promisify(fs.fstat);

export const SEGMENTS_DIR = 'segments';

/**
 * One segment file's descriptors. Every I/O goes through `io`, which refuses to start once
 * the drive's segment files are closed and lets `close` wait for those in progress: a
 * descriptor is never closed under a write, and a late write of an upload that outlived its
 * drive (it went offline and came back) fails instead of landing in whatever file reuses
 * the descriptor's number.
 */
class SegmentFile {
  readonly synced: CoalescedSync;
  private writing: Promise<{ direct: number; buffered: number }> | undefined;

  constructor(
    private readonly owner: SegmentFiles,
    readonly path: string,
    /** Read through the page cache (a read-only drive can still be read). */
    readonly readFd: number,
    private readonly direct: boolean,
  ) {
    this.synced = new CoalescedSync(async () => {
      const { direct: fd } = await this.writeFds();
      await this.io(() => fdatasync(fd));
    });
  }

  /**
   * The write descriptors, opened on the first write: O_DIRECT (when the file system allows
   * it) for aligned runs from a stage, through the page cache for a writer that got none.
   */
  writeFds(): Promise<{ direct: number; buffered: number }> {
    this.writing ??= (async () => {
      if (this.owner.isClosed) throw new Error("the drive's segment files are closed");
      const { O_RDWR, O_DIRECT } = fs.constants;
      const direct = await open(this.path, O_RDWR | (this.direct ? O_DIRECT : 0));
      const buffered = this.direct ? await open(this.path, O_RDWR) : direct;
      return { direct, buffered };
    })();
    this.writing.catch(() => (this.writing = undefined));
    return this.writing;
  }

  io<T>(operation: () => Promise<T>): Promise<T> {
    return this.owner.track(operation);
  }

  async closeDescriptors(): Promise<void> {
    fs.closeSync(this.readFd);
    const fds = await this.writing?.catch(() => undefined);
    if (!fds) return;
    fs.closeSync(fds.direct);
    if (fds.buffered !== fds.direct) fs.closeSync(fds.buffered);
  }
}

export class SegmentFiles {
  private readonly files = new Map<number, Promise<SegmentFile>>();
  private closed = false;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  /** The drive's root and `segments/` entries are made durable once per process. */
  private directorySynced: Promise<void> | undefined;

  constructor(
    private readonly root: string,
    /** Whether the file system takes O_DIRECT (probed by ShardStore). */
    private readonly direct: boolean,
  ) {}

  get dir(): string {
    return path.join(this.root, SEGMENTS_DIR);
  }

  pathOf(segment: number): string {
    return path.join(this.dir, `${segment}.seg`);
  }

  /** A writer of one shard of exactly `bytes` into `extent`, which the caller has reserved for it. */
  async writer(extent: Extent, bytes: number): Promise<SegmentShardWriter> {
    return new SegmentShardWriter(await this.file(extent.segment, true), extent, bytes, this.direct ? tryAcquireAligned() : undefined);
  }

  /** A reader of the `length` bytes of one shard stored at `extent` (rejects if its segment is gone). */
  async reader(extent: Extent, length: number): Promise<ShardReader> {
    return new SegmentShardReader(await this.file(extent.segment, false), extent, length);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs one I/O on a segment file, unless the files are closed. */
  track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the drive\'s segment files are closed'));
    this.inFlight++;
    return operation().finally(() => {
      if (--this.inFlight === 0) this.drained?.();
    });
  }

  /** Refuses new I/O, waits for the I/O in progress, then closes every descriptor. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const files = await Promise.allSettled(this.files.values());
    this.files.clear();
    for (const file of files) if (file.status === 'fulfilled') await file.value.closeDescriptors();
  }

  private file(segment: number, create: boolean): Promise<SegmentFile> {
    if (this.closed) return Promise.reject(new Error('the drive\'s segment files are closed'));
    let file = this.files.get(segment);
    if (!file) {
      // A reader never creates a segment: a missing one means its shards are missing.
      if (!create && !fs.existsSync(this.pathOf(segment))) return Promise.reject(new Error(`segment ${segment} is missing`));
      file = this.openFile(segment, create);
      // A failed open is retried by the next caller (the drive may have come back).
      file.catch(() => this.files.delete(segment));
      this.files.set(segment, file);
    }
    return file;
  }

  private async openFile(segment: number, create: boolean): Promise<SegmentFile> {
    const file = this.pathOf(segment);
    if (create && !fs.existsSync(file)) {
      await this.syncDirectoriesOnce();
      fs.closeSync(await open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT));
      // The new file's directory entry is durable before any shard in it is acknowledged.
      await syncDirectory(this.dir);
    }
    return new SegmentFile(this, file, await open(file, 'r'), this.direct);
  }

  private syncDirectoriesOnce(): Promise<void> {
    this.directorySynced ??= (async () => {
      await fs.promises.mkdir(this.dir, { recursive: true });
      await syncDirectory(this.root);
    })();
    this.directorySynced.catch(() => (this.directorySynced = undefined));
    return this.directorySynced;
  }
}

/** Writes one shard's frames, in order, into its extent; `finish` makes them durable. */
export class SegmentShardWriter implements ShardWriter {
  private position = 0;
  /** O_DIRECT: frames gathered for aligned writes (through the page cache without one). */
  private stage: AlignedStage | undefined;
  private busy: Promise<unknown> | undefined;

  constructor(
    private readonly file: SegmentFile,
    readonly extent: Extent,
    /** The shard's length: no more is written, and `finish` refuses less. */
    private readonly bytes: number,
    aligned: Buffer | undefined,
  ) {
    this.stage = aligned && new AlignedStage(aligned, (buffer, length, position) => this.writeFully(buffer, length, position));
  }

  get bytesWritten(): number {
    return this.position;
  }

  write(buffers: Buffer[]): Promise<void> {
    const length = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    if (this.position + length > this.bytes) {
      return Promise.reject(new RangeError(`shard larger than its extent (${this.position + length} > ${this.bytes})`));
    }
    const start = this.position;
    this.position += length;
    return this.track(this.stage ? this.stage.append(buffers) : this.writeBuffered(buffers, start));
  }

  /** Writes what is staged and waits for an fdatasync of the segment that started after it. */
  finish(): Promise<void> {
    if (this.position !== this.bytes) return Promise.reject(new Error(`a shard of ${this.position} bytes in an extent reserved for ${this.bytes}`));
    return this.track(this.finishWrites());
  }

  /** Drops the shard (its extent goes back to the caller's allocator). */
  async abort(): Promise<void> {
    await this.busy?.catch(() => undefined);
    this.release();
  }

  private async finishWrites(): Promise<void> {
    // The padding stays inside the extent, which is a multiple of the alignment.
    await this.stage?.finish();
    this.release();
    await this.file.synced.sync();
  }

  private async writeBuffered(buffers: Buffer[], start: number): Promise<void> {
    let position = start;
    for (const buffer of buffers) {
      await this.writeFully(buffer, buffer.length, position);
      position += buffer.length;
    }
  }

  /** Writes `length` bytes of `buffer` at `position` within the extent. */
  private async writeFully(buffer: Buffer, length: number, position: number): Promise<void> {
    // Aligned runs from the stage go O_DIRECT; a writer without a stage writes buffered.
    const fds = await this.file.writeFds();
    const fd = this.stage ? fds.direct : fds.buffered;
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.file.io(() => write(fd, buffer, done, length - done, this.extent.offset + position + done));
      if (bytesWritten === 0) throw new Error(`short write to segment ${this.extent.segment}`);
      done += bytesWritten;
    }
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.busy = operation;
    return operation;
  }

  private release(): void {
    if (this.stage) releaseAligned(this.stage.buffer);
    this.stage = undefined;
  }
}

/** Reads inside one shard's bytes of a segment, as if they were a file of their own. */
class SegmentShardReader implements ShardReader {
  constructor(
    private readonly file: SegmentFile,
    private readonly extent: Extent,
    private readonly length: number,
  ) {}

  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    if (into && into.length < length) throw new RangeError(`a buffer of ${into.length} bytes cannot take ${length}`);
    const wanted = Math.max(0, Math.min(length, this.length - offset));
    const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < wanted) {
      const { bytesRead } = await this.file.io(() => read(this.file.readFd, buffer, filled, wanted - filled, this.extent.offset + offset + filled));
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  }

  async size(): Promise<number> {
    // The shard ends where the segment file does if the file was cut short (a damaged drive).
    const fileSize = (await this.file.io(() => fstat(this.file.readFd))).size;
    return Math.max(0, Math.min(this.length, fileSize - this.extent.offset));
  }

  async close(): Promise<void> {
    // The segment's descriptors stay open for the next reader.
  }
}
