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

export class ReedSolomonCodec {
  private readonly context: unknown;

  constructor(
    readonly dataShards: number,
    readonly parityShards: number,
  ) {
    this.context = parityShards > 0 ? native.create(dataShards, parityShards) : undefined;
  }

  get totalShards(): number {
    return this.dataShards + this.parityShards;
  }

  /** Computes the parity shards of one block. */
  encodeParity(data: Buffer, parity: Buffer, shardSize: number): Promise<void> {
    if (this.parityShards === 0) return Promise.resolve();
    const sources = (1 << this.dataShards) - 1;
    const targets = ((1 << this.totalShards) - 1) & ~sources;
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

function bitmask(indexes: readonly number[]): number {
  let mask = 0;
  for (const index of indexes) mask |= 1 << index;
  return mask;
}
