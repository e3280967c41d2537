/**
 * Reads a byte range of an object version back from its shards.
 *
 * For every block the data shards are read first, each verified against its bitrot hash;
 * parity shards are read and Reed–Solomon decoding runs only when a data shard is missing
 * or damaged. Bytes that fail verification are never returned: with fewer than k good
 * shards the read fails. Damaged shards are reported to `onDamage` (healing queue).
 */
import type { ObjectData, ObjectVersion, ShardLayout } from '../../domain/object-version';
import type { ByteRange } from '../../domain/rules/range';
import { decodeBlock, NotEnoughShardsError, sliceShards, verifiedShard } from '../erasure/block-coder';
import { BITROT_HASH_SIZE } from '../erasure/bitrot';
import { blocksForRange, shardSizeFor, type BlockSpan } from '../erasure/block-layout';
import { poolFor, type BufferPool } from '../erasure/buffer-pool';
import type { ShardReader } from '../drives/drive';
import type { ErasureSet } from './erasure-set';

/** Receives the object's bytes in order; returns a promise when the consumer needs a pause. */
export type ByteSink = (chunks: Buffer[]) => void | Promise<void>;

export interface ReadOptions {
  /**
   * The sink keeps no reference to the chunks once it has returned (or its promise has
   * resolved): shard files are then read into pooled buffers, reused for later blocks.
   */
  readonly sinkReleasesChunks?: boolean;
}

export interface DamageReport {
  readonly bucket: string;
  readonly key: string;
  readonly version: ObjectVersion;
  /** Shard indexes found missing or damaged. */
  readonly shards: readonly number[];
}

/** Data stored under one erasure layout (multipart objects are a sequence of these). */
type StoredData = Exclude<ObjectData, { kind: 'multipart' }>;

/**
 * Where a shard frame comes from: an inline shard (whole stream in memory) or a file, read
 * into a buffer of the block's (pooled, given back once the block has been sent).
 */
type FrameSource = (span: BlockSpan, buffers: BlockBuffers) => Promise<Buffer | undefined>;

/**
 * The pooled buffers one block was read into. Shard files are read into reused buffers:
 * a fresh 512 KiB buffer per shard per block cost page faults on every GET of a large object.
 */
class BlockBuffers {
  private readonly taken: Array<{ pool: BufferPool; buffer: Buffer }> = [];

  /** `pooled`: false when the sink may keep the chunks (each read then gets its own buffer). */
  constructor(private readonly pooled: boolean) {}

  /** A buffer of `size` bytes, or undefined when reads must not share memory. */
  take(size: number): Buffer | undefined {
    if (!this.pooled) return undefined;
    const pool = poolFor(size);
    const buffer = pool.acquire();
    this.taken.push({ pool, buffer });
    return buffer;
  }

  /** Only once nothing refers to the block's bytes any more (the sink has returned). */
  release(): void {
    for (const { pool, buffer } of this.taken) pool.release(buffer);
    this.taken.length = 0;
  }
}

export class ObjectReader {
  constructor(
    private readonly set: ErasureSet,
    private readonly onDamage: (report: DamageReport) => void = () => undefined,
  ) {}

  /** `where` names the version's object, for damage reports. */
  async read(version: ObjectVersion, range: ByteRange, sink: ByteSink, where: { bucket: string; key: string }, options: ReadOptions = {}): Promise<void> {
    const data = version.data;
    if (data.kind !== 'multipart') return this.readStored(version, data, version.size, range, sink, where, options);
    // A multipart object: each part has its own shards; read the parts the range touches.
    let partStart = 0;
    for (const part of data.parts) {
      const partEnd = partStart + part.size - 1;
      if (partStart > range.end) break;
      if (part.size > 0 && partEnd >= range.start) {
        const within = { start: Math.max(range.start, partStart) - partStart, end: Math.min(range.end, partEnd) - partStart };
        await this.readStored(version, part.data, part.size, within, sink, where, options);
      }
      partStart += part.size;
    }
  }

