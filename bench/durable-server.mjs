#!/usr/bin/env node
// The "durable" floor server: the null server plus the least work that issue 2's rules force
// on every PUT, and nothing else. It is not an S3 server (no buckets, no versions, no reads of
// what it stored: GET and LIST answer as the null server does); it measures, in the same run
// as cairn and s3rver, what a PUT costs on this machine once it is made durable the way cairn
// must make it durable:
//
//   - the SigV4 Authorization header verified (one SHA-256 and one HMAC; the key cached a day),
//     and with a signed payload (bench --signed-payload) the body's SHA-256 checked too;
//   - the body's MD5 (the ETag) and its CRC32 (x-amz-checksum-crc32) computed and checked;
//   - the body erasure coded 2+2 in blocks of 1 MiB with cairn's codec, and every shard
//     HighwayHashed with cairn's bitrot hash;
//   - per drive (4 directories, one LMDB environment each, opened as cairn opens them): an
//     event record, hash-chained to the drive's previous one (over the event, as cairn's
//     chain is), and a projection entry, in one durable transaction, with cairn's group
//     commit; objects up to 128 KiB carry their shards inside the record, larger ones first
//     write them with O_DIRECT into one growing segment file per drive and fdatasync it (one
//     sync shared by the uploads waiting);
//   - 200 with the ETag once all four drives have it on stable storage.
//
// What it leaves out is everything cairn does beyond that: buckets, keys' locks, versioning,
// the decision, undo records, listing order, healing, the audit fields, error handling.
// Large bodies are hashed on one worker thread (MD5 and CRC32 from shared memory, while the
// loop codes and writes), as cairn does, and each 1 MiB block is hashed, coded and written as
// soon as it has arrived, with no limit on the blocks in flight (cairn keeps one block's write
// in flight per upload while it codes the next). Needs `npm run build` (it loads cairn's codec,
// bitrot hash and group commit from dist/).
// Usage: node bench/durable-server.mjs --port N --data DIR [--address 127.0.0.1]
import http from 'node:http';
import path from 'node:path';
import { promises as fs, constants, mkdirSync } from 'node:fs';
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CoalescedSync } from './lib/coalesced-sync.mjs';
import { nextEventId, openDriveEnvironment } from './lib/drive-environment.mjs';
import { signingKey } from './lib/sigv4-signer.mjs';
import { createNullHandler, parseTarget, send, answerPut, exitWithParent, option } from './lib/null-handler.mjs';

const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cairn = (module) => createRequire(import.meta.url)(path.join(REPO_DIR, 'dist', 'src', 'infra', module));
const { ReedSolomonCodec } = cairn('erasure/reed-solomon.js');
const { bitrotHash } = cairn('erasure/bitrot.js');
const { shardSizeFor: shardSizeOf } = cairn('erasure/block-layout.js');
const { GroupCommit } = cairn('eventlog/group-commit.js');
const { encodeEventRecord } = cairn('eventlog/event-record.js');

const port = Number(option('--port', 9101));
const address = option('--address', '127.0.0.1');
const dataDir = option('--data', null);
if (!dataDir) throw new Error('--data DIR is required');
const ACCESS_KEY = 'benchadmin';
const SECRET_KEY = 'benchadmin-secret';

const KiB = 1024;
const MiB = 1024 * KiB;
const DATA_SHARDS = 2;
const PARITY_SHARDS = 2;
const DRIVE_COUNT = DATA_SHARDS + PARITY_SHARDS;
const BLOCK_SIZE = MiB;
const INLINE_LIMIT = 128 * KiB;
const DIRECT_IO_ALIGNMENT = 4096;
const XML = 'application/xml';

const codec = new ReedSolomonCodec(DATA_SHARDS, PARITY_SHARDS);
const shardSizeFor = (blockLength) => shardSizeOf(blockLength, DATA_SHARDS);
const alignUp = (n, to) => Math.ceil(n / to) * to;

// ---- SigV4 (header form), checked as any S3 server must

