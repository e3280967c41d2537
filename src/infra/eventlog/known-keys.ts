/**
 * Which object keys a drive may hold versions of: a Bloom filter over `bucket 0x00 key`, so
 * that a write to a key the drive has never seen skips reading the key's versions from LMDB.
 * Under 16 concurrent small PUTs of new keys that read cost ~20 µs of the event loop per PUT,
 * most of it cache misses on B-tree pages the writer thread had just written
 * (docs/performance.md, thirteenth and fourteenth sessions).
 *
 * "Absent" must never be wrong; "maybe" may be (it only costs the read). So the filter only
 * grows, and its owner (ProjectionStore, the one writer of the drive's projections) fills it
 * two ways: every version write it queues after making the filter, and one scan of the keys
 * committed before, after which `complete` is set. Removals are never taken out (a deleted
 * key stays "maybe"; Bloom filters cannot forget).
 *
 * Scalable: when the newest layer holds its capacity, a layer twice as large is added; a key
 * is "maybe" if any layer says so.
 */

/** Bits per key and probes per key: ~0.14% false "maybe"s per full layer. */
const BITS_PER_KEY = 16;
const PROBES = 5;
/** The first layer's capacity (128 KiB of bits); each further layer doubles it. */
const FIRST_LAYER_KEYS = 64 * 1024;
/**
 * Past this many keys (64 MiB of layers) the filter is given up: every key "maybe" again, as
 * before it existed, rather than memory that grows without end (deleted keys stay in it).
 */
const MOST_KEYS = 32 * 1024 * 1024;

class BloomLayer {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  count = 0;

  constructor(readonly capacity: number) {
    const bitCount = capacity * BITS_PER_KEY; // a power of two: capacities are
    this.bits = new Uint32Array(bitCount / 32);
    this.mask = bitCount - 1;
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    this.count++;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

export class KnownKeys {
  private layers: BloomLayer[] = [new BloomLayer(FIRST_LAYER_KEYS)];
  /** The scan of committed keys has ended: an "absent" answer can be trusted. */
  private scanned = false;
  /** Given up (too many keys, or its owner could not add one): never "absent" again. */
  private abandoned = false;

  constructor(private readonly mostKeys = MOST_KEYS) {}

  get complete(): boolean {
    return this.scanned && !this.abandoned;
  }

  /** Gives the filter up for good and frees its memory: every key "maybe" from now on. */
  abandon(): void {
    this.abandoned = true;
    this.layers = [];
  }

  /** Called once the scan of the keys committed before has added them all. */
  markScanned(): void {
    this.scanned = true;
  }

  /** Adds `bytes[0, length)`: the `bucket 0x00 key` part of an encoded key. */
  add(bytes: Uint8Array, length = bytes.length): void {
    if (this.abandoned) return;
    const [h1, h2] = hashOf(bytes, length);
    if (this.layers.some((layer) => layer.has(h1, h2))) return; // counted once, however often written
    let newest = this.layers[this.layers.length - 1];
    if (newest.count >= newest.capacity) {
      const capacity = this.layers.reduce((sum, layer) => sum + layer.capacity, 0);
      if (capacity + newest.capacity * 2 > this.mostKeys) return this.abandon();
      this.layers.push((newest = new BloomLayer(newest.capacity * 2)));
    }
    newest.add(h1, h2);
  }

  /** False only for a key never added (and never once the filter is given up). */
  mayHave(bytes: Uint8Array, length = bytes.length): boolean {
    if (this.abandoned) return true;
    const [h1, h2] = hashOf(bytes, length);
    return this.layers.some((layer) => layer.has(h1, h2));
  }

  /** Bytes of memory the layers take. */
  get bytes(): number {
    return this.layers.reduce((sum, layer) => sum + (layer.capacity * BITS_PER_KEY) / 8, 0);
  }
}

/** Two 32-bit hashes of the bytes (FNV-1a and a multiplicative variant, each finalized), the second odd. */
function hashOf(bytes: Uint8Array, length: number): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    h1 = Math.imul(h1 ^ byte, 0x01000193);
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return [finalize(h1), finalize(h2) | 1];
}

/** MurmurHash3's fmix32: spreads every input bit over the whole word. */
function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
