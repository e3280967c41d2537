#!/usr/bin/env node
// How long the known-keys scan takes after a start (src/infra/eventlog/known-keys.ts): writes N
// object versions into one drive's LMDB (in a temp directory), opens a fresh ProjectionStore
// on it as a restarted server would, asks for a new key's versions (which starts the scan) and
// times the scan to its end, with the length of each event turn it took.
// Usage: node bench/known-keys-scan.mjs [N]   (default 200000; needs `npm run build`)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { DriveDatabase } = require('../dist/src/infra/eventlog/drive-database');
const { ProjectionStore } = require('../dist/src/infra/eventlog/projection-store');

const count = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-known-keys-'));
const db = DriveDatabase.open(dir);
try {
  const writer = new ProjectionStore(db);
  const version = (eventId) => ({ versionId: 'null', lastModified: 1, eventId, size: 1, etag: 'e', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'empty' } });
  for (let start = 0; start < count; start += 10_000) {
    db.root.transactionSync(() => {
      for (let i = start; i < Math.min(count, start + 10_000); i++) {
        writer.applySync([{ op: 'putVersion', bucket: 'bench', key: `dataset/shard-${i % 100}/object-${i}.bin`, version: version(i.toString(16).padStart(16, '0')) }]);
      }
    });
  }
  await db.root.flushed;

  const store = new ProjectionStore(db);
  const turns = [];
  const started = process.hrtime.bigint();
  let turnStart = started;
  store.versionsOf('bench', 'a-new-key');
  while (!store.knownKeysComplete) {
    await new Promise((resolve) => setImmediate(resolve));
    const now = process.hrtime.bigint();
    turns.push(Number(now - turnStart) / 1e6);
    turnStart = now;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  turns.sort((a, b) => a - b);
  const at = (q) => turns[Math.min(turns.length - 1, Math.floor(turns.length * q))].toFixed(2);
  console.log(`${count} version keys scanned in ${ms.toFixed(0)} ms (${((count / ms) * 1000).toFixed(0)} keys/s) over ${turns.length} event turns: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, longest ${at(1)} ms`);
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
