// Closed-loop load: `concurrency` requests in flight, each connection issuing
// its next request as soon as the previous one completes. Every completed op
// is recorded with its completion time, so the measured window can be cut out
// afterwards at the exact instants the server's CPU was sampled.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { S3Client } from './s3-client.mjs';
import { makeOp } from './workloads.mjs';
import { treeCpuMs, selfCpuMs, machineBusyMs, mainThreadSchedule, loopSchedule } from './cpu.mjs';

/** Milliseconds on a clock shared by all threads of the process. */
export const now = () => performance.timeOrigin + performance.now();

/** Growable columns of (completion time, latency, bytes, units) per op. */
export class Recorder {
  constructor(cap = 1 << 14) {
    this.n = 0;
    this.t = new Float64Array(cap);
    this.lat = new Float64Array(cap);
    this.bytes = new Float64Array(cap);
    this.units = new Float64Array(cap);
  }
  add(t, lat, bytes, units) {
    if (this.n === this.t.length) this.#grow();
    const i = this.n++;
    this.t[i] = t;
    this.lat[i] = lat;
    this.bytes[i] = bytes;
    this.units[i] = units;
  }
  #grow() {
    for (const k of ['t', 'lat', 'bytes', 'units']) {
      const a = new Float64Array(this[k].length * 2);
      a.set(this[k]);
      this[k] = a;
    }
  }
  /** Plain object with trimmed columns (structured-clone / transfer friendly). */
  export() {
    const cut = (a) => a.slice(0, this.n);
    return { n: this.n, t: cut(this.t), lat: cut(this.lat), bytes: cut(this.bytes), units: cut(this.units) };
  }
}

/**
 * Runs `concurrency` loops until stopAt. The first failure stops all loops
 * and is rethrown once the in-flight requests have settled.
 */
