/**
 * Reads frames of one shard file. The close runs on the calling thread (a read-only close
 * never waits for the device; a thread-pool round trip costs more CPU than the call).
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { ShardReader } from '../drives/drive';

const read = promisify(fs.read);
const fstat = promisify(fs.fstat);

export class ShardFileReader implements ShardReader {
  private closed = false;
  /** Reads in progress: close waits for them, so none runs on an fd number reused elsewhere. */
  private readonly reading = new Set<Promise<unknown>>();

  constructor(private readonly fd: number) {}

  read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const reading = this.readFrame(offset, length, into);
    this.reading.add(reading);
    const settled = () => this.reading.delete(reading);
    reading.then(settled, settled);
    return reading;
  }

  private async readFrame(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    if (this.closed) throw new Error('the shard file is closed');
    if (into && into.length < length) throw new RangeError(`a buffer of ${into.length} bytes cannot take ${length}`);
    const buffer = into ?? Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await read(this.fd, buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  }

  async size(): Promise<number> {
    return (await fstat(this.fd)).size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.reading]);
    fs.closeSync(this.fd);
  }
}