  /** A range of one stored piece of data (a whole single-part object, or one part). */
  private async readStored(
    version: ObjectVersion,
    data: StoredData,
    size: number,
    range: ByteRange,
    sink: ByteSink,
    where: { bucket: string; key: string },
    options: ReadOptions,
  ): Promise<void> {
    if (data.kind === 'empty' || size === 0) return;
    const pooled = options.sinkReleasesChunks === true;
    const layout = data.layout;
    const spans = blocksForRange(size, range.start, range.end, layout);
    if (data.kind === 'inline' && spans.length === 1) {
      const chunks = await this.readIntactInlineBlock(layout, version.eventId, spans[0]);
      if (chunks) return sink(chunks);
      // A data shard is missing or damaged: the general path reads parity and reports it.
    }
    const sources = data.kind === 'inline' ? this.inlineSources(layout, version.eventId) : this.fileSources(layout, data.dataDir);
    const damaged = new Set<number>();
    let pending: Promise<Buffer[]> | undefined;
    try {
      // Fetch block i + 1 while block i is being sent. A failure leaves the buffers to the GC.
      let buffers = new BlockBuffers(pooled);
      pending = this.readBlock(layout, sources, spans[0], damaged, buffers);
      for (let i = 0; i < spans.length; i++) {
        const chunks = await pending;
        const sent = buffers;
        if (i + 1 < spans.length) {
          buffers = new BlockBuffers(pooled);
          pending = this.readBlock(layout, sources, spans[i + 1], damaged, buffers);
          pending.catch(() => undefined); // awaited next turn; don't let it count as unhandled meanwhile
        }
        await sink(chunks);
        sent.release();
      }
    } finally {
      // A prefetch still running (the sink failed: the client left) must not open a shard
      // after the sources are closed: that reader would never be closed.
      await pending?.catch(() => undefined);
      await Promise.all(sources.map((source) => source.close()));
      if (damaged.size > 0) this.onDamage({ ...where, version, shards: [...damaged] });
    }
  }

  private async readBlock(layout: ShardLayout, sources: ShardSource[], span: BlockSpan, damaged: Set<number>, buffers: BlockBuffers): Promise<Buffer[]> {
    const k = layout.dataShards;
    const n = k + layout.parityShards;
    const shards: Array<Buffer | undefined> = new Array(n).fill(undefined);
    const fetch = async (index: number) => {
      shards[index] = verifiedShard(await sources[index].frame(span, buffers), span.shardSize);
      if (!shards[index]) damaged.add(index);
    };
    await Promise.all(Array.from({ length: k }, (_, index) => fetch(index)));
    // Read just enough parity to replace the data shards that failed.
    let missing = shards.slice(0, k).filter((shard) => !shard).length;
    for (let index = k; index < n && missing > 0; index++) {
      await fetch(index);
      if (shards[index]) missing--;
    }
    const decoded = await decodeBlock(this.set.codec, shards, span.shardSize);
    return sliceShards(decoded.dataShards, span.shardSize, span.sliceStart, span.sliceEnd);
  }

  /**
   * The common small GET: an inline object's one block, every data shard present and intact.
   * The same reads and checks as `readBlock`, without its sources, prefetch and decode
   * (they were about a tenth of a GET 4 KiB's work); undefined sends the caller down that path.
   */
  private async readIntactInlineBlock(layout: ShardLayout, eventId: string, span: BlockSpan): Promise<Buffer[] | undefined> {
    const shards: Buffer[] = [];
    for (let index = 0; index < layout.dataShards; index++) {
      const drive = this.set.driveForShard(layout, index);
      if (drive.state !== 'online') return undefined;
      const stream = await drive.readInlineShard(eventId).catch(() => undefined);
      const shard = verifiedShard(stream?.subarray(span.frameOffset, span.frameOffset + BITROT_HASH_SIZE + span.shardSize), span.shardSize);
      if (!shard) return undefined;
      shards.push(shard);
    }
    return sliceShards(shards, span.shardSize, span.sliceStart, span.sliceEnd);
  }

  /** One source per shard index. */
  private inlineSources(layout: ShardLayout, eventId: string): ShardSource[] {
    return this.shardDrives(layout).map((drive) => {
      let stream: Promise<Buffer | undefined> | undefined;
      return {
        frame: async (span) => {
          if (drive.state !== 'online') return undefined;
          stream ??= drive.readInlineShard(eventId).catch(() => undefined);
          const bytes = await stream;
          return bytes?.subarray(span.frameOffset, span.frameOffset + BITROT_HASH_SIZE + span.shardSize);
        },
        close: async () => undefined,
      };
    });
  }

  private fileSources(layout: ShardLayout, dataDir: string): ShardSource[] {
    return this.shardDrives(layout).map((drive) => {
      let reader: Promise<ShardReader | undefined> | undefined;
      let closed = false;
      return {
        frame: async (span, buffers) => {
          if (drive.state !== 'online' || closed) return undefined;
          reader ??= drive.openShards(dataDir).catch(() => undefined);
          const file = await reader;
          if (!file) return undefined;
          // Sized for a full block's frame, so that every block of every object shares one pool.
          const into = buffers.take(BITROT_HASH_SIZE + shardSizeFor(layout.blockSize, layout.dataShards));
          return file.read(span.frameOffset, BITROT_HASH_SIZE + span.shardSize, into).catch(() => undefined);
        },
        close: async () => {
          closed = true;
          const file = await reader;
          await file?.close().catch(() => undefined);
        },
      };
    });
  }

  private shardDrives(layout: ShardLayout) {
    const n = layout.dataShards + layout.parityShards;
    return Array.from({ length: n }, (_, index) => this.set.driveForShard(layout, index));
  }
}

interface ShardSource {
  frame: FrameSource;
  close(): Promise<void>;
}

export { NotEnoughShardsError };