const signingKeys = new Map();
function cachedSigningKey(day, region) {
  const scope = `${day}/${region}`;
  if (!signingKeys.has(scope)) signingKeys.set(scope, signingKey(SECRET_KEY, day, region));
  return signingKeys.get(scope);
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

function signatureValid(req) {
  const m = AUTHORIZATION.exec(req.headers.authorization ?? '');
  if (!m || m[1] !== ACCESS_KEY) return false;
  const [, , day, region, signedHeaders, signature] = m;
  let canonicalHeaders = '';
  for (const name of signedHeaders.split(';')) canonicalHeaders += name + ':' + String(req.headers[name] ?? '').trim() + '\n';
  const { path: uriPath, query } = parseTarget(req.url);
  const canonicalQuery = query ? query.split('&').sort().join('&') : '';
  const canonical = `${req.method}\n${uriPath}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${req.headers['x-amz-content-sha256']}`;
  const stringToSign =
    `AWS4-HMAC-SHA256\n${req.headers['x-amz-date']}\n${day}/${region}/s3/aws4_request\n` +
    createHash('sha256').update(canonical).digest('hex');
  return createHmac('sha256', cachedSigningKey(day, region)).update(stringToSign).digest('hex') === signature;
}

// ---- page-aligned shared memory: bodies the digest worker reads in place, and O_DIRECT writes

class AlignedSlots {
  constructor(slotSize, count, bodyBytes) {
    this.slotSize = slotSize;
    this.bodyBytes = bodyBytes;
    this.memory = new WebAssembly.Memory({ initial: (slotSize * count) / (64 * KiB), maximum: (slotSize * count) / (64 * KiB), shared: true });
    this.free = Array.from({ length: count }, (_, i) => i * slotSize);
    this.waiting = [];
  }
  /** Resolves with the byte offset of a free slot in `memory`. */
  take() {
    const offset = this.free.pop();
    return offset !== undefined ? Promise.resolve(offset) : new Promise((resolve) => this.waiting.push(resolve));
  }
  give(offset) {
    const next = this.waiting.shift();
    if (next) next(offset);
    else this.free.push(offset);
  }
  view(offset, length) {
    return Buffer.from(this.memory.buffer, offset, length);
  }
}

// A large body's slot holds it, rounded up to whole blocks, then every block's parity (blocks
// are coded and written while later ones arrive, each into its own parity), then a stage for a
// short last block's shards (O_DIRECT wants each one page-aligned).
const parityBytes = (bodyBytes) => (bodyBytes / BLOCK_SIZE) * shardSizeFor(BLOCK_SIZE) * PARITY_SHARDS;
const STAGE_BYTES = DRIVE_COUNT * (BLOCK_SIZE / DATA_SHARDS);
const largeSlots = (bodyBytes, count) => new AlignedSlots(bodyBytes + parityBytes(bodyBytes) + STAGE_BYTES, count, bodyBytes);
const LARGE_SLOTS = { '1m': largeSlots(MiB, 16), '32m': largeSlots(32 * MiB, 3) };
const slotsFor = (length) => (length <= MiB ? LARGE_SLOTS['1m'] : length <= 32 * MiB ? LARGE_SLOTS['32m'] : undefined);

/**
 * MD5, CRC32 and (for signed payloads) SHA-256 of large bodies, read in place from the slots'
 * shared memory block by block as they arrive (the last block's message asks for the digests).
 */
class DigestWorker {
  constructor() {
    this.pending = new Map();
    this.nextId = 0;
    this.worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { createHash } = require('node:crypto');
       const { crc32 } = require('node:zlib');
       const memories = [];
       const jobs = new Map();
       parentPort.on('message', (m) => {
         if (m.memory) return void memories.push(m.memory);
         let job = jobs.get(m.id);
         if (!job) jobs.set(m.id, (job = { md5: createHash('md5'), crc32: 0, sha256: m.sha256 ? createHash('sha256') : undefined }));
         const bytes = Buffer.from(memories[m.slots], m.offset, m.length);
         job.md5.update(bytes);
         job.crc32 = crc32(bytes, job.crc32);
         job.sha256?.update(bytes);
         if (!m.last) return;
         jobs.delete(m.id);
         parentPort.postMessage({ id: m.id, md5: job.md5.digest('hex'), crc32: job.crc32, sha256: job.sha256?.digest('hex') });
       });`,
      { eval: true },
    );
    this.worker.unref();
    this.slotIndex = new Map();
    for (const slots of Object.values(LARGE_SLOTS)) {
      this.slotIndex.set(slots, this.slotIndex.size);
      this.worker.postMessage({ memory: slots.memory.buffer });
    }
    this.worker.on('message', ({ id, ...digests }) => {
      this.pending.get(id)(digests);
      this.pending.delete(id);
    });
  }
  /** A body's digests, fed with `update(offset, length, last)` in order; resolves after the last. */
  open(slots, sha256) {
    const id = this.nextId++;
    const slotsIndex = this.slotIndex.get(slots);
    let done;
    const digests = new Promise((resolve) => (done = resolve));
    return {
      digests,
      update: (offset, length, last) => {
        if (last) this.pending.set(id, done);
        this.worker.postMessage({ id, slots: slotsIndex, offset, length, last, sha256 });
      },
    };
  }
}
const digestWorker = new DigestWorker();

// ---- the drives: an LMDB environment each (as cairn opens it) and a growing segment file

async function openDrive(slot) {
  const dir = path.join(dataDir, `d${slot + 1}`);
  mkdirSync(dir, { recursive: true });
  const env = openDriveEnvironment(dir);
  const segmentFile = path.join(dir, 'segment');
  // As cairn: O_DIRECT where the file system has it (tmpfs has not), the page cache otherwise.
  const segment = await fs
    .open(segmentFile, constants.O_RDWR | constants.O_CREAT | constants.O_DIRECT)
    .catch(() => fs.open(segmentFile, constants.O_RDWR | constants.O_CREAT));
  return {
    slot,
    env,
    events: env.openDB({ name: 'events', keyEncoding: 'binary', encoding: 'binary' }),
    objects: env.openDB({ name: 'objects', keyEncoding: 'binary', encoding: 'json' }),
    groupCommit: new GroupCommit(),
    seq: 0,
    chainHash: Buffer.alloc(32),
    segment,
    segmentEnd: 0,
    segmentSync: new CoalescedSync(() => segment.datasync()),
  };
}
const drives = await Promise.all(Array.from({ length: DRIVE_COUNT }, (_, slot) => openDrive(slot)));

/** Appends the event to every drive's log, chained to its previous record, with its projection entry. */
function commitEverywhere(event, objectKey, shardsOf) {
  const json = Buffer.from(JSON.stringify(event));
  const projection = { size: event.size, etag: event.etag, time: event.time, eventId: event.id, placement: event.placement };
  return Promise.all(
    drives.map((drive) =>
      drive.groupCommit.run(() => {
        // cairn's record: the chain covers the event (which names the size, ETag and checksum),
        // the shard behind it has its own bitrot hash.
        const { bytes: record, hash } = encodeEventRecord(++drive.seq, drive.chainHash, json, shardsOf(drive.slot));
        drive.chainHash = hash;
        const id = Buffer.from(event.id, 'hex');
        // Both writes land in one transaction: the second's promise reports its outcome.
        void drive.events.put(id, record).catch(() => {});
        return drive.objects.put(objectKey, projection);
      }),
    ),
  );
}

// ---- PUT

async function putSmall(req, res, bucket, key, length) {
  const body = Buffer.allocUnsafe(length);
  const md5 = createHash('md5');
  const sha256 = signedPayloadHash(req) ? createHash('sha256') : undefined;
  let received = 0;
  let crc = 0;
  for await (const chunk of req) {
    // Bytes past the declared length are counted, not stored: the answer waits for the whole body.
    if (received + chunk.length <= length) chunk.copy(body, received);
    received += chunk.length;
    md5.update(chunk);
    sha256?.update(chunk);
    crc = crc32(chunk, crc);
  }
  const refused = bodyRefusal(req, received, length, crc, sha256?.digest('hex'));
  if (refused) return send(res, 400, XML, Buffer.from(`<Error><Code>${refused}</Code></Error>`));
  const etag = md5.digest('hex');
  // One block: k data shards (the body, zero padded) and m parity shards, each behind its hash.
  const shardSize = shardSizeFor(length);
  const data = Buffer.alloc(shardSize * DATA_SHARDS);
  body.copy(data);
  const parity = Buffer.alloc(shardSize * PARITY_SHARDS);
  await codec.encodeParity(data, parity, shardSize);
  const frames = Array.from({ length: DRIVE_COUNT }, (_, i) => {
    const shard = i < DATA_SHARDS ? data.subarray(i * shardSize, (i + 1) * shardSize) : parity.subarray((i - DATA_SHARDS) * shardSize, (i - DATA_SHARDS + 1) * shardSize);
    return Buffer.concat([bitrotHash(shard), shard]);
  });
  const event = { type: 'ObjectPut', v: 1, id: nextEventId().toString('hex'), time: Date.now(), bucket, key, size: length, etag, crc32: crc };
  await commitEverywhere(event, Buffer.from(`${bucket}\0${key}`), (slot) => frames[slot]);
  answerPut(res, `"${etag}"`);
}

async function putLarge(req, res, bucket, key, length, slots) {
  const slot = await slots.take();
  const hashing = digestWorker.open(slots, signedPayloadHash(req) !== undefined);
  const blockCount = Math.ceil(length / BLOCK_SIZE);
  const written = [];
  try {
    const body = slots.view(slot, alignUp(length, BLOCK_SIZE));
    // Each block is hashed, coded and written as soon as its last byte arrives, while the
    // next ones arrive: the least a large PUT waits for is the drives' bandwidth.
    let received = 0;
    let nextBlock = 0;
    const blockArrived = (index) => {
      const offset = index * BLOCK_SIZE;
      const blockLength = Math.min(BLOCK_SIZE, length - offset);
      hashing.update(slot + offset, blockLength, index === blockCount - 1);
      written.push(writeBlock(slots, slot, body, index, blockLength));
    };
    for await (const chunk of req) {
      if (received + chunk.length <= length) chunk.copy(body, received);
      received += chunk.length;
      while (nextBlock < blockCount && Math.min(received, length) >= Math.min((nextBlock + 1) * BLOCK_SIZE, length)) blockArrived(nextBlock++);
    }
    if (received !== length) return send(res, 400, XML, Buffer.from('<Error><Code>IncompleteBody</Code></Error>'));
    // Settled, not raced: no write may still read the slot once it is given back.
    const writes = await Promise.allSettled(written);
    const failed = writes.find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all(drives.map((drive) => drive.segmentSync.sync()));
    const { md5, crc32: crc, sha256 } = await hashing.digests;
    const refused = bodyRefusal(req, received, length, crc, sha256);
    if (refused) return send(res, 400, XML, Buffer.from(`<Error><Code>${refused}</Code></Error>`));
    const placement = writes.map((write) => write.value);
    const event = { type: 'ObjectPut', v: 1, id: nextEventId().toString('hex'), time: Date.now(), bucket, key, size: length, etag: md5, crc32: crc, placement };
    await commitEverywhere(event, Buffer.from(`${bucket}\0${key}`), () => Buffer.alloc(0));
    answerPut(res, `"${md5}"`);
  } finally {
    await Promise.allSettled(written);
    // The worker reads the slot until it has hashed the last block (a body cut short never sends it).
    if (written.length === blockCount) await hashing.digests;
    slots.give(slot);
  }
}

/** Codes block `index` of the body in slot `slot` into its own parity and writes its shards to the segments. */
async function writeBlock(slots, slot, body, index, blockLength) {
  const shardSize = shardSizeFor(blockLength);
  const data = body.subarray(index * BLOCK_SIZE, index * BLOCK_SIZE + shardSize * DATA_SHARDS);
  data.fill(0, blockLength);
  const parityAt = slot + slots.bodyBytes + index * shardSizeFor(BLOCK_SIZE) * PARITY_SHARDS;
  const parity = slots.view(parityAt, shardSize * PARITY_SHARDS);
  // Every drive's extent is reserved before the first await, in the blocks' order.
  const bytes = alignUp(shardSize, DIRECT_IO_ALIGNMENT);
  const offsets = drives.map((drive) => {
    const at = drive.segmentEnd;
    drive.segmentEnd += bytes;
    return at;
  });
  await codec.encodeParity(data, parity, shardSize);
  const shards = Array.from({ length: DRIVE_COUNT }, (_, i) =>
    i < DATA_SHARDS ? data.subarray(i * shardSize, (i + 1) * shardSize) : parity.subarray((i - DATA_SHARDS) * shardSize, (i - DATA_SHARDS + 1) * shardSize),
  );
  const hashes = shards.map((shard) => bitrotHash(shard).toString('hex'));
  // Full blocks' shards sit page-aligned where they are; a short (last) block's are staged.
  const stage = slots.view(slot + slots.slotSize - STAGE_BYTES, STAGE_BYTES);
  const aligned =
    bytes === shardSize
      ? shards
      : shards.map((shard, i) => {
          shard.copy(stage, i * bytes);
          return stage.subarray(i * bytes, i * bytes + shardSize);
        });
  const writes = await Promise.allSettled(
    drives.map((drive) => {
      const shard = aligned[drive.slot];
      return drive.segment.write(Buffer.from(shard.buffer, shard.byteOffset, bytes), 0, bytes, offsets[drive.slot]);
    }),
  );
  const failed = writes.find((write) => write.status === 'rejected');
  if (failed) throw failed.reason;
  return { shardSize, hashes, offsets };
}

/** x-amz-content-sha256 when it is the body's SHA-256 (hex), which must then be checked. */
function signedPayloadHash(req) {
  const value = req.headers['x-amz-content-sha256'];
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}

/** The S3 error code a received body earns (its length, its signed SHA-256, its CRC32 header), or undefined. */
function bodyRefusal(req, received, length, crc, sha256) {
  if (received !== length) return 'IncompleteBody';
  if (sha256 !== undefined && sha256 !== signedPayloadHash(req)) return 'XAmzContentSHA256Mismatch';
  const header = req.headers['x-amz-checksum-crc32'];
  if (header === undefined) return undefined;
  const expected = Buffer.alloc(4);
  expected.writeUInt32BE(crc);
  return header === expected.toString('base64') ? undefined : 'BadDigest';
}

// ---- the server

const answerLikeNull = createNullHandler();
const server = http.createServer((req, res) => {
  const { path: uriPath, key } = parseTarget(req.url);
  if (req.method !== 'PUT' || !key) return answerLikeNull(req, res);
  if (!signatureValid(req)) return send(res, 403, XML, Buffer.from('<Error><Code>SignatureDoesNotMatch</Code></Error>'));
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length)) return send(res, 411, XML, Buffer.from('<Error><Code>MissingContentLength</Code></Error>'));
  const bucket = decodeURIComponent(uriPath.slice(1, uriPath.indexOf('/', 1)));
  const large = length > INLINE_LIMIT ? slotsFor(length) : undefined;
  if (length > INLINE_LIMIT && !large) return send(res, 400, XML, Buffer.from('<Error><Code>EntityTooLarge</Code></Error>'));
  const put = large ? putLarge(req, res, bucket, key, length, large) : putSmall(req, res, bucket, key, length);
  put.catch((error) => {
    console.error(error);
    if (!res.headersSent) send(res, 500, XML, Buffer.from('<Error><Code>InternalError</Code></Error>'));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, address, () => console.log(`durable floor server listening on ${address}:${port}, drives under ${dataDir}`));
exitWithParent();
