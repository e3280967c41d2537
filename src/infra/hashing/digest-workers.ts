/**
 * MD5 and SHA digests of large request bodies computed on worker threads, so that the event
 * loop's core is not the ceiling for large PUTs (issue 2: "use both cores"), and MD5 over
 * many bodies at once, so that it costs a fraction of a core per stream.
 *
 * The bytes go once from the socket's buffers into a *slot* (1 MiB) of a WebAssembly memory
 * shared with the worker: no copy back, no buffer transferred per MiB. The loop hands the
 * worker *batches*: every active job's bytes not yet handed over, in whole 64-byte MD5
 * blocks. A batch is sent when a job's slot is full or a job ends (at the end of the loop's
 * turn, so jobs ending together share one), and carries the other jobs' bytes along, which
 * is what fills the lanes: the worker hashes up to eight jobs in one call of the multi-stream
 * MD5 (md5-lanes-module.ts). One message per batch and one answer, instead of one per MiB and
 * job: each message wakes a thread, which cost ~0.4 ms of CPU per 1 MiB PUT here.
 * CRC32 / SHA-1 / SHA-256, when asked for, are computed by the worker over the same bytes.
 *
 * A slot is reused once its job has moved on and the worker has hashed all of it. Slots are
 * added 8 at a time when none is free, up to MAX_SLOTS per worker; beyond that a body is
 * refused with SlowDown (512 uploads in flight per worker, or a worker that fell that far
 * behind). The memory does not shrink: it stays at the most that was in flight.
 *
 * The worker's code is a string evaluated by the Worker (it needs only node: modules), so it
 * runs the same from the compiled server and from the TypeScript test runner.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { s3Error } from '../../domain/errors';
import { md5LanesModule } from './md5-lanes-module';

/** Algorithms node:crypto names ('md5', 'sha1', 'sha256'), and zlib's CRC32 (4 bytes, big-endian). */
export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'crc32';

const PAGE = 64 * 1024;
const SLOT_BYTES = 1024 * 1024;
/** A slot and the room after it for the MD5 padding of a body that ends at its last byte. */
const SLOT_STRIDE = SLOT_BYTES + PAGE;
/** Page 0 is the worker's: the lanes' states, pointers, counts and a scratch block. */
const CONTROL_BYTES = PAGE;
const SLOTS_PER_GROWTH = 8;
const MAX_SLOTS = 512;
const MD5_BLOCK = 64;
/** Bytes given to a worker's jobs that make a batch even before a digest is asked for. */
const FLUSH_BYTES = 8 * SLOT_BYTES;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
// The control page (CONTROL_BYTES in digest-workers.ts).
const STATE = 0, PTRS = 256, COUNTS = 512, SCRATCH = 1024;
const MD5_INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
class Crc32 {
  crc = 0;
  update(bytes) { this.crc = zlib.crc32(bytes, this.crc); }
  digest() { const digest = Buffer.alloc(4); digest.writeUInt32BE(this.crc >>> 0); return digest; }
}
let memory, kernels, bytes, words;
/** job -> { md5: its four state words, hashes: 'md5' or a hash per algorithm, others: the hashes but MD5 } */
const jobs = new Map();

function views() {
  if (bytes && bytes.length === memory.buffer.byteLength) return;
  bytes = new Uint8Array(memory.buffer);
  words = new Uint32Array(memory.buffer);
}

/** MD5 over up to eight chunks of different jobs in one kernel call. */
function md5Lanes(chunks) {
  if (chunks.length === 1 && chunks[0].final && !jobs.get(chunks[0].job).started) {
    // A whole body alone: OpenSSL's one-stream MD5 is faster than the kernel's.
    const chunk = chunks[0], job = jobs.get(chunk.job);
    job.whole = createHash('md5').update(bytes.subarray(chunk.offset, chunk.offset + chunk.length)).digest();
    return;
  }
  for (const chunk of chunks) jobs.get(chunk.job).started = true;
  if (chunks.length === 1) {
    const chunk = chunks[0], state = jobs.get(chunk.job).md5;
    words.set(state, STATE / 4);
    kernels.md5_x1(STATE, chunk.offset, chunk.blocks);
    state.set(words.subarray(STATE / 4, STATE / 4 + 4));
    return;
  }
  const width = chunks.length <= 4 ? 4 : 8;
  const stateWord = (lane, k) => (STATE + (lane >> 2) * 64 + k * 16 + (lane & 3) * 4) / 4;
  let blocks = 0;
  for (let lane = 0; lane < width; lane++) {
    const chunk = chunks[lane];
    words[PTRS / 4 + lane] = chunk ? chunk.offset : SCRATCH;
    words[COUNTS / 4 + lane] = chunk ? chunk.blocks : 0;
    if (!chunk) continue;
    const state = jobs.get(chunk.job).md5;
    for (let k = 0; k < 4; k++) words[stateWord(lane, k)] = state[k];
    blocks = Math.max(blocks, chunk.blocks);
  }
  (width === 4 ? kernels.md5_x4 : kernels.md5_x8)(STATE, PTRS, COUNTS, SCRATCH, blocks);
  for (let lane = 0; lane < chunks.length; lane++) {
    const state = jobs.get(chunks[lane].job).md5;
    for (let k = 0; k < 4; k++) state[k] = words[stateWord(lane, k)];
  }
}

