#!/usr/bin/env node
// cairn's benchmark: starts the null server, the durable floor server, cairn and
// s3rver one after the other (or, with --interleave, all at once, idle but for the one measured),
// runs every workload against each, and prints tables plus cairn/s3rver ratios
// against the targets. See bench/README.md.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startHealLoop } from './lib/heal-loop.mjs';
import { selectWorkloads, labelsFor, setup } from './lib/workloads.mjs';
import { pool, DATA_BUCKET, LIST_BUCKET, sha256Of } from './lib/content.mjs';
import { S3Client, TRANSPORTS } from './lib/s3-client.mjs';
import { measure } from './lib/load.mjs';
import { startServer, servesWorkload, SERVER_NAMES, cleanupSync, registerTempDir, keepTempDirs, BENCH_DIR, REPO_DIR } from './lib/servers.mjs';
import { textReport, markdownReport, comparisons, num, DISTURBED, loopPercents } from './lib/report.mjs';

const USAGE = `usage: node bench/run.mjs [options]   (or: npm run bench -- [options])
  --duration S        measured seconds per cell (default 5)
  --warmup S          warm-up seconds before each measured window (default 2)
  --quick             smoke run: --duration 1 --warmup 0.5
  --only LIST         comma-separated substrings of workload names/ids (e.g. "4 KiB,list")
  --servers LIST      subset/order of null,durable,cairn,s3rver (default all four; durable runs only the
                      PUT workloads)
  --signed-payload    send the body's SHA-256 as x-amz-content-sha256 (default UNSIGNED-PAYLOAD + CRC32 header)
  --client-threads N  client threads (default 1; see README)
  --client KIND       lean (default: own keep-alive HTTP/1.1 client, reused read buffers)
                      or node-http (node:http + http.Agent keepAlive; ~4-6x the client CPU)
  --interleave        start every server at once and run each workload on all of them back to back
                      (default: one server at a time, each through every workload)
  --rounds N          with --interleave (implied): measure each workload N times on every server,
                      the order reversed each round; ratios are the median of the rounds' paired
                      ratios (default 1)
  --keep              keep the temp root (server data and logs) for inspection
  --no-save           do not write bench/results/*.json`;

const { values: o } = parseArgs({
  options: {
    duration: { type: 'string' }, warmup: { type: 'string' }, quick: { type: 'boolean' },
    only: { type: 'string' }, servers: { type: 'string' }, 'signed-payload': { type: 'boolean' },
    'client-threads': { type: 'string' }, client: { type: 'string' }, interleave: { type: 'boolean' }, rounds: { type: 'string' }, keep: { type: 'boolean' }, 'no-save': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  },
});
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}
const opts = {
  duration: Number(o.duration ?? (o.quick ? 1 : 5)),
  warmup: Number(o.warmup ?? (o.quick ? 0.5 : 2)),
  servers: (o.servers ?? SERVER_NAMES.join(',')).split(',').map((s) => s.trim()).filter(Boolean),
  only: o.only ?? null,
  signedPayload: !!o['signed-payload'],
  clientThreads: Number(o['client-threads'] ?? 1),
  client: o.client ?? 'lean',
  rounds: Number(o.rounds ?? 1),
  interleave: !!o.interleave || Number(o.rounds ?? 1) > 1,
  keep: !!o.keep,
};
for (const s of opts.servers) if (!SERVER_NAMES.includes(s)) fail(`unknown server "${s}" (known: ${SERVER_NAMES.join(', ')})`);
if (!(opts.duration > 0) || !(opts.warmup >= 0) || !(opts.clientThreads >= 1)) fail('bad --duration/--warmup/--client-threads');
if (!Number.isInteger(opts.rounds) || opts.rounds < 1) fail('--rounds must be a positive whole number');
const workloads = selectWorkloads(opts.only);
if (!TRANSPORTS.includes(opts.client)) fail(`--client must be one of ${TRANSPORTS.join(', ')}`);
if (!workloads.length) fail(`--only "${opts.only}" matches no workload`);

function fail(msg) {
  console.error(`bench: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

// ---- cleanup, however we end
keepTempDirs(opts.keep);
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping servers and removing temp files`);
    cleanupSync();
    process.exit(130);
  });

// ---- header
const git = (() => {
  const run = (...a) => execFileSync('git', a, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let sha = 'nocommit';
  let dirty = false;
  try { sha = run('rev-parse', '--short', 'HEAD'); } catch {}
  try { dirty = run('status', '--porcelain', '--untracked-files=no').length > 0; } catch {}
  return { sha, dirty, label: sha + (dirty ? '-dirty' : '') };
})();
const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, node: process.version,
  kernel: os.release(), arch: os.arch(), memGiB: Math.round(os.totalmem() / 2 ** 30),
};
const s3rverVersion = (() => {
  try { return JSON.parse(readFileSync(path.join(REPO_DIR, 'node_modules/s3rver/package.json'), 'utf8')).version; } catch { return '?'; }
})();
const command = ['node', path.relative(REPO_DIR, process.argv[1]) || process.argv[1], ...process.argv.slice(2)].join(' ');
const date = new Date().toISOString();
const log = (s) => console.log(s);

