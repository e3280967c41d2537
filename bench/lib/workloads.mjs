// The standard workloads. Each one knows how to prepare its data on a server
// (setup) and how to build the per-request operation the load loop runs.
import { pool, slotName, DATA_BUCKET, LIST_BUCKET, LIST_KEY_COUNT, LIST_PAGE, listKeysSorted, bodyForKey } from './content.mjs';
import { BenchError } from './s3-client.mjs';

/**
 * target.metric: which rate the cairn/s3rver ratio is taken on.
 * target.ratio / target.cpuMs: goals printed next to the measured values.
 */
export const WORKLOADS = [
  { id: 'put-4k', name: 'PUT 4 KiB', kind: 'put', label: '4k', concurrency: 16, target: { metric: 'ops', ratio: 4, cpuMs: 0.3 } },
  { id: 'get-4k', name: 'GET 4 KiB', kind: 'get', label: '4k', concurrency: 16, target: { metric: 'ops', ratio: 4, cpuMs: 0.2 } },
  // cairn only: the same GETs while a deep heal scan runs throughout (throttled by
  // CAIRN_HEAL_BUDGET): foreground latency next to GET 4 KiB's.
  { id: 'get-4k-scan', name: 'GET 4 KiB + scan', kind: 'get', label: '4k', concurrency: 16, during: 'heal-scan', servers: ['cairn'] },
  { id: 'mix-4k', name: 'MIX 4 KiB 70/30', kind: 'mix', label: '4k', concurrency: 16 },
  { id: 'put-1m', name: 'PUT 1 MiB', kind: 'put', label: '1m', concurrency: 8, target: { metric: 'mib', ratio: 2.5, cpuMs: 3 } },
  { id: 'get-1m', name: 'GET 1 MiB', kind: 'get', label: '1m', concurrency: 8, target: { metric: 'mib', ratio: 2.5, cpuMs: 1.5 } },
  { id: 'mix-1m', name: 'MIX 1 MiB 70/30', kind: 'mix', label: '1m', concurrency: 8 },
  { id: 'put-32m', name: 'PUT 32 MiB', kind: 'put', label: '32m', concurrency: 2, target: { metric: 'mib', ratio: 1.5 } },
  { id: 'get-32m', name: 'GET 32 MiB', kind: 'get', label: '32m', concurrency: 2, target: { metric: 'mib', ratio: 1.5 } },
  // One op = one page of 1000 keys; each of the 4 clients walks all 10 pages
  // with continuation tokens, over and over. 4 keeps a request queued behind
  // each one in service on a 2-core box without turning it into a queueing test.
  { id: 'list-10k', name: 'LIST 10k keys', kind: 'list', label: 'list', concurrency: 4, target: { metric: 'keys', ratio: 10, cpuMs: 10 } },
];

export function selectWorkloads(only) {
  if (!only) return WORKLOADS;
  const wanted = only.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return WORKLOADS.filter((w) => wanted.some((s) => w.name.toLowerCase().includes(s) || w.id.includes(s)));
}

/** Labels whose body pools the selected workloads need (to precompute before any timing). */
export function labelsFor(workloads) {
  return [...new Set(workloads.map((w) => w.label))];
}

const readKey = (label, slot) => `${label}/${slotName(slot)}/r`;

/** Writes the data a workload reads. `done` remembers what a server already has. */
export async function setup(workload, client, done, log) {
  if (workload.kind === 'put') return;
  if (done.has(workload.label)) return;
  if (workload.kind === 'list') {
    const keys = listKeysSorted();
    const body = bodyForKey(keys[0]);
    log(`    writing ${LIST_KEY_COUNT} keys to ${LIST_BUCKET} ...`);
    await parallel(16, keys.length, (i) => client.put(LIST_BUCKET, keys[i], body));
  } else {
    const p = pool(workload.label);
    await parallel(Math.min(8, p.slots), p.slots, (slot) => client.put(DATA_BUCKET, readKey(p.label, slot), p.bodies[slot]));
  }
  done.add(workload.label);
}

async function parallel(concurrency, n, fn) {
  let next = 0;
  const run = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, run));
}

/**
 * Builds the operation for one client thread. `tag` makes written keys unique
 * across threads and rounds. The returned function takes a per-connection state object
 * and resolves to the number of payload bytes moved; listing ops also set
 * state.units (keys listed).
 */
export function makeOp(workload, client, tag) {
  const p = pool(workload.label);
  let n = 0;
  const put = (prefix) => {
    const i = n++;
    const slot = i % p.slots;
    return client.put(DATA_BUCKET, `${p.label}/${slotName(slot)}/${prefix}${tag}-${i}`, p.bodies[slot]);
  };
  const get = () => {
    const slot = n++ % p.slots;
    return client.get(DATA_BUCKET, readKey(p.label, slot), p.bodies[slot]);
  };
  switch (workload.kind) {
    case 'put':
      return () => put('p');
    case 'get':
      return get;
    case 'mix':
      // 3 of every 10 ops write new keys; the other 7 read the read set. New
      // keys (not overwrites) keep GET verification independent of PUT timing.
      return () => (n % 10 === 3 || n % 10 === 6 || n % 10 === 9 ? put('m') : get());
    case 'list':
      return listOp(client);
  }
  throw new Error(`unknown workload kind ${workload.kind}`);
}

function listOp(client) {
  const expected = listKeysSorted();
  const pages = Math.ceil(LIST_KEY_COUNT / LIST_PAGE);
  return async (state) => {
    state.page ??= 0;
    const page = await client.listPage(LIST_BUCKET, LIST_PAGE, state.token);
    const base = state.page * LIST_PAGE;
    const want = Math.min(LIST_PAGE, LIST_KEY_COUNT - base);
    const where = `LIST ${LIST_BUCKET} page ${state.page + 1}/${pages}`;
    if (page.keys.length !== want) throw new BenchError('mismatch', `${where}: ${page.keys.length} keys, expected ${want}`);
    if (page.keyCount !== null && page.keyCount !== want) throw new BenchError('mismatch', `${where}: KeyCount ${page.keyCount}, expected ${want}`);
    for (let i = 0; i < want; i++)
      if (page.keys[i] !== expected[base + i])
        throw new BenchError('mismatch', `${where}: key #${i} is ${page.keys[i]}, expected ${expected[base + i]}`);
    const last = state.page === pages - 1;
    if (page.truncated === last) throw new BenchError('mismatch', `${where}: IsTruncated=${page.truncated}`);
    if (!last && !page.next) throw new BenchError('mismatch', `${where}: truncated but no NextContinuationToken`);
    state.units = want;
    if (last) {
      state.page = 0;
      state.token = undefined;
    } else {
      state.page++;
      state.token = page.next;
    }
    return page.bytes;
  };
}
