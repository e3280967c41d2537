/**
 * MD5 and SHA digests of request bodies computed on worker threads, so that the event loop's
 * core is not the ceiling for large PUTs (issue 2: "use both cores"). MD5, needed for every
 * ETag, runs at about 620 MB/s on one core here: for a 1 MiB PUT it was a quarter of the
 * event loop's time.
 *
 * A digest job belongs to one worker (bytes of one body must be hashed in order). The bytes
 * travel in 1 MiB staging buffers that are *transferred* to the worker and back, never
 * cloned: one copy into the staging buffer on the loop (a memcpy, far cheaper than hashing),
 * one message per MiB. Only bodies of MIN_BYTES and more are hashed here: each message wakes
 * a thread, which costs real CPU (~0.4 ms per 1 MiB PUT here). Where the drives' flushes
 * bound a 1 MiB PUT that bought nothing (an earlier machine, docs/performance.md); where the
 * event loop bounds it, it bought 13-17% more PUT 1 MiB throughput (2026-12-02).
 *
 * The worker's code is a string evaluated by the Worker (it needs only node:crypto, node:zlib
 * and the source text of the self-contained CRC64NVME), so it runs the same from the compiled
 * server and from the TypeScript test runner.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { defineCrc64Nvme } from './crc64-nvme';

/**
 * Algorithms node:crypto names ('md5', 'sha1', 'sha256'), zlib's CRC32 (4 bytes, big-endian)
 * and CRC64NVME (8 bytes, big-endian).
 */
export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'crc32' | 'crc64nvme';

const STAGING_BYTES = 1024 * 1024;
/** Staging buffers kept for reuse once the worker hands them back (16 MiB). */
const SPARE_BUFFERS = 16;

/**
 * The CRC64NVME the worker evaluates from source, tried here first, where it is evaluated the
 * same way: a transform that left the source depending on something outside itself would
 * otherwise make every worker fail as it starts. (`__name`: a test runner's transform may wrap
 * named functions in calls to it.) Without it, CRC64NVME stays on the event loop.
 */
const CRC64_SOURCE = `(${defineCrc64Nvme.toString()})()`;
const NAME_SHIM = 'var __name = (target) => target;';

function evaluatesAlone(source: string): boolean {
  try {
    const Crc64 = new Function(`${NAME_SHIM} return ${source};`)() as ReturnType<typeof defineCrc64Nvme>;
    const check = new Crc64();
    check.update(Buffer.from('123456789'));
    return check.digest().toString('hex') === 'ae8b14860a799888';
  } catch {
    return false;
  }
}

const WORKER_HAS_CRC64 = evaluatesAlone(CRC64_SOURCE);

const WORKER_SOURCE = `
${NAME_SHIM}
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
class Crc32 {
  crc = 0;
  update(bytes) { this.crc = zlib.crc32(bytes, this.crc); }
  digest() { const digest = Buffer.alloc(4); digest.writeUInt32BE(this.crc >>> 0); return digest; }
}
const Crc64Nvme = ${WORKER_HAS_CRC64 ? CRC64_SOURCE : 'undefined'};
const hasherFor = (algorithm) => (algorithm === 'crc32' ? new Crc32() : algorithm === 'crc64nvme' ? new Crc64Nvme() : createHash(algorithm));
const jobs = new Map();
parentPort.on('message', (message) => {
  if (message.op === 'open') {
    jobs.set(message.job, message.algorithms.map(hasherFor));
  } else if (message.op === 'update') {
    const hashes = jobs.get(message.job);
    const bytes = new Uint8Array(message.buffer, 0, message.length);
    if (hashes) for (const hash of hashes) hash.update(bytes);
    parentPort.postMessage({ op: 'spare', buffer: message.buffer }, [message.buffer]);
  } else if (message.op === 'end') {
    const hashes = jobs.get(message.job);
    jobs.delete(message.job);
    // A job opened on a worker that died before this one took over: only that job fails.
    if (!hashes) return parentPort.postMessage({ op: 'digests', job: message.job, unknown: true });
    const digests = hashes.map((hash) => hash.digest());
    parentPort.postMessage({ op: 'digests', job: message.job, digests: digests.map((d) => d.buffer.slice(d.byteOffset, d.byteOffset + d.length)) });
  } else if (message.op === 'cancel') {
    jobs.delete(message.job);
  }
});
`;

