/**
 * Turns an object's bytes into shards on the drives of an erasure set.
 *
 * Small objects (up to INLINE_LIMIT) are coded in memory and their shards travel inside the
 * ObjectPut event, one per drive record: one LMDB write per drive and no file.
 * Larger objects stream through block-sized buffers: each full block is coded and its
 * frames appended to each drive's shard writer (an extent of a segment file, or a staging
 * file) while the next block fills; `finish` makes every drive's shard durable. Only then may
 * the ObjectPut event be appended (the commit point), after which `publish` renames staged
 * files into place (nothing to do for a segment's shard).
 */
import { s3Error } from '../../domain/errors';
import type { ShardLayout } from '../../domain/object-version';
import { encodeBlock, frameOf, type EncodedBlock } from '../erasure/block-coder';
import { shardSizeFor, shardStreamSize } from '../erasure/block-layout';
import { poolFor, type BufferPool } from '../erasure/buffer-pool';
import type { Drive } from '../drives/drive';
import type { ShardWriter } from '../drives/drive';
import type { ErasureSet } from './erasure-set';

/** Objects up to this size are stored inline in their event (MinIO inlines up to 128 KiB too). */
export const INLINE_LIMIT = 128 * 1024;

/** Codes a whole small object; returns each slot's inline shard (frames of every block). */
export async function encodeInline(set: ErasureSet, layout: ShardLayout, body: Buffer): Promise<Buffer[]> {
  const k = layout.dataShards;
  const block = Buffer.allocUnsafe(k * shardSizeFor(Math.max(body.length, 1), k));
  body.copy(block);
  const parity = Buffer.allocUnsafe(layout.parityShards * shardSizeFor(Math.max(body.length, 1), k));
  const encoded = await encodeBlock(set.codec, block, body.length, parity);
  return layout.distribution.map((shardIndex) => frameOf(encoded, shardIndex));
}

interface BlockBuffers {
  block: Buffer;
  parity: Buffer;
}

export class ShardedObjectWriter {
  private size = 0;
  private fill = 0;
  private current: BlockBuffers;
  private spare: BlockBuffers;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly blockPool: BufferPool;
  private readonly parityPool: BufferPool;
  private released = false;

  private constructor(
    private readonly set: ErasureSet,
    private readonly layout: ShardLayout,
    readonly dataDir: string,
    /** The staging file on each drive, by slot; undefined once a drive failed. */
    private readonly writers: Array<ShardWriter | undefined>,
  ) {
    const shardSize = shardSizeFor(layout.blockSize, layout.dataShards);
    this.blockPool = poolFor(layout.dataShards * shardSize);
    this.parityPool = poolFor(Math.max(1, layout.parityShards * shardSize));
    this.current = { block: this.blockPool.acquire(), parity: this.parityPool.acquire() };
    this.spare = { block: this.blockPool.acquire(), parity: this.parityPool.acquire() };
  }

  /**
   * Starts creating the staging files and returns at once: the files are created while the
   * first block's bytes arrive (creating four files costs milliseconds here), and the first
   * block's write waits for them.
   */
  static open(set: ErasureSet, layout: ShardLayout, dataDir: string, size?: number): ShardedObjectWriter {
    const drives = set.assertWritable();
    const writer = new ShardedObjectWriter(set, layout, dataDir, new Array(set.drives.length).fill(undefined));
    writer.writing = writer.createFiles(drives, size === undefined ? undefined : shardStreamSize(size, layout));
    return writer;
  }

  private async createFiles(drives: Drive[], shardBytes: number | undefined): Promise<void> {
    await Promise.all(
      drives.map(async (drive) => {
        this.writers[drive.slot] = await drive.createShardWriter(this.dataDir, shardBytes).catch((error: unknown) => {
          drive.markOffline(`cannot create shard file: ${String(error)}`);
          return undefined;
        });
      }),
    );
    try {
      this.checkQuorum();
    } catch (error) {
      this.failure = error;
    }
  }

  get bytesWritten(): number {
    return this.size;
  }

  /** Accepts the next bytes of the object; resolves when the caller may send more. */
  async write(chunk: Buffer): Promise<void> {
    const blockSize = this.layout.blockSize;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(blockSize - this.fill, chunk.length - offset);
      chunk.copy(this.current.block, this.fill, offset, offset + n);
      this.fill += n;
      offset += n;
      if (this.fill === blockSize) await this.flushBlock();
    }
    this.size += chunk.length;
  }

  /** Writes the last block and makes every shard file durable. */
  async finish(): Promise<void> {
    if (this.fill > 0) await this.flushBlock();
    await this.writing;
    this.releaseBuffers();
    this.throwIfFailed();
    await this.forEachWriter((writer) => writer.finish());
  }

  /** After the ObjectPut event is durable: moves the staged files into place. */
  async publish(): Promise<void> {
    await Promise.all(
      this.set.drives.map((drive) => (this.writers[drive.slot] ? drive.commitShards(this.dataDir).catch(() => undefined) : undefined)),
    );
  }

  async abort(): Promise<void> {
    await this.writing.catch(() => undefined);
    this.releaseBuffers();
    await Promise.all(this.writers.map((writer) => writer?.abort().catch(() => undefined)));
  }

  /** Gives the block buffers back once no write uses them (after `writing` settled). */
  private releaseBuffers(): void {
    if (this.released) return;
    this.released = true;
    for (const buffers of [this.current, this.spare]) {
      this.blockPool.release(buffers.block);
      this.parityPool.release(buffers.parity);
    }
  }

  /** Codes the current block and starts writing it, once the previous block is written. */
  private async flushBlock(): Promise<void> {
    await this.writing;
    this.throwIfFailed();
    const buffers = this.current;
    const encoded = await encodeBlock(this.set.codec, buffers.block, this.fill, buffers.parity);
    this.writing = this.writeFrames(encoded);
    // The buffers stay untouched until writeFrames is done; fill the spare meanwhile.
    this.current = this.spare;
    this.spare = buffers;
    this.fill = 0;
  }

  private writeFrames(encoded: EncodedBlock): Promise<void> {
    return this.forEachWriter((writer, drive) => {
      const index = this.layout.distribution[drive.slot];
      return writer.write([encoded.hashes[index], encoded.shards[index]]);
    }).catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Runs an operation on every drive still writing; drops drives that fail; needs quorum. */
  private async forEachWriter(operation: (writer: ShardWriter, drive: Drive) => Promise<void>): Promise<void> {
    await Promise.all(
      this.set.drives.map(async (drive) => {
        const writer = this.writers[drive.slot];
        if (!writer) return;
        try {
          await operation(writer, drive);
        } catch (error) {
          this.writers[drive.slot] = undefined;
          drive.markOffline(`shard write failed: ${error instanceof Error ? error.message : String(error)}`);
          await writer.abort().catch(() => undefined);
        }
      }),
    );
    this.checkQuorum();
  }

  private checkQuorum(): void {
    const alive = this.writers.filter((writer) => writer !== undefined).length;
    if (alive < this.set.writeQuorum) throw s3Error('SlowDownWrite');
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
