#!/usr/bin/env node
// The physical floors under cairn's write paths on this machine: the same
// durable LMDB commits, shard-file writes and hashes a PUT needs, done with no
// HTTP, no erasure coding and no cairn code around them. What these reach is
// the most cairn could reach; a target above it is out of physical reach here.
// See bench/README.md ("Physical floors").
import os from 'node:os';
import path from 'node:path';
import { promises as fs, constants, mkdtempSync, mkdirSync, writeFileSync, renameSync, statfsSync } from 'node:fs';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CoalescedSync } from './lib/coalesced-sync.mjs';
import { nextEventId, openDriveEnvironment } from './lib/drive-environment.mjs';
import { selfCpuMs, machineBusyMs } from './lib/cpu.mjs';
import { num, textTable, DISTURBED } from './lib/report.mjs';
import { cleanupSync, registerTempDir, BENCH_DIR, REPO_DIR } from './lib/servers.mjs';

const USAGE = `usage: node bench/floors.mjs [options]   (or: npm run bench:floors -- [options])
  --duration S   measured seconds per workload (default 5; each also gets 1 s of warm-up)
  --only LIST    comma-separated workload ids, or substrings of them (e.g. "lmdb,md5")
  --help         this text
workloads: lmdb-small, lmdb-small-1env, shards-files, shards-segment, shards-segment-growing,
           shards-segment-buffered, md5, sha256, highwayhash`;