log(`cairn benchmark  ${date}  git ${git.label}`);
log(`command:  ${command}`);
log(`machine:  ${machine.cpu}, ${machine.cores} cores (os.cpus()), ${machine.memGiB} GiB, Node ${machine.node}, Linux ${machine.kernel} ${machine.arch}`);
log(
  `timing:   per cell ${opts.warmup} s warm-up + ${opts.duration} s measured; ${opts.clientThreads} client thread(s); ` +
    (opts.interleave ? 'servers all up, each workload run on every server in turn' : 'servers run one at a time') +
    (opts.rounds > 1 ? `, ${opts.rounds} rounds (order reversed each round)` : ''),
);
log(`requests: SigV4 Authorization header, path-style, us-east-1, HTTP/1.1 keep-alive, closed loop (N in flight);`);
log(`          client ${opts.client === 'lean' ? 'lean (bench/lib/http-lean.mjs: reused read buffers; node:http costs ~4-6x the CPU)' : 'node-http (node:http, http.Agent keepAlive)'}`);
log(
  opts.signedPayload
    ? `          PUT: x-amz-content-sha256 = SHA-256 of the body (--signed-payload: the server must hash every byte)`
    : `          PUT: x-amz-content-sha256: UNSIGNED-PAYLOAD + x-amz-checksum-crc32 (what current AWS SDKs send over TLS;\n` +
      `               the server checks a CRC32 instead of a SHA-256; --signed-payload for the SHA-256 form)`,
);
log(`verify:   every GET byte and ETag against deterministic per-key content; every PUT ETag (MD5); every listed key and its order`);
log(`servers:  ${opts.servers.map((s) => ({ null: 'null (bare node:http, the ceiling)', durable: 'durable (bench/durable-server.mjs: the least a durable 2+2 PUT costs)', cairn: 'cairn (bin/cairn.js, 4 drives = EC 2+2)', s3rver: `s3rver ${s3rverVersion}` })[s]).join(', ')}`);
log(`workloads: ${workloads.map((w) => `${w.name} ×${w.concurrency}`).join(', ')}`);
log('');

// ---- run
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-'));
registerTempDir(tmpRoot);

// Build every body (and its MD5/CRC32/SHA-256) before anything is timed.
for (const label of labelsFor(workloads)) {
  const p = pool(label);
  if (opts.signedPayload) p.bodies.forEach(sha256Of);
}

const cells = [];
const skipped = {};
let failed = false;

/** Starts a server and creates the benchmark's buckets on it: a session cells run in. */
async function openSession(name) {
  log(`[${name}] starting`);
  const server = await startServer(name, tmpRoot, log);
  if (server.skipped) {
    skipped[name] = server.skipped;
    log(`[${name}] SKIPPED: ${server.skipped}`);
    if (server.logTail) log(`  from its output:\n    ${server.logTail.split('\n').join('\n    ')}`);
    log('');
    return null;
  }
  const clientOpts = { port: server.port, ...server.creds, signedPayload: opts.signedPayload, transport: opts.client };
  const session = { name, server, clientOpts, admin: new S3Client({ ...clientOpts, maxSockets: 16 }), populated: new Set(), over: false };
  try {
    await session.admin.createBucket(DATA_BUCKET);
    if (workloads.some((w) => w.kind === 'list')) await session.admin.createBucket(LIST_BUCKET);
  } catch (e) {
    failed = true;
    log(`[${name}] setup FAILED: ${e.message}`);
    cells.push({ server: name, workload: '*', error: e.message });
    await closeSession(session);
    log('');
    return null;
  }
  return session;
}

async function closeSession(session) {
  session.admin.close();
  await session.server.stop();
}

/**
 * Writes back every dirty page in the machine's page cache, so that a server that writes
 * without syncing (s3rver) leaves no writeback behind to slow the next cell down.
 */
function flushPageCache() {
  try {
    execFileSync('sync', [], { stdio: 'ignore' });
  } catch {}
}

/** A cell's name in progress lines: interleaved runs name the server (and the round) too. */
function cellLabel(w, name, round) {
  if (!opts.interleave) return w.name.padEnd(16);
  return `${w.name} [${name}${opts.rounds > 1 ? ` #${round}` : ''}]`.padEnd(opts.rounds > 1 ? 30 : 26);
}