export async function runLoop(op, concurrency, stopAt, rec) {
  let failure = null;
  const loop = async () => {
    const state = { units: 1 };
    while (failure === null && now() < stopAt) {
      const t0 = now();
      let bytes;
      try {
        bytes = await op(state);
      } catch (e) {
        failure ??= e;
        return;
      }
      const t1 = now();
      rec.add(t1, t1 - t0, bytes, state.units);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  if (failure) throw failure;
}

/** Splits n connections over t threads as evenly as possible. */
const share = (n, t, i) => Math.floor(n / t) + (i < n % t ? 1 : 0);

/**
 * Measures one (workload, server) cell: warm-up, then a measured window
 * bracketed by CPU samples of the server tree and of this process.
 */
export async function measure({ workload, server, clientOpts, threads, warmupMs, durationMs, round = 1 }) {
  // Written keys carry the round so that a later round writes new keys, not round 1's again.
  const tagOf = (thread) => `r${round}t${thread}`;
  const threadCount = Math.max(1, Math.min(threads, workload.concurrency));
  const runners = [];
  let local = null;
  if (threadCount === 1) {
    const client = new S3Client({ ...clientOpts, maxSockets: workload.concurrency });
    local = { client, op: makeOp(workload, client, tagOf(0)) };
  } else {
    for (let i = 0; i < threadCount; i++)
      runners.push(spawnRunner(workload, clientOpts, share(workload.concurrency, threadCount, i), tagOf(i)));
    await Promise.all(runners.map((r) => r.ready));
  }

  const start = now() + 20;
  const winStart = start + warmupMs;
  const winEnd = winStart + durationMs;
  // Keep the load on slightly past the window so the last samples see a busy
  // server, not a draining one.
  const stopAt = winEnd + Math.min(250, durationMs / 10);

  let loads;
  if (local) {
    const rec = new Recorder();
    loads = [sleepUntil(start).then(() => runLoop(local.op, workload.concurrency, stopAt, rec)).then(() => rec.export())];
  } else {
    loads = runners.map((r) => r.go(start, stopAt));
  }
  // Samples run on timers; with a local client they may fire a little late
  // behind I/O callbacks, which is harmless: the window is cut at the actual
  // sampling instants, not the planned ones.
  const sample = () => {
    const tree = treeCpuMs(server.pid);
    return { t: now(), server: tree.ms, loops: mainThreadSchedule(tree.pids), client: selfCpuMs(), machine: machineBusyMs() };
  };
  const guard = Promise.all(loads); // surfaces a failure even before the window starts
  guard.catch(() => {});
  let a, b;
  try {
    a = await Promise.race([sleepUntil(winStart).then(sample), guard.then(() => null)]);
    b = await Promise.race([sleepUntil(winEnd).then(sample), guard.then(() => null)]);
    const parts = await guard;
    if (!a || !b) throw new Error('load ended before the measured window did');
    return summarize(parts, a, b, workload);
  } finally {
    if (local) local.client.close();
    for (const r of runners) r.terminate();
  }
}

function spawnRunner(workload, clientOpts, concurrency, tag) {
  const w = new Worker(new URL('./load-worker.mjs', import.meta.url), {
    workerData: { workloadId: workload.id, clientOpts, concurrency, tag },
  });
  let onMsg;
  const pending = new Promise((resolve, reject) => {
    onMsg = resolve;
    w.on('error', reject);
    w.on('exit', (code) => reject(new Error(`load worker exited (${code})`)));
  });
  let readyResolve;
  const ready = new Promise((r) => (readyResolve = r));
  let doneResolve, doneReject;
  const done = new Promise((res, rej) => ((doneResolve = res), (doneReject = rej)));
  w.on('message', (m) => {
    if (m.type === 'ready') readyResolve();
    else if (m.type === 'done') doneResolve(m.rec);
    else if (m.type === 'error') {
      const e = new Error(m.message);
      e.kind = m.kind;
      doneReject(e);
    }
  });
  pending.catch((e) => doneReject(e));
  return {
    ready: Promise.race([ready, pending]),
    go: (start, stopAt) => {
      w.postMessage({ type: 'go', start, stopAt });
      return done;
    },
    terminate: () => {
      w.removeAllListeners('exit');
      w.terminate();
    },
  };
}

export function sleepUntil(t) {
  const d = t - now();
  return new Promise((r) => setTimeout(r, Math.max(0, d)));
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarize(parts, a, b, workload) {
  let ops = 0, bytes = 0, units = 0;
  const lats = [];
  for (const p of parts) {
    for (let i = 0; i < p.n; i++) {
      const t = p.t[i];
      if (t < a.t || t > b.t) continue;
      ops++;
      bytes += p.bytes[i];
      units += p.units[i];
      lats.push(p.lat[i]);
    }
  }
  const sec = (b.t - a.t) / 1000;
  const l = Float64Array.from(lats).sort();
  return {
    workload: workload.id,
    seconds: sec,
    ops,
    opsPerSec: ops / sec,
    mibPerSec: bytes / sec / (1024 * 1024),
    keysPerSec: workload.kind === 'list' ? units / sec : null,
    p50Ms: percentile(l, 50),
    p99Ms: percentile(l, 99),
    serverCpuMs: b.server - a.server,
    clientCpuMs: b.client - a.client,
    serverCpuMsPerOp: ops ? (b.server - a.server) / ops : NaN,
    clientCpuMsPerOp: ops ? (b.client - a.client) / ops : NaN,
    // server CPU used / wall time of the window: 1.0 = one core busy
    serverCores: (b.server - a.server) / (b.t - a.t),
    clientCores: (b.client - a.client) / (b.t - a.t),
    // busy CPU outside server and client (other processes, unattributed
    // interrupt work): high values mean the cell was disturbed
    otherCores: (b.machine - a.machine - (b.server - a.server) - (b.client - a.client)) / (b.t - a.t),
    // the server's event loop: share of the window on a core, and runnable waiting for one
    ...loopSchedule(a.loops, b.loops, b.t - a.t),
  };
}
