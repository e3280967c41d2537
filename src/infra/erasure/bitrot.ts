/**
 * Bitrot detection: every shard block is stored behind a HighwayHash-64 of its bytes.
 *
 * Why HighwayHash: it is a keyed hash designed for strong mixing (no known bias, full
 * avalanche) that runs at about 12 GB/s here — roughly 8x SHA-256 and 20x MD5 on this
 * machine — so verifying every block on every read costs almost nothing next to the MD5
 * every PUT already pays. Bitrot is random damage, not an adversary: 64 bits leave a
 * 2^-64 chance that a damaged block goes unnoticed. Deliberate tampering is the audit
 * log's job (SHA-256 hash chain), not this hash's. MinIO makes the same choice (HighwayHash-256).
 */
import * as highwayhash from 'highwayhash';

export const BITROT_HASH_SIZE = 8;

/** A fixed, public key: the hash only has to be well mixed, not secret. */
const BITROT_KEY = Buffer.from('6361697266e2808262697472f06f742d6b65792d686967687761792d3634213f', 'hex');

/**
 * Through the addon's hex string: its Buffer result costs an ArrayBuffer of its own per call,
 * more than twice the hash of a 2 KiB shard (small objects' shards: every PUT and GET).
 */
export function bitrotHash(data: Buffer): Buffer {
  return Buffer.from(highwayhash.asHexString(BITROT_KEY, data), 'hex');
}

/** True when `hash` (8 bytes) matches the data (compared as hex, for the reason above). */
export function bitrotVerify(hash: Buffer, data: Buffer): boolean {
  return hash.length === BITROT_HASH_SIZE && highwayhash.asHexString(BITROT_KEY, data) === hash.toString('hex');
}
