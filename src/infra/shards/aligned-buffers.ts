/**
 * Page-aligned buffers for O_DIRECT writes (which need the memory address, the file offset
 * and the length aligned to the device's block size; 4096 covers every common device).
 *
 * Node cannot tell a Buffer's address, but a WebAssembly.Memory's backing store is always
 * allocated page-aligned; each buffer here is one such memory, kept in a free list and never
 * grown (growing would detach it).
 */
export const DIRECT_IO_ALIGNMENT = 4096;
const WASM_PAGE = 64 * 1024;

// The one WebAssembly API used here (the project's TypeScript libs do not declare WebAssembly).
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer } };

const free = new Map<number, Buffer[]>();
/** Idle buffers kept per size: enough for every drive of a few concurrent large uploads. */
const KEEP = 64;

/** A page-aligned buffer of at least `size` bytes (its length is rounded up to 64 KiB). */
export function acquireAligned(size: number): Buffer {
  const pages = Math.ceil(size / WASM_PAGE);
  const buffer = free.get(pages)?.pop();
  if (buffer) return buffer;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return Buffer.from(memory.buffer);
}

export function releaseAligned(buffer: Buffer): void {
  const pages = buffer.length / WASM_PAGE;
  let list = free.get(pages);
  if (!list) free.set(pages, (list = []));
  if (list.length < KEEP) list.push(buffer);
}