/** ", loop 64% on a core + 27% waiting": how much the server's event loop ran and waited for a core. */
function loopLabel(cell) {
  const loop = loopPercents(cell);
  return loop ? `, loop ${loop.onCore}% on a core + ${loop.waiting}% waiting` : '';
}

/** One (workload, server) cell: its data set up, then measured. */
async function runCell(session, w, round = 1) {
  const { name, server, admin, populated, clientOpts } = session;
  if (session.over || (w.servers && !w.servers.includes(name)) || !servesWorkload(name, w)) return;
  let healLoop;
  try {
    const t = Date.now();
    await setup(w, admin, populated, log);
    if (Date.now() - t > 2000) log(`    (setup took ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    flushPageCache();
    await new Promise((r) => setTimeout(r, 300)); // let setup's after-effects settle
    if (w.during === 'heal-scan') healLoop = startHealLoop({ port: server.port, ...server.creds });
    const cell = await measure({ workload: w, server, clientOpts, threads: opts.clientThreads, warmupMs: opts.warmup * 1000, durationMs: opts.duration * 1000, round });
    if (healLoop) cell.healScans = await healLoop.stop();
    cells.push({ server: name, round, ...cell });
    log(
      `  ${cellLabel(w, name, round)} ${num(cell.opsPerSec).padStart(8)} ops/s ${num(cell.mibPerSec).padStart(7)} MiB/s` +
        (cell.keysPerSec !== null ? ` ${num(cell.keysPerSec).padStart(7)} keys/s` : '') +
        `  p50 ${num(cell.p50Ms)} p99 ${num(cell.p99Ms)} ms  srv ${num(cell.serverCpuMsPerOp)} ms/op (${num(cell.serverCores)} cores${loopLabel(cell)})  cli ${num(cell.clientCpuMsPerOp)} ms/op  other ${num(cell.otherCores)} cores  [${cell.ops} ops]` +
        (cell.healScans !== undefined ? `  (${cell.healScans} deep heal scans completed meanwhile)` : '') +
        (cell.otherCores > DISTURBED ? '  <- disturbed: something else was busy' : ''),
    );
  } catch (e) {
    await healLoop?.stop();
    failed = true;
    cells.push({ server: name, round, workload: w.id, error: e.message, errorKind: e.kind ?? 'other' });
    const loud = e.kind === 'mismatch' ? '!!! DATA MISMATCH !!! ' : '';
    log(`  ${cellLabel(w, name, round)} FAILED: ${loud}${e.message}`);
    if (e.kind === 'mismatch') console.error(`\n${'!'.repeat(72)}\n${name} returned wrong data in ${w.name}:\n  ${e.message}\n${'!'.repeat(72)}\n`);
    const out = server.logTail(true);
    if (out) log(`    from ${name}'s output:\n      ${out.split('\n').join('\n      ')}`);
    const gone = await server.exitedWithin(500);
    if (gone) {
      log(`  ${name} exited (code ${gone.code}${gone.sig ? ', ' + gone.sig : ''}); skipping its remaining workloads`);
      session.over = true;
    }
  }
}

if (opts.interleave) {
  // Every server up at once (idle ones cost next to nothing), and each workload measured on
  // all of them back to back: a ratio then compares cells seconds apart, not minutes.
  const sessions = [];
  for (const name of opts.servers) {
    const session = await openSession(name);
    if (session) sessions.push(session);
  }
  log('');
  // With rounds, each workload's rounds run back to back, the servers' order reversed every
  // round: neither server always goes first, and a round's cells are seconds apart.
  for (const w of workloads)
    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? sessions : [...sessions].reverse();
      for (const session of order) await runCell(session, w, round);
    }
  for (const session of sessions) await closeSession(session);
  log('');
} else {
  for (const name of opts.servers) {
    const session = await openSession(name);
    if (!session) continue;
    try {
      for (const w of workloads) await runCell(session, w);
    } finally {
      await closeSession(session);
    }
    log('');
  }
}

const comps = comparisons(cells, workloads);
log(textReport(cells, workloads, comps));
for (const [name, why] of Object.entries(skipped)) log(`\n${name} not measured: ${why}`);

const meta = { date, git: git.label, command, machine, options: opts, s3rverVersion, tmpRoot: opts.keep ? tmpRoot : undefined };
log('\n## Markdown (for docs/performance.md)\n');
log(markdownReport(meta, cells, workloads, comps, skipped));

if (!o['no-save']) {
  const dir = path.join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}-${git.sha}.json`);
  writeFileSync(file, JSON.stringify({ meta, failed, skipped, cells, comparisons: comps }, null, 2) + '\n');
  log(`\nresults written to ${path.relative(REPO_DIR, file)}`);
}
if (opts.keep) log(`temp root kept: ${tmpRoot}`);
if (failed) {
  console.error('\nbench: RUN FAILED (see FAILED rows above)');
  process.exitCode = 1;
}
