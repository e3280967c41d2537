/**
 * Page-aligned buffers for O_DIRECT writes (which need the memory address, the file offset
 * and the length aligned to the device's block size; 4096 covers every common device).
 *
 * Node cannot tell a Buffer's address, but a WebAssembly.Memory's backing store is always
 * allocated page-aligned. Each Memory reserves about 10 GiB of address space and V8 allows
 * about 1 TiB in all, so there is exactly one: a slab carved into fixed chunks, handed out
 * from a free list. When every chunk is in use, `tryAcquireAligned` says so and the caller
 * writes through the page cache instead — running out of aligned memory is never an error.
 */
export const DIRECT_IO_ALIGNMENT = 4096;

/** `bytes` rounded up to the alignment. */
export function alignUp(bytes: number): number {
  return Math.ceil(bytes / DIRECT_IO_ALIGNMENT) * DIRECT_IO_ALIGNMENT;
}
/** One chunk: a writer stages up to this much before each O_DIRECT write. */
export const ALIGNED_CHUNK = 1024 * 1024;
/** Chunks in the slab: one per drive of 32 concurrent large uploads on 4 drives. */
const CHUNKS = 128;
const WASM_PAGE = 64 * 1024;

// The one WebAssembly API used here (the project's TypeScript libs do not declare WebAssembly).
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer } };

let free: Buffer[] | undefined;

function slabChunks(): Buffer[] {
  if (free) return free;
  free = [];
  try {
    const pages = (CHUNKS * ALIGNED_CHUNK) / WASM_PAGE;
    const slab = Buffer.from(new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer);
    // Pages are backed by memory only once touched: unused chunks cost address space only.
    for (let i = CHUNKS - 1; i >= 0; i--) free.push(slab.subarray(i * ALIGNED_CHUNK, (i + 1) * ALIGNED_CHUNK));
  } catch {
    // No address space for it (a ulimit -v, say): every write goes through the page cache.
  }
  return free;
}

/** A page-aligned buffer of ALIGNED_CHUNK bytes, or undefined when all are in use. */
export function tryAcquireAligned(): Buffer | undefined {
  return slabChunks().pop();
}

export function releaseAligned(buffer: Buffer): void {
  slabChunks().push(buffer);
}
