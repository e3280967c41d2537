/**
 * Writes one drive's shard stream of one object to its staging file, sequentially.
 * `finish` makes the bytes durable (fdatasync); the directory entry is made durable by the
 * staging directory's fsync (ShardStore's writer `finish`), shared by concurrent uploads.
 *
 * Where the file system supports it, the file is written with O_DIRECT: the bytes go from
 * a page-aligned buffer straight to the device instead of being copied into the page cache
 * first. On this VM that copy (into freshly allocated page-cache pages) was the largest
 * single cost of a large PUT — about a third of its CPU time. Frames are not aligned
 * ([8-byte hash][shard]), so they are gathered into the aligned buffer, which is written
 * whenever it is full; the last run is padded to the alignment and the file truncated to
 * its real length before the fdatasync. Durability is unchanged: the
 * fdatasync still covers the data, the size and the device cache.
 *
 * The truncate and the close run on the calling thread: neither waits for the device (the
 * file has no dirty pages by then, and the truncate stays within its last block), and a
 * round trip through the thread pool costs more CPU here than the calls themselves
 * (~40 µs against ~5 µs; docs/performance.md).
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { releaseAligned, tryAcquireAligned } from './aligned-buffers';
import { AlignedStage } from './aligned-stage';

const { O_WRONLY, O_CREAT, O_EXCL, O_DIRECT } = fs.constants;
const open = promisify(fs.open);
const write = promisify(fs.write);
const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);

export class ShardFileWriter {
  /** Logical length written so far. */
  private position = 0;
  private closed = false;
  /** O_DIRECT only: frames gathered for aligned writes. */
  private stage: AlignedStage | undefined;

  /** The write or finish in progress: abort waits for it before the fd and stage go. */
  private busy: Promise<unknown> | undefined;
  /** Opened with O_DIRECT: writes go through `stage`. */
  private readonly direct: boolean;

  private constructor(
    private readonly fd: number,
    readonly path: string,
    stage: Buffer | undefined,
  ) {
    this.stage = stage && new AlignedStage(stage, (buffer, length, position) => this.writeFully(buffer, length, position));
    this.direct = stage !== undefined;
  }

  /**
   * `direct`: open with O_DIRECT (the caller knows the file system supports it) when an
   * aligned buffer is free; through the page cache otherwise.
   */
  static async create(filePath: string, direct = false): Promise<ShardFileWriter> {
    const stage = direct ? tryAcquireAligned() : undefined;
    try {
      const flags = stage ? O_WRONLY | O_CREAT | O_EXCL | O_DIRECT : 'wx';
      return new ShardFileWriter(await open(filePath, flags), filePath, stage);
    } catch (error) {
      if (stage) releaseAligned(stage);
      throw error;
    }
  }

  get bytesWritten(): number {
    return this.position;
  }

  write(buffers: Buffer[]): Promise<void> {
    if (this.direct) this.position += buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    return this.track(this.direct ? this.stage!.append(buffers) : this.writeBuffered(buffers));
  }

  private async writeBuffered(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await writev(this.fd, pending, this.position);
      this.position += bytesWritten;
      pending = dropWritten(pending, bytesWritten);
    }
  }

  finish(): Promise<void> {
    return this.track(this.finishWrites());
  }

  private async finishWrites(): Promise<void> {
    if (this.direct) {
      // The last, partial run is padded to the alignment, then cut back to the real length.
      await this.stage!.finish();
      fs.ftruncateSync(this.fd, this.position);
    }
    await fdatasync(this.fd);
    this.close();
  }

  async abort(): Promise<void> {
    // A write still running (another drive's failure aborts them all) must not find its fd
    // closed and its stage handed to another upload.
    await this.busy?.catch(() => undefined);
    this.close();
    await fs.promises.unlink(this.path).catch(() => undefined);
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.busy = operation;
    return operation;
  }

  private async writeFully(buffer: Buffer, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await write(this.fd, buffer, done, length - done, position + done);
      if (bytesWritten === 0) throw new Error(`short write to ${this.path}`);
      done += bytesWritten;
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } finally {
      // No write is using the stage: finish runs after the writes, abort waits for them.
      if (this.stage) releaseAligned(this.stage.buffer);
      this.stage = undefined;
    }
  }
}

function dropWritten(buffers: Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && written >= buffers[i].length) written -= buffers[i++].length;
  if (i === buffers.length) return [];
  const rest = buffers.slice(i);
  rest[0] = rest[0].subarray(written);
  return rest;
}
