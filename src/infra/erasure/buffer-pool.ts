/**
 * Reusable large buffers. Every upload needs block-sized buffers; allocating them fresh
 * (megabytes per request, outside the V8 heap) made V8 run a full mark-compact every ~60 ms
 * under load — more CPU than the erasure coding itself. Buffers are taken from a pool per
 * size and given back once no write or read still uses them.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    /** How many idle buffers to keep; beyond that, released buffers are left to the GC. */
    private readonly keep: number,
  ) {}

  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  release(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < this.keep) this.free.push(buffer);
  }
}

const pools = new Map<number, BufferPool>();

/** The shared pool for buffers of `size` bytes. */
export function poolFor(size: number, keep = 64): BufferPool {
  let pool = pools.get(size);
  if (!pool) pools.set(size, (pool = new BufferPool(size, keep)));
  return pool;
}
