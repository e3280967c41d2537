/**
 * Promise wrapper over @ronomon/reed-solomon, which codes in Node's thread pool.
 *
 * Shards of one block sit contiguously: the k data shards in `data` (which is simply the
 * block, zero padded to k * shardSize) and the m parity shards in `parity`.
 */
import { createRequire } from 'node:module';

interface NativeCodec {
  create(k: number, m: number): unknown;
  encode(
    context: unknown,
    sources: number,
    targets: number,
    buffer: Buffer,
    bufferOffset: number,
    bufferSize: number,
    parity: Buffer,
    parityOffset: number,
    paritySize: number,
    callback: (error?: Error) => void,
  ): void;
}
// A native addon: loaded with Node's require (test runners that transform imports cannot load .node files).
const native = createRequire(__filename)('@ronomon/reed-solomon') as NativeCodec;

/**
 * Blocks up to this many data bytes are coded on the calling thread: handing a few KiB to the
 * thread pool (async work, a worker wake-up, the completion callback) costs more CPU than the
 * XORs themselves.
 */
export const IN_THREAD_CODING_LIMIT = 16 * 1024;

export class ReedSolomonCodec {
  private readonly context: Buffer | undefined;

  constructor(
    readonly dataShards: number,
    readonly parityShards: number,
  ) {
    this.context = parityShards > 0 ? (native.create(dataShards, parityShards) as Buffer) : undefined;
  }

  get totalShards(): number {
    return this.dataShards + this.parityShards;
  }

  /** Computes the parity shards of one block. */
  encodeParity(data: Buffer, parity: Buffer, shardSize: number): Promise<void> {
    if (this.parityShards === 0) return Promise.resolve();
    const sources = (1 << this.dataShards) - 1;
    const targets = ((1 << this.totalShards) - 1) & ~sources;
    if (data.length <= IN_THREAD_CODING_LIMIT) {
      encodeParityInThread(this.context!, data, parity, shardSize);
      return Promise.resolve();
    }
    return this.run(sources, targets, data, parity, shardSize);
  }

  /**
   * Recomputes the shards listed in `targets` (indexes 0..k+m-1) in place from the shards
   * listed in `sources`, which must hold verified bytes at their positions in `data` /
   * `parity`. Needs at least k sources.
   */
  reconstruct(data: Buffer, parity: Buffer, shardSize: number, sources: readonly number[], targets: readonly number[]): Promise<void> {
    if (targets.length === 0) return Promise.resolve();
    if (sources.length < this.dataShards) {
      return Promise.reject(new Error(`cannot rebuild shards from ${sources.length} shards: ${this.dataShards} are needed`));
    }
    return this.run(bitmask(sources), bitmask(targets), data, parity, shardSize);
  }

  private run(sources: number, targets: number, data: Buffer, parity: Buffer, shardSize: number): Promise<void> {
    return new Promise((resolve, reject) => {
      native.encode(
        this.context,
        sources,
        targets,
        data,
        0,
        shardSize * this.dataShards,
        parity,
        0,
        shardSize * this.parityShards,
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
}

/**
 * The addon's encoding (binding.c `dot`, all data shards present) in JavaScript, byte for byte
 * the same parity. The context is [w, k, m, bitmatrix]: for parity shard i, its row block of
 * w * k * w bits says which source packets are XORed into each of the w target packets.
 */
export function encodeParityInThread(context: Buffer, data: Buffer, parity: Buffer, shardSize: number): void {
  const w = context[0];
  const k = context[1];
  const m = context[2];
  const chunkSize = dotChunkSize(w, k, shardSize);
  const rowSize = k * w * w;
  for (let i = 0; i < m; i++) {
    const row = 3 + rowSize * i;
    const target = parity.subarray(i * shardSize, (i + 1) * shardSize);
    for (let offset = 0; offset < shardSize; offset += w * chunkSize) {
      let column = row;
      for (let a = 0; a < w; a++) {
        const to = offset + a * chunkSize;
        let copied = false;
        for (let b = 0; b < k; b++) {
          for (let c = 0; c < w; c++) {
            if (context[column++]) {
              const from = b * shardSize + offset + c * chunkSize;
              if (copied) xorInto(data, from, target, to, chunkSize);
              else data.copy(target, to, from, from + chunkSize);
              copied = true;
            }
          }
        }
        if (!copied) target.fill(0, to, to + chunkSize);
      }
    }
  }
}

/** binding.c `dot_chunk_size`: the packet size, kept small enough for the cache (it changes the parity). */
function dotChunkSize(w: number, k: number, shardSize: number): number {
  let chunkSize = shardSize / w;
  while (chunkSize > 64 && chunkSize % 2 === 0 && (1 + k * w) * chunkSize > 1048576) chunkSize /= 2;
  return chunkSize;
}

function xorInto(source: Buffer, from: number, target: Buffer, to: number, length: number): void {
  const aligned = (source.byteOffset + from) % 4 === 0 && (target.byteOffset + to) % 4 === 0 && length % 4 === 0;
  if (aligned) {
    const s = new Int32Array(source.buffer, source.byteOffset + from, length / 4);
    const t = new Int32Array(target.buffer, target.byteOffset + to, length / 4);
    for (let j = 0; j < s.length; j++) t[j] ^= s[j];
    return;
  }
  for (let j = 0; j < length; j++) target[to + j] ^= source[from + j];
}

function bitmask(indexes: readonly number[]): number {
  let mask = 0;
  for (const index of indexes) mask |= 1 << index;
  return mask;
}