const { values: o } = parseArgs({ options: { duration: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}
const opts = { duration: Number(o.duration ?? 5), warmup: 1, only: o.only ?? null };
if (!(opts.duration > 0)) fail('--duration must be a positive number of seconds');

function fail(msg) {
  console.error(`bench/floors: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

const KiB = 1024;
const MiB = 1024 * KiB;
const DRIVES = 4; // cairn's bench layout: 4 drives, erasure 2+2
const SHARD = 512 * KiB; // one data or parity shard of a 1 MiB object under 2+2
const SEGMENT_SLOTS = 512; // shards per preallocated segment file (256 MiB)
const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_DIRECT } = constants;

// ---- building blocks

/** One drive's LMDB environment (a put's promise resolves after commit + fsync) and its two databases. */
function openDrive(dir) {
  const env = openDriveEnvironment(dir);
  const db = (name) => env.openDB({ name, keyEncoding: 'binary', encoding: 'binary' });
  return { env, events: db('events'), objects: db('objects') };
}

async function fsyncDirectory(dir) {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `count` buffers of `size` bytes for O_DIRECT, which wants page-aligned
 * memory: a WebAssembly.Memory is one mmap (page-aligned), and every offset
 * used here is a multiple of the page size.
 */
function alignedBuffers(count, size) {
  const memory = new WebAssembly.Memory({ initial: Math.ceil((count * size) / (64 * KiB)) });
  return Array.from({ length: count }, (_, i) => Buffer.from(memory.buffer, i * size, size));
}

/** The drive directories of one workload, each with its LMDB environment. */
async function makeDrives(root, count, subdirs = []) {
  const drives = [];
  for (let i = 1; i <= count; i++) {
    const dir = path.join(root, `d${i}`);
    for (const sub of ['', ...subdirs]) await fs.mkdir(path.join(dir, sub), { recursive: true });
    drives.push({ dir, ...openDrive(dir) });
  }
  return drives;
}

const closeDrives = (drives) => Promise.all(drives.map((d) => d.env.close()));

// ---- the workloads: each `setup(dir)` returns { op(writer), close() } (or { hash(buffer) })

/** cairn's small-object write without HTTP or hashing: per drive, an event record and a projection entry, committed durably. */
async function lmdbSmall(root, envs) {
  const drives = await makeDrives(root, envs);
  const record = randomBytes(3000);
  const projection = randomBytes(500);
  return {
    async op() {
      const id = nextEventId();
      const key = randomBytes(24);
      // Both puts queued in the same turn land in the same transaction.
      await Promise.all(drives.flatMap((d) => [d.events.put(id, record), d.objects.put(key, projection)]));
    },
    close: () => closeDrives(drives),
  };
}

/** The commit record of a large object: one small durable put per drive. */
const COMMIT_RECORD = randomBytes(600);
function commitEvent(drives) {
  const id = nextEventId();
  return Promise.all(drives.map((d) => d.events.put(id, COMMIT_RECORD)));
}

/** cairn's current 1 MiB path: one new shard file per drive, staged, synced, committed, renamed. */
async function shardsFiles(root, concurrency) {
  const drives = await makeDrives(root, DRIVES, ['tmp', 'shards']);
  for (const d of drives) {
    // cairn fans committed shards out over 256 directories
    for (let i = 0; i < 256; i++) mkdirSync(path.join(d.dir, 'shards', i.toString(16).padStart(2, '0')));
    d.tmpSync = new CoalescedSync(() => fsyncDirectory(path.join(d.dir, 'tmp')));
  }
  const buffers = alignedBuffers(concurrency, SHARD);
  buffers.forEach((b) => randomFillSync(b));
  let seq = 0;
  return {
    async op(writer) {
      const name = `${(seq++).toString(16).padStart(8, '0')}${randomBytes(4).toString('hex')}.shard`;
      await Promise.all(
        drives.map(async (d) => {
          const handle = await fs.open(path.join(d.dir, 'tmp', name), O_WRONLY | O_CREAT | O_EXCL | O_DIRECT);
          try {
            await handle.write(buffers[writer], 0, SHARD, 0);
            await handle.datasync();
          } finally {
            await handle.close();
          }
          await d.tmpSync.sync(); // the new directory entry, durable
        }),
      );
      await commitEvent(drives);
      // After the commit and on the calling thread, as cairn does (nothing
      // waits for the device: start-up recovery redoes an unsynced rename).
      for (const d of drives) renameSync(path.join(d.dir, 'tmp', name), path.join(d.dir, 'shards', name.slice(-8, -6), name));
    },
    close: () => closeDrives(drives),
  };
}

/**
 * DESIGN's alternative: shards written into one segment file per drive, synced in groups.
 * Preallocated: into a segment written with zeros beforehand, so that no write allocates;
 * growing: appended to a new segment, each write allocating blocks as cairn's segments do
 * (Node has no fallocate, and an unwritten extent would change metadata on its first write too).
 */
async function shardsSegment(root, concurrency, direct, { growing = false } = {}) {
  const drives = await makeDrives(root, DRIVES);
  const [zeros, ...buffers] = alignedBuffers(concurrency + 1, SHARD);
  buffers.forEach((b) => randomFillSync(b));
  const flags = O_RDWR | O_CREAT | O_EXCL | (direct ? O_DIRECT : 0);
  const openSegment = async (file) => {
    const handle = await fs.open(file, flags);
    return { file, handle, sync: new CoalescedSync(() => handle.datasync()) };
  };
  if (!growing) {
    // Preallocate before timing: real blocks, written and synced, so the
    // measured writes overwrite allocated space and no metadata changes.
    await Promise.all(
      drives.map(async (d) => {
        d.segment = await openSegment(path.join(d.dir, 'segment'));
        for (let slot = 0; slot < SEGMENT_SLOTS; slot++) await d.segment.handle.write(zeros, 0, SHARD, slot * SHARD);
        await d.segment.handle.datasync();
      }),
    );
  }
  // Growing: a new file for every SEGMENT_SLOTS shards, all kept until the temp root is
  // removed after timing (removing a file meanwhile frees its blocks and stalls the writes:
  // this uses ~0.5 GiB of disk per drive and second instead).
  const segmentFor = (d, lap) => {
    d.laps ??= new Map();
    if (!d.laps.has(lap)) d.laps.set(lap, openSegment(path.join(d.dir, `segment-${lap}`)));
    return d.laps.get(lap);
  };
  let nextSlot = 0;
  return {
    async op(writer) {
      const slot = nextSlot++;
      await Promise.all(
        drives.map(async (d) => {
          const segment = growing ? await segmentFor(d, Math.floor(slot / SEGMENT_SLOTS)) : d.segment;
          await segment.handle.write(buffers[writer], 0, SHARD, (slot % SEGMENT_SLOTS) * SHARD);
          await segment.sync.sync();
        }),
      );
      await commitEvent(drives);
    },
    async close() {
      const segments = drives.flatMap((d) => [d.segment, ...(d.laps?.values() ?? [])]).filter(Boolean);
      await Promise.all(segments.map(async (segment) => (await segment).handle.close()));
      await closeDrives(drives);
    },
  };
}

function nodeHash(algorithm) {
  return () => ({ hash: (buffer) => createHash(algorithm).update(buffer).digest() });
}

function highwayHash() {
  let hh;
  try {
    hh = createRequire(import.meta.url)('highwayhash');
  } catch {
    return { skip: 'the highwayhash package is not in node_modules' };
  }
  const key = randomBytes(32);
  return { hash: (buffer) => hh.asBuffer(key, buffer) };
}

const WORKLOADS = [
  {
    id: 'lmdb-small', concurrency: 16, bytesPerOp: null, setup: (dir) => lmdbSmall(dir, DRIVES),
    what: `4 LMDB envs (one per drive); op = per env: put 3000 B event (16 B increasing key) + 500 B projection (random 24 B key), durable`,
  },
  {
    id: 'lmdb-small-1env', concurrency: 16, bytesPerOp: null, setup: (dir) => lmdbSmall(dir, 1),
    what: `the same record pair into ONE env per op (what one shared environment would cost)`,
  },
  {
    id: 'shards-files', concurrency: 8, bytesPerOp: MiB, setup: (dir, c) => shardsFiles(dir, c),
    what: `1 MiB object = per drive: new file in tmp/ (O_DIRECT), write 512 KiB, fdatasync, close, coalesced fsync of tmp/; then a 600 B durable put per drive; rename into shards/`,
  },
  {
    id: 'shards-segment', concurrency: 8, bytesPerOp: MiB, setup: (dir, c) => shardsSegment(dir, c, true),
    what: `1 MiB object = per drive: pwrite 512 KiB into a preallocated 256 MiB segment (O_DIRECT), coalesced fdatasync; then a 600 B durable put per drive`,
  },
  {
    id: 'shards-segment-growing', concurrency: 8, bytesPerOp: MiB, setup: (dir, c) => shardsSegment(dir, c, true, { growing: true }),
    what: `the same appended to a new segment (O_DIRECT): every write allocates, as cairn's segments grow`,
  },
  {
    id: 'shards-segment-buffered', concurrency: 8, bytesPerOp: MiB, setup: (dir, c) => shardsSegment(dir, c, false),
    what: `the same through the page cache (no O_DIRECT)`,
  },
  { id: 'md5', concurrency: 1, bytesPerOp: MiB, hash: nodeHash('md5'), what: `node:crypto MD5 of 1 MiB buffers, one thread (the ETag)` },
  { id: 'sha256', concurrency: 1, bytesPerOp: MiB, hash: nodeHash('sha256'), what: `node:crypto SHA-256 of 1 MiB buffers, one thread (signed payloads)` },
  { id: 'highwayhash', concurrency: 1, bytesPerOp: MiB, hash: highwayHash, what: `highwayhash.asBuffer (32 B key) of 1 MiB buffers, one thread (shard checksums)` },
];

function selectWorkloads(only) {
  if (!only) return WORKLOADS;
  const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
  // An exact id picks that workload alone ("lmdb-small" without its -1env variant).
  const picks = (w) => wanted.some((s) => w.id === s || (!WORKLOADS.some((x) => x.id === s) && w.id.includes(s)));
  return WORKLOADS.filter(picks);
}

// ---- measuring

/** What one measured window comes to. `cpuMs` is this process (all threads); the rest of the machine's busy time is "other". */
function figures({ ops, latencies, wallMs, cpuMs, busyMs }, bytesPerOp) {
  latencies.sort((a, b) => a - b);
  const pct = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null);
  return {
    ops, seconds: wallMs / 1000,
    opsPerSec: (ops * 1000) / wallMs,
    mibPerSec: bytesPerOp ? (ops * bytesPerOp * 1000) / wallMs / MiB : null,
    p50Ms: pct(0.5), p99Ms: pct(0.99),
    cpuMsPerOp: ops ? cpuMs / ops : null,
    cores: cpuMs / wallMs,
    otherCores: Math.max(0, (busyMs - cpuMs) / wallMs),
  };
}

function sample() {
  return { t: performance.now(), cpu: selfCpuMs(), busy: machineBusyMs() };
}

const between = (start, end) => ({ wallMs: end.t - start.t, cpuMs: end.cpu - start.cpu, busyMs: end.busy - start.busy });

/**
 * Closed loop: `concurrency` writers, each starting its next op as soon as the
 * previous one is done, through warm-up and the window. Counted: the ops that
 * complete inside the window, and the process's CPU between its two edges.
 */
async function closedLoop(concurrency, op, bytesPerOp) {
  let phase = 'warmup';
  let start, end;
  const latencies = [];
  const timers = [
    setTimeout(() => ((start = sample()), (phase = 'measure')), opts.warmup * 1000),
    setTimeout(() => ((end = sample()), (phase = 'done')), (opts.warmup + opts.duration) * 1000),
  ];
  const writers = await Promise.allSettled(
    Array.from({ length: concurrency }, async (_, writer) => {
      try {
        while (phase !== 'done') {
          const t = performance.now();
          await op(writer);
          if (phase === 'measure') latencies.push(performance.now() - t);
        }
      } catch (e) {
        phase = 'done'; // stop the other writers too
        throw e;
      }
    }),
  );
  timers.forEach(clearTimeout);
  const failure = writers.find((w) => w.status === 'rejected');
  if (failure) throw failure.reason;
  return figures({ ops: latencies.length, latencies, ...between(start, end) }, bytesPerOp);
}

/** One thread hashing the same 1 MiB of random bytes over and over. */
function hashLoop(hash, bytesPerOp) {
  const buffer = randomBytes(bytesPerOp);
  const until = (ms, each) => {
    const stop = performance.now() + ms;
    while (performance.now() < stop) each();
  };
  until(opts.warmup * 1000, () => hash(buffer));
  const latencies = [];
  const start = sample();
  until(opts.duration * 1000, () => {
    const t = performance.now();
    hash(buffer);
    latencies.push(performance.now() - t);
  });
  return figures({ ops: latencies.length, latencies, ...between(start, sample()) }, bytesPerOp);
}

async function runWorkload(w, dir) {
  if (w.hash) {
    const h = w.hash();
    return h.skip ? { skipped: h.skip } : hashLoop(h.hash, w.bytesPerOp);
  }
  await fs.mkdir(dir);
  const t = performance.now();
  const load = await w.setup(dir, w.concurrency);
  const setupSeconds = (performance.now() - t) / 1000;
  try {
    return { ...(await closedLoop(w.concurrency, (writer) => load.op(writer), w.bytesPerOp)), setupSeconds };
  } finally {
    await load.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

// ---- the run

const workloads = selectWorkloads(opts.only);
if (!workloads.length) fail(`--only "${opts.only}" matches no workload`);

process.on('exit', cleanupSync); // removes the temp root, however we end
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    console.error(`\nbench/floors: ${sig}, removing temp files`);
    cleanupSync();
    process.exit(130);
  });

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'cairn-floors-'));
registerTempDir(tmpRoot);

