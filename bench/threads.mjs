#!/usr/bin/env node
// Where a server's time goes by thread, under one bench workload: for the event loop (the
// process's main thread) and for all its other threads together (libuv's pool, where LMDB
// commits and file I/O run; cairn's digest worker; V8's helpers), the CPU each uses per
// operation, the time each spends runnable but waiting for a core, and how often each is
// scheduled; then the process's I/O per operation and every busy thread on its own.
//
// It answers what the bench's CPU column cannot: whether a server is bound by its loop or by
// the threads around it, and what a wake-up costs (on this VM a thread woken on an idle core
// waits ~100 us before it runs). Linux only (/proc/<pid>/task/*/schedstat).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DATA_BUCKET } from './lib/content.mjs';
import { measure } from './lib/load.mjs';
import { S3Client } from './lib/s3-client.mjs';
import { cleanupSync, registerTempDir, SERVER_NAMES, servesWorkload, startServer } from './lib/servers.mjs';
import { setup, WORKLOADS } from './lib/workloads.mjs';

const USAGE = `usage: node bench/threads.mjs [options]   (or: npm run bench:threads -- [options])
  --server cairn|durable|s3rver|null   the server measured (default cairn)
  --workload ID       a bench workload id: put-4k, get-4k, mix-4k, put-1m, ... (default put-4k;
                      not the listing, nor one that runs during a heal scan)
  --duration S        measured seconds (default 8), after --warmup S (default 3)
  -h, --help          this text
The durable floor serves PUT workloads only.
Node flags for the server (a CPU profile, say): CAIRN_NODE_FLAGS for cairn, DURABLE_NODE_FLAGS
for the durable floor. Needs \`npm run build\` for cairn and the durable floor.`;

const { values: o } = parseArgs({
  options: { server: { type: 'string' }, workload: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const serverName = o.server ?? 'cairn';
const workload = WORKLOADS.find((w) => w.id === (o.workload ?? 'put-4k'));
const durationMs = Number(o.duration ?? 8) * 1000;
const warmupMs = Number(o.warmup ?? 3) * 1000;
const usable = workload && workload.kind !== 'list' && !workload.during && SERVER_NAMES.includes(serverName) && servesWorkload(serverName, workload);
if (o.help || !usable || !(durationMs > 0) || !(warmupMs >= 0)) {
  console.log(USAGE);
  process.exit(o.help ? 0 : 2);
}
// The server runs in its own process group: stop it and drop its data on any way out.
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

/** Per thread of `pid`: CPU run time, run-queue wait (ns) and times scheduled, from schedstat. */
function threadTimes(pid) {
  const threads = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait, slices] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').trim().split(' ').map(Number);
      threads.set(tid, { run, wait, slices });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

function processIo(pid) {
  const lines = readFileSync(`/proc/${pid}/io`, 'latin1').trim().split('\n');
  return Object.fromEntries(lines.map((line) => line.split(': ')).map(([name, value]) => [name, Number(value)]));
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cairn-threads-'));
registerTempDir(tmp);
const server = await startServer(serverName, tmp, console.log);
if (server.skipped) {
  console.error(`${serverName}: ${server.skipped}\n${server.logTail ?? ''}`);
  process.exit(1);
}
try {
  const clientOpts = { port: server.port, ...server.creds };
  const admin = new S3Client({ ...clientOpts, maxSockets: 8 });
  await admin.createBucket(DATA_BUCKET);
  await setup(workload, admin, new Set(), console.log); // the objects a GET workload reads
  admin.close();

  // Samples at the measured window's edges (measure() starts its load 20 ms from now).
  const windowStart = performance.now() + 20 + warmupMs;
  // A timer on this loop may fire late (the load shares it): each sample keeps its own instant.
  const sample = () => ({ t: performance.now(), threads: threadTimes(server.pid), io: processIo(server.pid) });
  const at = (t) =>
    new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(sample());
        } catch (error) {
          reject(error); // the server is gone
        }
      }, Math.max(0, t - performance.now())),
    );
  const samples = Promise.all([at(windowStart), at(windowStart + durationMs)]);
  samples.catch(() => {}); // reported below, after the load
  const cell = await measure({ workload, server, clientOpts, threads: 1, warmupMs, durationMs });
  const [before, after] = await samples;
  report(cell, before, after);
} finally {
  await server.stop();
  cleanupSync();
}

function report(cell, before, after) {
  const ops = cell.opsPerSec * ((after.t - before.t) / 1000);
  const us = (ns) => (ns / 1000 / ops).toFixed(1).padStart(8);
  console.log(`${serverName} ${workload.name}: ${Math.round(cell.opsPerSec)} ops/s, p50 ${cell.p50Ms.toFixed(2)} ms, server CPU ${(cell.serverCpuMsPerOp * 1000).toFixed(0)} us/op`);
  const groups = { 'event loop': { run: 0, wait: 0, slices: 0 }, 'other threads': { run: 0, wait: 0, slices: 0 } };
  const perThread = [];
  for (const [tid, end] of after.threads) {
    const start = before.threads.get(tid) ?? { run: 0, wait: 0, slices: 0 };
    const delta = { run: end.run - start.run, wait: end.wait - start.wait, slices: end.slices - start.slices };
    const group = groups[tid === String(server.pid) ? 'event loop' : 'other threads'];
    for (const k of Object.keys(delta)) group[k] += delta[k];
    perThread.push({ tid, main: tid === String(server.pid), ...delta });
  }
  console.log('\nper operation      CPU us  waiting us  scheduled');
  for (const [name, g] of Object.entries(groups)) console.log(`${name.padEnd(15)}${us(g.run)}    ${us(g.wait)}   ${(g.slices / ops).toFixed(2).padStart(8)}`);
  console.log('\nI/O per operation (/proc/<pid>/io)');
  for (const name of ['syscw', 'wchar', 'write_bytes', 'syscr', 'rchar']) console.log(`  ${name.padEnd(12)}${((after.io[name] - before.io[name]) / ops).toFixed(1).padStart(12)}`);
  console.log('\nbusy threads (CPU us per operation)');
  for (const t of perThread.sort((a, b) => b.run - a.run).filter((t) => t.run / 1000 / ops >= 1)) {
    console.log(`  ${(t.main ? `${t.tid} (loop)` : t.tid).padEnd(16)}${us(t.run)}`);
  }
}
