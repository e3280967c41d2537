#!/usr/bin/env node
// Counts the instructions a server executes per request, under valgrind's callgrind: cairn's,
// or (--server durable) the bench's durable floor's. A figure that does not move with the
// host's speed, unlike CPU time, so that two builds can be compared on a noisy machine (run it
// in each checkout). User space only (the kernel's socket and disk work is not counted), every
// thread of the server process included.
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from './lib/s3-client.mjs';
import { bodyForKey, DATA_BUCKET, SIZE_CLASSES, slotName } from './lib/content.mjs';
import { getFreePort, REPO_DIR } from './lib/servers.mjs';

const USAGE = `usage: node bench/instructions.mjs [options]   (or: npm run bench:instructions -- [options])
  --op get|put        GET or PUT, one at a time (default get)
  --size 4k|1m        object size (default 4k)
  --requests N        requests counted (default 3000 at 4k, 200 at 1m)
  --warmup N          requests before counting, so that the JIT has settled (default 3000 at 4k, 300 at 1m)
  --profile FILE      keep callgrind's profile of the counted requests (for callgrind_annotate)
  --server cairn|durable
                      the server counted (default cairn); durable is the bench's durable floor
                      (bench/durable-server.mjs), PUT only: the least a durable PUT costs
Needs valgrind. Takes about a minute: the server runs ~50x slower under callgrind.`;

const { values: o } = parseArgs({
  options: {
    op: { type: 'string' }, size: { type: 'string' }, requests: { type: 'string' }, warmup: { type: 'string' }, profile: { type: 'string' }, server: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}
const op = o.op ?? 'get';
const size = o.size ?? '4k';
const serverName = o.server ?? 'cairn';
// A 1 MiB PUT is ~20 times the instructions of a 4 KiB one: fewer requests, to stay near a minute.
const requests = Number(o.requests ?? (size === '1m' ? 200 : 3000));
const warmup = Number(o.warmup ?? (size === '1m' ? 300 : 3000));
const serverValid = serverName === 'cairn' || (serverName === 'durable' && op === 'put');
if (!['get', 'put'].includes(op) || !['4k', '1m'].includes(size) || !serverValid || !Number.isInteger(requests) || requests < 1 || !Number.isInteger(warmup) || warmup < 0) {
  console.error(USAGE);
  process.exit(2);
}

// `<size>/<slot>/...` names a body of that size (content.mjs): every GET checks its bytes.
const KEYS = Array.from({ length: Math.min(64, SIZE_CLASSES[size].slots) }, (_, i) => `${size}/${slotName(i)}/instructions`);
const CREDS = { accessKey: 'benchadmin', secretKey: 'benchadmin-secret' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cairn-instructions-'));
const drives = [1, 2, 3, 4].map((i) => path.join(tmp, `d${i}`));
drives.forEach((d) => mkdirSync(d));
const profile = path.join(tmp, 'callgrind.out');
const port = await getFreePort();

// Instrumentation starts off (start-up is not counted and runs faster) and is switched on
// around the counted requests with callgrind_control.
// Both with cairn's runtime flags (bin/cairn), so that only the code differs.
const serverArgs =
  serverName === 'cairn'
    ? [path.join(REPO_DIR, 'dist', 'src', 'main.js'), 'server', ...drives, '--address', `127.0.0.1:${port}`]
    : [path.join(REPO_DIR, 'bench', 'durable-server.mjs'), '--port', String(port), '--data', tmp];
const server = spawn(
  'valgrind',
  ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${profile}`, 'node', '--initial-old-space-size=256', '--max-semi-space-size=64', ...serverArgs],
  { env: { ...process.env, CAIRN_ROOT_USER: CREDS.accessKey, CAIRN_ROOT_PASSWORD: CREDS.secretKey }, stdio: 'ignore' },
);
const control = (...args) => execFileSync('callgrind_control', [...args, String(server.pid)], { stdio: 'ignore' });
const cleanup = () => {
  server.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', cleanup); // also on a failure: no server left behind
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => process.exit(130)); // 'exit' then runs the cleanup

const s3 = new S3Client({ port, ...CREDS, maxSockets: 1 });
const started = Date.now();
for (;;) {
  try {
    await s3.listBuckets();
    break;
  } catch {
    const ended = server.exitCode !== null || server.signalCode !== null;
    if (ended || Date.now() - started > 300_000) throw new Error(`${serverName} did not start under valgrind${ended ? ' (it exited)' : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
await s3.createBucket(DATA_BUCKET);
for (const key of KEYS) await s3.put(DATA_BUCKET, key, bodyForKey(key));
const request = (i) => {
  const key = KEYS[i % KEYS.length];
  return op === 'get' ? s3.get(DATA_BUCKET, key, bodyForKey(key)) : s3.put(DATA_BUCKET, key, bodyForKey(key));
};
for (let i = 0; i < warmup; i++) await request(i);
control('-z');
control('-i', 'on');
for (let i = 0; i < requests; i++) await request(i);
control('-i', 'off');
control('-d');
await new Promise((resolve) => setTimeout(resolve, 1000));

// The dump's "totals:" line: every thread's instructions while instrumentation was on.
let total = 0;
const kept = [];
for (const file of readdirSync(tmp).filter((f) => f.startsWith('callgrind.out')).sort()) {
  const match = /^totals: (\d+)$/m.exec(readFileSync(path.join(tmp, file), 'utf8'));
  if (!match) continue;
  total += Number(match[1]);
  if (o.profile) {
    // Normally one dump; should there be more, each is kept (FILE, FILE.2, ...), none overwritten.
    const target = kept.length === 0 ? o.profile : `${o.profile}.${kept.length + 1}`;
    copyFileSync(path.join(tmp, file), target);
    kept.push(target);
  }
}
if (kept.length > 1) console.log(`callgrind wrote ${kept.length} dumps: ${kept.join(', ')}`);
s3.close();
cleanup(); // the server's process handle would keep this one alive
if (total === 0) throw new Error('callgrind counted nothing');
const sizeName = size === '1m' ? '1 MiB' : '4 KiB';
console.log(`${serverName}: ${op.toUpperCase()} ${sizeName}, ${requests} requests one at a time after ${warmup} to warm up: ${Math.round(total / requests / 1000)} k instructions per request (server, user space)`);