function hashBatch(chunks) {
  views();
  // A job's chunks in order: its first chunk in round 0, its second in round 1...
  const rounds = [], seen = new Map();
  for (const chunk of chunks) {
    const round = seen.get(chunk.job) ?? 0;
    seen.set(chunk.job, round + 1);
    (rounds[round] ??= []).push(chunk);
  }
  for (const round of rounds) {
    // Jobs cancelled, or opened on a worker that died since, are skipped.
    const live = round.filter((chunk) => jobs.has(chunk.job)).sort((a, b) => b.blocks - a.blocks);
    for (let i = 0; i < live.length; i += 8) md5Lanes(live.slice(i, i + 8));
    for (const chunk of live) for (const hash of jobs.get(chunk.job).others) hash.update(bytes.subarray(chunk.offset, chunk.offset + chunk.length));
  }
  const finished = [];
  for (const chunk of chunks) {
    if (!chunk.final) continue;
    const job = jobs.get(chunk.job);
    jobs.delete(chunk.job);
    const digests = job && job.hashes.map((hash) => (hash !== 'md5' ? hash.digest() : job.whole ?? Buffer.from(Uint32Array.from(job.md5).buffer)));
    finished.push({ job: chunk.job, digests: digests && digests.map((d) => d.buffer.slice(d.byteOffset, d.byteOffset + d.length)) });
  }
  return finished;
}

