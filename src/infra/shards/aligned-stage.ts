/**
 * Gathers a shard's frames in a page-aligned buffer for O_DIRECT writes, which need the
 * memory address, the file offset and the length aligned (see aligned-buffers.ts). Frames are
 * not aligned ([8-byte hash][shard]), so they are copied into the stage, which is written
 * whenever it is full; `finish` pads the last run to the alignment and writes it.
 */
import { alignUp } from './aligned-buffers';

/** Writes `length` bytes of `buffer` at `position` (relative to the shard's start). */
export type AlignedWrite = (buffer: Buffer, length: number, position: number) => Promise<void>;

export class AlignedStage {
  private fill = 0;
  /** Bytes of the shard already written. */
  private flushed = 0;

  constructor(
    /** Page-aligned; its length a multiple of the alignment. */
    readonly buffer: Buffer,
    private readonly write: AlignedWrite,
  ) {}

  async append(buffers: readonly Buffer[]): Promise<void> {
    for (const source of buffers) {
      let offset = 0;
      while (offset < source.length) {
        const n = Math.min(this.buffer.length - this.fill, source.length - offset);
        source.copy(this.buffer, this.fill, offset, offset + n);
        this.fill += n;
        offset += n;
        if (this.fill === this.buffer.length) {
          await this.write(this.buffer, this.fill, this.flushed);
          this.flushed += this.fill;
          this.fill = 0;
        }
      }
    }
  }

  /** Writes what is left, padded with zeros to the alignment (the caller knows the real length). */
  async finish(): Promise<void> {
    if (this.fill === 0) return;
    const padded = alignUp(this.fill);
    this.buffer.fill(0, this.fill, padded);
    await this.write(this.buffer, padded, this.flushed);
    this.flushed += this.fill;
    this.fill = 0;
  }
}