type WorkerReply = { op: 'spare'; buffer: ArrayBuffer } | { op: 'digests'; job: number; digests: ArrayBuffer[] } | { op: 'digests'; job: number; unknown: true };

interface Pending {
  resolve(digests: Buffer[]): void;
  reject(error: Error): void;
}

/** One worker thread and the jobs waiting for its answers. */
class DigestWorker {
  readonly pending = new Map<number, Pending>();
  private worker: Worker;
  private closed = false;

  constructor(private readonly spares: ArrayBuffer[]) {
    this.worker = this.start();
  }

  post(message: object, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'cairn-digests' });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'spare') {
        if (this.spares.length < SPARE_BUFFERS) this.spares.push(reply.buffer);
        return;
      }
      const pending = this.pending.get(reply.job);
      this.pending.delete(reply.job);
      if ('unknown' in reply) pending?.reject(new Error('the digest worker that held this job was replaced'));
      else pending?.resolve(reply.digests.map((digest) => Buffer.from(digest)));
    });
    // A worker that dies fails the jobs it held (their requests answer 500) and is replaced.
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
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
  private staging: ArrayBuffer | undefined;
  private filled = 0;
  private done = false;

  constructor(
    private readonly pool: DigestWorkers,
    private readonly worker: DigestWorker,
    private readonly id: number,
    algorithms: readonly DigestAlgorithm[],
  ) {
    worker.post({ op: 'open', job: id, algorithms });
  }

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      this.staging ??= this.pool.takeStagingBuffer();
      const n = Math.min(STAGING_BYTES - this.filled, chunk.length - offset);
      new Uint8Array(this.staging, this.filled, n).set(chunk.subarray(offset, offset + n));
      this.filled += n;
      offset += n;
      if (this.filled === STAGING_BYTES) this.send();
    }
  }

  /** The digests, in the order of the algorithms the job was opened with. */
  end(): Promise<Buffer[]> {
    if (this.done) throw new Error('digest job already ended');
    this.done = true;
    if (this.filled > 0) this.send();
    const digests = new Promise<Buffer[]>((resolve, reject) => this.worker.pending.set(this.id, { resolve, reject }));
    this.worker.post({ op: 'end', job: this.id });
    return digests;
  }

  /** Drops the job (the body was refused or abandoned); idempotent. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.worker.post({ op: 'cancel', job: this.id });
  }

  private send(): void {
    const buffer = this.staging!;
    this.worker.post({ op: 'update', job: this.id, buffer, length: this.filled }, [buffer]);
    this.staging = undefined;
    this.filled = 0;
  }
}

export class DigestWorkers {
  private static instance: DigestWorkers | undefined;
  private readonly workers: DigestWorker[];
  private readonly spares: ArrayBuffer[] = [];
  private nextJob = 1;

  /** Bodies at least this large are hashed on a worker; smaller ones are cheaper on the loop. */
  static readonly MIN_BYTES = STAGING_BYTES;

  /** Whether the workers compute CRC64NVME (else it stays with the caller). */
  static readonly computesCrc64Nvme = WORKER_HAS_CRC64;

  private constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new DigestWorker(this.spares));
  }

  /** The process's workers: one per core beyond the event loop's (at least one, at most four). */
  static shared(): DigestWorkers {
    return (DigestWorkers.instance ??= new DigestWorkers(Math.min(4, Math.max(1, availableParallelism() - 1))));
  }

  open(algorithms: readonly DigestAlgorithm[]): DigestJob {
    const id = this.nextJob++;
    return new DigestJob(this, this.workers[id % this.workers.length], id, algorithms);
  }

  takeStagingBuffer(): ArrayBuffer {
    return this.spares.pop() ?? new ArrayBuffer(STAGING_BYTES);
  }

  static async closeShared(): Promise<void> {
    const instance = DigestWorkers.instance;
    DigestWorkers.instance = undefined;
    await Promise.all(instance?.workers.map((worker) => worker.close()) ?? []);
  }
}
