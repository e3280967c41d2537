// One drive's LMDB environment and event ids as cairn has them, for the bench's floors
// (floors.mjs, durable-server.mjs).
import path from 'node:path';
import { open } from 'lmdb';

/**
 * Opened as cairn opens it (environmentOptions in src/infra/eventlog/drive-database.ts):
 * `overlappingSync` off, so a write's promise resolves only once its transaction is committed
 * and fsynced, and `noMemInit` on (LMDB does not zero the pages it allocates), so that the
 * floors pay for LMDB what cairn pays.
 */
export function openDriveEnvironment(dir) {
  return open({ path: path.join(dir, 'cairn.lmdb'), overlappingSync: false, maxDbs: 8, noMemInit: true });
}

let eventSeq = 0n;
/** 16-byte event ids in increasing order, as cairn's are (LMDB appends them at the end of the tree). */
export function nextEventId() {
  const id = Buffer.alloc(16);
  id.writeBigUInt64BE(BigInt(Date.now()) << 20n, 0);
  id.writeBigUInt64BE(++eventSeq, 8);
  return id;
}