parentPort.on('message', (message) => {
  if (message.op === 'init') {
    memory = message.memory;
    kernels = new WebAssembly.Instance(message.module, { env: { memory } }).exports;
  } else if (message.op === 'open') {
    // MD5 is always computed, in the lanes; the job's digests come back in the order asked for.
    const hashes = message.algorithms.map((a) => (a === 'md5' ? a : a === 'crc32' ? new Crc32() : createHash(a)));
    jobs.set(message.job, { md5: Uint32Array.from(MD5_INIT), started: false, whole: undefined, hashes, others: hashes.filter((hash) => hash !== 'md5') });
  } else if (message.op === 'batch') {
    parentPort.postMessage({ op: 'done', batch: message.batch, finished: hashBatch(message.chunks) });
  } else if (message.op === 'cancel') {
    jobs.delete(message.job);
  }
});
`;

interface WorkerDone {
  op: 'done';
  batch: number;
  finished: Array<{ job: number; digests: ArrayBuffer[] | undefined }>;
}

interface Pending {
  resolve(digests: Buffer[]): void;
  reject(error: Error): void;
}

/** A 1 MiB region of a worker's memory that one job fills. */
interface Slot {
  readonly offset: number;
  /** Chunks of it waiting to be sent or being hashed. */
  users: number;
  /** Its job has moved on (or ended, or was cancelled): free once `users` is 0. */
  retired: boolean;
}

/** Bytes of one job handed to the worker in one batch. */
interface Chunk {
  readonly job: number;
  readonly slot: Slot;
  /** Where in the memory the bytes start. */
  readonly offset: number;
  /** Bytes of the body (the other algorithms hash these). */
  readonly length: number;
  /** MD5 blocks from `offset`: the body's bytes, and for the last chunk its padding. */
  readonly blocks: number;
  readonly final: boolean;
}

/** The memory's compiled kernels, shared by every worker (a module can be posted to one). */
let kernelModule: WebAssembly.Module | undefined;
const MAXIMUM_PAGES = (CONTROL_BYTES + MAX_SLOTS * SLOT_STRIDE) / PAGE;

/** One worker thread, its memory, and the jobs it hashes. */
class DigestWorker {
  readonly pending = new Map<number, Pending>();
  readonly memory: WebAssembly.Memory;
  private bytes: Uint8Array;
  private readonly freeSlots: Slot[] = [];
  private slotCount = 0;
  private readonly active = new Set<DigestJob>();
  private readonly inFlight = new Map<number, Chunk[]>();
  private nextBatch = 1;
  private flushQueued = false;
  /** Bytes given since the last batch. */
  private waitingBytes = 0;
  private worker: Worker;
  private closed = false;

  constructor() {
    kernelModule ??= new WebAssembly.Module(md5LanesModule(MAXIMUM_PAGES));
    this.memory = new WebAssembly.Memory({ initial: CONTROL_BYTES / PAGE, maximum: MAXIMUM_PAGES, shared: true });
    this.bytes = new Uint8Array(this.memory.buffer);
    this.addSlots();
    this.worker = this.start();
  }

  post(message: object): void {
    this.worker.postMessage(message);
  }

  /** Copies `bytes` into the memory at `offset`. */
  write(offset: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, offset);
  }

  takeSlot(): Slot {
    if (this.freeSlots.length === 0) this.addSlots();
    const slot = this.freeSlots.pop()!;
    slot.users = 0;
    slot.retired = false;
    return slot;
  }

  /** The job is done with `slot`; it is reused once no chunk of it is still waiting. */
  retire(slot: Slot): void {
    slot.retired = true;
    if (slot.users === 0) this.freeSlots.push(slot);
  }

  /** A chunk of `slot` was hashed (or dropped). */
  release(slot: Slot): void {
    slot.users--;
    if (slot.retired && slot.users === 0) this.freeSlots.push(slot);
  }

  activate(job: DigestJob): void {
    this.active.add(job);
  }

  deactivate(job: DigestJob): void {
    this.active.delete(job);
  }

  /** Bytes were given: enough of them waiting make a batch (a lone long body's every 8 MiB). */
  gave(bytes: number): void {
    this.waitingBytes += bytes;
    if (this.waitingBytes >= FLUSH_BYTES) this.requestFlush();
  }

  /** Sends a batch at the end of this turn of the loop (once, however many jobs ask). */
  requestFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // While the worker hashes a batch, the next one grows: it is sent when that one is done.
    if (this.inFlight.size === 0) setImmediate(() => this.flush());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private flush(): void {
    if (!this.flushQueued) return;
    this.flushQueued = false;
    this.waitingBytes = 0;
    const chunks: Chunk[] = [];
    for (const job of [...this.active]) chunks.push(...job.takeChunks());
    if (chunks.length === 0) return;
    const batch = this.nextBatch++;
    this.inFlight.set(batch, chunks);
    this.post({
      op: 'batch',
      batch,
      chunks: chunks.map(({ job, offset, length, blocks, final }) => ({ job, offset, length, blocks, final })),
    });
  }

  private addSlots(): void {
    if (this.slotCount + SLOTS_PER_GROWTH > MAX_SLOTS) throw s3Error('SlowDown');
    this.memory.grow((SLOTS_PER_GROWTH * SLOT_STRIDE) / PAGE);
    this.bytes = new Uint8Array(this.memory.buffer);
    for (let i = 0; i < SLOTS_PER_GROWTH; i++) {
      this.freeSlots.push({ offset: CONTROL_BYTES + (this.slotCount + i) * SLOT_STRIDE, users: 0, retired: true });
    }
    this.slotCount += SLOTS_PER_GROWTH;
  }

  private finishBatch(reply: WorkerDone): void {
    for (const chunk of this.inFlight.get(reply.batch) ?? []) this.release(chunk.slot);
    this.inFlight.delete(reply.batch);
    if (this.flushQueued) this.flush();
    for (const { job, digests } of reply.finished) {
      const pending = this.pending.get(job);
      this.pending.delete(job);
      if (digests) pending?.resolve(digests.map((digest) => Buffer.from(digest)));
      else pending?.reject(new Error('the digest worker lost the job (it was restarted)'));
    }
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'cairn-digests' });
    worker.postMessage({ op: 'init', module: kernelModule, memory: this.memory });
    worker.on('message', (reply: WorkerDone) => this.finishBatch(reply));
    // A worker that dies fails the jobs it held (their requests answer 500) and is replaced.
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      for (const chunks of this.inFlight.values()) for (const chunk of chunks) this.release(chunk.slot);
      this.inFlight.clear();
      if (this.flushQueued) setImmediate(() => this.flush());
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
      if (!this.closed) this.worker = this.start();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`digest worker exited with code ${code}`)));
    // The server's sockets keep the process alive; a shutdown or a CLI must not wait on the
    // worker. After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    return worker;
  }
}

/** A running digest of one body: feed it the bytes in order, then `end` it (or `cancel`). */
export class DigestJob {
  private slot: Slot | undefined;
  /** Bytes written into `slot`, and how many of them were handed to the worker. */
  private filled = 0;
  private sent = 0;
  /** Full slots whose bytes wait for the next batch. */
  private waiting: Chunk[] = [];
  private total = 0;
  private ended = false;
  private done = false;
  private result: Promise<Buffer[]> | undefined;

  constructor(
    private readonly worker: DigestWorker,
    private readonly id: number,
    algorithms: readonly DigestAlgorithm[],
  ) {
    worker.post({ op: 'open', job: id, algorithms });
    worker.activate(this);
  }

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.slot && this.filled === SLOT_BYTES) this.moveOn();
      this.slot ??= this.worker.takeSlot();
      const n = Math.min(SLOT_BYTES - this.filled, chunk.length - offset);
      this.worker.write(this.slot.offset + this.filled, chunk.subarray(offset, offset + n));
      this.filled += n;
      offset += n;
    }
    this.worker.gave(chunk.length);
    this.total += chunk.length;
  }

  /**
   * Every byte has been given. The job's last bytes wait (for other jobs to share the lanes)
   * until its digests are asked for.
   */
  end(): void {
    if (this.done) throw new Error('digest job already ended');
    this.done = true;
    // The padding goes right after the last bytes, in the slot's spare room (a fresh slot if none).
    this.slot ??= this.worker.takeSlot();
    this.ended = true;
    // Another job's batch may carry the last bytes before these digests are asked for.
    this.result = new Promise<Buffer[]>((resolve, reject) => this.worker.pending.set(this.id, { resolve, reject }));
    // Awaited by `digests`; a caller that never gets there must not leave a rejection unhandled.
    this.result.catch(() => undefined);
    this.worker.requestFlush();
  }

  /** The digests, in the order of the algorithms the job was opened with; after `end`. */
  digests(): Promise<Buffer[]> {
    if (!this.result) throw new Error('digest job not ended');
    this.worker.requestFlush();
    return this.result;
  }

  /** Drops the job (the body was refused or abandoned); idempotent. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    for (const chunk of this.waiting) this.worker.release(chunk.slot);
    this.waiting = [];
    if (this.slot) this.worker.retire(this.slot);
    this.slot = undefined;
    this.worker.deactivate(this);
    this.worker.post({ op: 'cancel', job: this.id });
  }

  /** The bytes the worker has not had yet, in whole MD5 blocks; with the padding once ended. */
  takeChunks(): Chunk[] {
    const chunks = this.waiting;
    this.waiting = [];
    const slot = this.slot;
    if (this.ended) {
      const padding = md5Padding(this.total);
      this.worker.write(slot!.offset + this.filled, padding);
      chunks.push(this.chunkOf(slot!, this.sent, this.filled, padding.length, true));
      this.worker.retire(slot!);
      this.slot = undefined;
      this.worker.deactivate(this);
    } else if (slot) {
      const end = this.filled - ((this.filled - this.sent) % MD5_BLOCK);
      if (end > this.sent) chunks.push(this.chunkOf(slot, this.sent, end, 0, false));
      this.sent = end;
    }
    return chunks;
  }

  /** The slot is full and more bytes came: what was not sent waits for the next batch. */
  private moveOn(): void {
    const slot = this.slot!;
    if (this.sent < SLOT_BYTES) this.waiting.push(this.chunkOf(slot, this.sent, SLOT_BYTES, 0, false));
    this.worker.retire(slot);
    this.slot = undefined;
    this.filled = 0;
    this.sent = 0;
  }

  private chunkOf(slot: Slot, from: number, to: number, padding: number, final: boolean): Chunk {
    slot.users++;
    const length = to - from;
    return { job: this.id, slot, offset: slot.offset + from, length, blocks: (length + padding) / MD5_BLOCK, final };
  }
}

/** MD5's padding after `total` bytes: 0x80, zeros, and the length in bits (64-bit little-endian). */
function md5Padding(total: number): Buffer {
  const zeros = (MD5_BLOCK - ((total % MD5_BLOCK) + 9) % MD5_BLOCK) % MD5_BLOCK;
  const padding = Buffer.alloc(1 + zeros + 8);
  padding[0] = 0x80;
  padding.writeBigUInt64LE(BigInt(total) * 8n, 1 + zeros);
  return padding;
}

export class DigestWorkers {
  private static instance: DigestWorkers | undefined;
  private readonly workers: DigestWorker[];
  private nextJob = 1;

  /** Bodies at least this large are hashed on a worker; smaller ones are cheaper on the loop. */
  static readonly MIN_BYTES = SLOT_BYTES;

  private constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new DigestWorker());
  }

  /** The process's workers: one per core beyond the event loop's (at least one, at most four). */
  static shared(): DigestWorkers {
    return (DigestWorkers.instance ??= new DigestWorkers(Math.min(4, Math.max(1, availableParallelism() - 1))));
  }

  open(algorithms: readonly DigestAlgorithm[]): DigestJob {
    const id = this.nextJob++;
    return new DigestJob(this.workers[id % this.workers.length], id, algorithms);
  }

  static async closeShared(): Promise<void> {
    const instance = DigestWorkers.instance;
    DigestWorkers.instance = undefined;
    await Promise.all(instance?.workers.map((worker) => worker.close()) ?? []);
  }
}
