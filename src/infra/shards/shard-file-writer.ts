/**
 * Writes one drive's shard stream of one object to its staging file, sequentially.
 * `finish` makes the bytes durable (fdatasync); the directory entry is made durable by the
 * staging directory's fsync (ShardStore.syncStaging), shared by concurrent uploads.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export class ShardFileWriter {
  private position = 0;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  static async create(filePath: string): Promise<ShardFileWriter> {
    return new ShardFileWriter(await fs.open(filePath, 'wx'), filePath);
  }

  get bytesWritten(): number {
    return this.position;
  }

  async write(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, this.position);
      this.position += bytesWritten;
      pending = dropWritten(pending, bytesWritten);
    }
  }

  async finish(): Promise<void> {
    await this.handle.datasync();
    await this.close();
  }

  async abort(): Promise<void> {
    await this.close();
    await fs.unlink(this.path).catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
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
