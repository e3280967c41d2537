// Deterministic object content, shared by the load generator and the null
// server so that both sides agree on every byte without talking to each other.
//
// Every object key names its content: `<label>/<slot>/<anything>` is the
// slot-th body of that size class (e.g. `1m/007/r`). A size class has a small
// pool of distinct bodies; a GET read set holds exactly one key per slot, so a
// server that returns the wrong object (or a stale/torn one) fails the byte
// comparison. Keys that do not follow the pattern (the listing keys) all share
// one small body.
import { createCipheriv, createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const SIZE_CLASSES = {
  '4k': { size: 4 * 1024, slots: 256 },
  '1m': { size: 1024 * 1024, slots: 32 },
  '32m': { size: 32 * 1024 * 1024, slots: 4 },
  list: { size: 100, slots: 1 },
};

const KEY_RE = /^(4k|1m|32m)\/(\d{3})\//;
const pools = new Map();

export const slotName = (slot) => String(slot).padStart(3, '0');

/** The pool of bodies of one size class, generated on first use. */
export function pool(label) {
  let p = pools.get(label);
  if (p) return p;
  const { size, slots } = SIZE_CLASSES[label];
  // AES-128-CTR keystream seeded by the label: fast (GB/s), deterministic
  // across runs and processes, and incompressible. One allocation per class;
  // slots are views into it.
  const seed = createHash('sha256').update(`cairn-bench:${label}`).digest();
  const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
  const all = cipher.update(Buffer.alloc(size * slots));
  const bodies = [];
  for (let i = 0; i < slots; i++) bodies.push(makeBody(all.subarray(i * size, (i + 1) * size)));
  p = { label, size, slots, bodies };
  pools.set(label, p);
  return p;
}

function makeBody(buf) {
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc32(buf));
  return {
    buf,
    etag: `"${createHash('md5').update(buf).digest('hex')}"`,
    crc32: c.toString('base64'),
    sha256Hex: null, // filled lazily (only needed with --signed-payload)
  };
}

export function sha256Of(body) {
  if (body.sha256Hex === null) body.sha256Hex = createHash('sha256').update(body.buf).digest('hex');
  return body.sha256Hex;
}

/** Content of an object by key (see the key scheme above). */
export function bodyForKey(key) {
  const m = KEY_RE.exec(key);
  if (!m) return pool('list').bodies[0];
  return pool(m[1]).bodies[Number(m[2]) % SIZE_CLASSES[m[1]].slots];
}

// The listing data set: 10,000 keys in their own bucket, so listings are not
// slowed by (or do not depend on) whatever the PUT workloads wrote elsewhere.
export const LIST_BUCKET = 'bench-list';
export const DATA_BUCKET = 'bench';
export const LIST_KEY_COUNT = 10_000;
export const LIST_PAGE = 1000;
let listKeys = null;
export function listKeysSorted() {
  if (!listKeys) {
    listKeys = [];
    for (let i = 0; i < LIST_KEY_COUNT; i++) listKeys.push(`data/object-${String(i).padStart(5, '0')}.bin`);
    listKeys.sort(); // already sorted by construction; sort documents the expectation (S3 orders by UTF-8 bytes)
  }
  return listKeys;
}