const sh = (...args) => execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const sha = (() => { try { return sh('rev-parse', '--short', 'HEAD'); } catch { return 'nocommit'; } })();
const dirty = (() => { try { return sh('status', '--porcelain', '--untracked-files=no') !== ''; } catch { return false; } })();
const FS_TYPES = { 0xef53: 'ext2/3/4', 0x01021994: 'tmpfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x794c7630: 'overlayfs' };
const fsMagic = statfsSync(tmpRoot).type;
const fsType = FS_TYPES[fsMagic] ?? `statfs type 0x${fsMagic.toString(16)}`;
const cpus = os.cpus();
const meta = {
  date: new Date().toISOString(),
  git: sha + (dirty ? '-dirty' : ''),
  command: ['node', path.relative(REPO_DIR, process.argv[1]), ...process.argv.slice(2)].join(' '),
  machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release(), arch: os.arch() },
  tmpDir: os.tmpdir(), fsType,
  options: opts,
};
const { machine } = meta;
console.log(`cairn physical floors  ${meta.date}  git ${meta.git}`);
console.log(`command:  ${meta.command}`);
console.log(`machine:  ${machine.cpu}, ${machine.cores} cores (os.cpus()), ${machine.memGiB} GiB, Node ${machine.node}, Linux ${machine.kernel} ${machine.arch}`);
console.log(`disk:     ${meta.tmpDir} (${fsType}); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`timing:   ${opts.warmup} s warm-up + ${opts.duration} s measured per workload, one workload at a time`);
console.log('');

const results = [];
for (const w of workloads) {
  console.log(`  ${w.id.padEnd(24)} ${w.what}`);
  let r;
  try {
    r = await runWorkload(w, path.join(tmpRoot, w.id));
  } catch (e) {
    r = { error: e.message };
  }
  results.push({ workload: w.id, what: w.what, concurrency: w.concurrency, ...r });
  if (r.error) console.log(`  ${''.padEnd(24)} FAILED: ${r.error}`);
  else if (r.skipped) console.log(`  ${''.padEnd(24)} skipped: ${r.skipped}`);
  else
    console.log(
      `  ${''.padEnd(24)} -> ${num(r.opsPerSec)} ops/s  p50 ${num(r.p50Ms)} p99 ${num(r.p99Ms)} ms  CPU ${num(r.cpuMsPerOp)} ms/op  other ${num(r.otherCores)} cores` +
        (r.setupSeconds > 2 ? `  (setup ${r.setupSeconds.toFixed(1)} s)` : ''),
    );
  await new Promise((resolve) => setTimeout(resolve, 300)); // let the device settle between workloads
}

const HEAD = ['workload', 'conc', 'ops', 'ops/s', 'MiB/s', 'p50 ms', 'p99 ms', 'CPU ms/op', 'cores', 'other cores'];
const rows = results.map((r) =>
  r.error || r.skipped
    ? [r.workload, String(r.concurrency), r.error ? 'FAILED' : 'skipped', '', '', '', '', '', '', '']
    : [
        r.workload, String(r.concurrency), String(r.ops), num(r.opsPerSec) + (r.otherCores > DISTURBED ? ' *' : ''), num(r.mibPerSec),
        num(r.p50Ms), num(r.p99Ms), num(r.cpuMsPerOp), num(r.cores), num(r.otherCores),
      ],
);
console.log('');
console.log('Physical floors (CPU = this process, all threads: lmdb-js and fs work run on its thread pool; cores = CPU / wall;');
console.log('other cores = the rest of the machine meanwhile, kernel writeback and journal included; MiB/s = object bytes;');
console.log('shards: 1 MiB objects = 4 × 512 KiB written; hashes: ops = 1 MiB buffers, latency = one buffer)');
console.log('');
console.log(textTable(HEAD, rows, 1));
if (results.some((r) => r.otherCores > DISTURBED)) console.log(`* more than ${DISTURBED} other cores busy: beside the kernel's own I/O work, something else may have run`);

const failed = results.some((r) => r.error);
const dir = path.join(BENCH_DIR, 'results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `floors-${meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}-${sha}.json`);
writeFileSync(file, JSON.stringify({ meta, failed, results }, null, 2) + '\n');
console.log(`\nresults written to ${path.relative(REPO_DIR, file)}`);
if (failed) {
  console.error('\nbench/floors: some workloads FAILED (see above)');
  process.exitCode = 1;
}
