/**
 * Tools for fault tests (test/fault/): deterministic object contents, a seeded random
 * generator, reading a GET body up to a cut connection, and looking at a drive directory
 * from outside the server (shard files, the staging directory, its LMDB log and projections).
 */
import { ListObjectsV2Command, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { createCipheriv, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ObjectVersion } from '../../src/domain/object-version';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { eventIdFromBytes, eventIdToBytes } from '../../src/infra/eventlog/event-id';
import { decodeEventRecord, inlineShardRange } from '../../src/infra/eventlog/event-record';

export const md5Hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A progress line on the test's stdout (console.log would add vitest's header to every line). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** `size` pseudo-random bytes that depend only on `seed` (AES-128-CTR keystream: fast). */
export function contentFor(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** mulberry32: a small seeded generator, so that a failing run can be replayed by its seed. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    /** `count` distinct items. */
    sample: <T>(items: readonly T[], count: number): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy.slice(0, count);
    },
  };
}

/** What a GET body stream delivered before it ended or broke. */
export interface ReceivedBody {
  readonly bytes: Buffer;
  /** Set when the stream failed (connection cut, checksum mismatch...). */
  readonly error: unknown;
}

export async function receiveBody(body: unknown): Promise<ReceivedBody> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    return { bytes: Buffer.concat(chunks), error: undefined };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

/** The HTTP status of an SDK error that came from an S3 error response, else undefined. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function describeError(error: unknown): string {
  if (error instanceof S3ServiceException) return `${error.name} (${error.$metadata.httpStatusCode})`;
  const e = error as { code?: string; name?: string; message?: string };
  return `${e?.code ?? e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
}

export async function listAll(s3: S3Client, bucket: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const c of page.Contents ?? []) objects.push({ key: c.Key!, size: c.Size!, etag: (c.ETag ?? '').replace(/"/g, '') });
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---- a drive directory seen from outside ----

export const shardFilePath = (drive: string, dataDir: string) => path.join(drive, 'shards', dataDir.slice(-2), `${dataDir}.shard`);

/** Names in the drive's staging directory (tmp/). */
export async function stagingEntries(drive: string): Promise<string[]> {
  return fs.readdir(path.join(drive, 'tmp'));
}

/**
 * Where a drive keeps its shard of `dataDir`: a range of one of its segment files (the drive's
 * placement table says which), or a shard file of its own. Undefined when it has neither.
 * Reads the drive's LMDB read-only, which works while the server runs.
 */
export async function locateShard(drive: string, dataDir: string): Promise<{ file: string; offset: number; length: number; inSegment: boolean } | undefined> {
  const placement = await withDriveDatabase(drive, { readOnly: true }, (db) => db.placements.get(dataDir));
  if (placement) return { file: path.join(drive, 'segments', `${placement.segment}.seg`), offset: placement.offset, length: placement.bytes, inSegment: true };
  const file = shardFilePath(drive, dataDir);
  const stat = await fs.stat(file).catch(() => undefined);
  return stat ? { file, offset: 0, length: stat.size, inSegment: false } : undefined;
}

async function requireShard(drive: string, dataDir: string) {
  const where = await locateShard(drive, dataDir);
  if (!where) throw new Error(`${drive} holds no shard of ${dataDir}`);
  return where;
}

/** The bytes of a drive's shard of `dataDir` (its frames, as a shard file would hold them). */
export async function readShard(drive: string, dataDir: string): Promise<Buffer> {
  const where = await requireShard(drive, dataDir);
  const handle = await fs.open(where.file, 'r');
  try {
    const bytes = Buffer.alloc(where.length);
    const { bytesRead } = await handle.read(bytes, 0, where.length, where.offset);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Flips (xor 0xff) byte `at` of a drive's shard of `dataDir`. */
export async function flipShardByte(drive: string, dataDir: string, at: number): Promise<void> {
  const where = await requireShard(drive, dataDir);
  if (at >= where.length) throw new Error(`the shard of ${dataDir} on ${drive} has no byte ${at}`);
  await flipFileByte(where.file, where.offset + at);
}

/** Overwrites a drive's shard of `dataDir` with `bytes` (as long as the shard). */
export async function writeShard(drive: string, dataDir: string, bytes: Buffer): Promise<void> {
  const where = await requireShard(drive, dataDir);
  const handle = await fs.open(where.file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, where.offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Cuts a drive's shard of `dataDir` short after its first `keep` bytes: the shard file, or the
 * segment file holding it (which cuts whatever the segment holds after it too).
 */
export async function truncateShard(drive: string, dataDir: string, keep: number): Promise<void> {
  const where = await requireShard(drive, dataDir);
  const { size } = await fs.stat(where.file);
  if (where.offset + keep < size) await fs.truncate(where.file, where.offset + keep);
}

/**
 * Makes a drive lose its shard of `dataDir`: the shard file is deleted, or the segment's
 * placement row (the server then finds no shard there; its extent stays reserved until the
 * next start-up frees it).
 */
export async function removeShard(drive: string, dataDir: string): Promise<void> {
  const where = await requireShard(drive, dataDir);
  if (!where.inSegment) return fs.rm(where.file);
  await withDriveDatabase(drive, { readOnly: false }, (db) => db.placements.remove(dataDir));
}

/** Data dir ids of every shard a drive holds: in its segments and in shard files. */
export async function committedShards(drive: string): Promise<string[]> {
  const inSegments = await withDriveDatabase(drive, { readOnly: true }, (db) => [...db.placements.getKeys()] as string[]);
  return [...inSegments, ...(await committedShardFiles(drive))];
}

/** Data dir ids of every committed shard file (shards/xx/<dataDir>.shard); other names are returned as-is. */
export async function committedShardFiles(drive: string): Promise<string[]> {
  const root = path.join(drive, 'shards');
  const found: string[] = [];
  for (const xx of await fs.readdir(root)) {
    for (const name of await fs.readdir(path.join(root, xx))) found.push(name.endsWith('.shard') ? name.slice(0, -'.shard'.length) : `${xx}/${name}`);
  }
  return found;
}

export interface ProjectedVersion {
  readonly bucket: string;
  readonly key: string;
  readonly version: ObjectVersion;
}

export interface LoggedEvent {
  readonly id: string;
  readonly seq: number;
  /** The event as logged (JSON), not upcast. */
  readonly event: Record<string, any>;
  readonly inlineLength: number;
}

/**
 * Opens a drive's LMDB environment, runs `use`, closes it. LMDB allows readers in other
 * processes, so `readOnly` works while the server runs.
 */
export async function withDriveDatabase<T>(drive: string, options: { readOnly: boolean }, use: (db: DriveDatabase) => T | Promise<T>): Promise<T> {
  const db = DriveDatabase.open(drive, options);
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/** Every object version in the drive's projection. */
export function projectedVersions(db: DriveDatabase): ProjectedVersion[] {
  const versions: ProjectedVersion[] = [];
  for (const { key, value } of db.objects.getRange()) {
    const bytes = key as Buffer;
    const sep = bytes.indexOf(0);
    versions.push({ bucket: bytes.toString('utf8', 0, sep), key: bytes.toString('utf8', sep + 1, bytes.length - 9), version: value });
  }
  return versions;
}

/** The drive's event log in order (optionally after an event id). */
export function loggedEvents(db: DriveDatabase, afterId?: string): LoggedEvent[] {
  const events: LoggedEvent[] = [];
  const start = afterId ? eventIdToBytes(afterId) : undefined;
  for (const { key, value } of db.events.getRange(start ? { start } : {})) {
    const id = eventIdFromBytes(key as Buffer);
    if (id === afterId) continue;
    const record = decodeEventRecord(value);
    events.push({ id, seq: record.seq, event: JSON.parse(record.json), inlineLength: record.inline.length });
  }
  return events;
}

/**
 * Flips one byte of the inline shard stored in a drive's record of event `eventId`
 * (`at` picks the byte: an index into the inline part, taken modulo its length).
 * The server must not be running (this writes the drive's LMDB).
 */
export async function flipInlineShardByte(drive: string, eventId: string, at: number): Promise<number> {
  return withDriveDatabase(drive, { readOnly: false }, async (db) => {
    const key = eventIdToBytes(eventId);
    const stored = db.events.get(key);
    if (!stored) throw new Error(`event ${eventId} is not in the log of ${drive}`);
    const bytes = Buffer.from(stored);
    const inline = inlineShardRange(bytes);
    if (inline.end === inline.start) throw new Error(`event ${eventId} carries no inline shard on ${drive}`);
    const offset = inline.start + (at % (inline.end - inline.start));
    bytes[offset] ^= 0xff;
    await db.events.put(key, bytes);
    return offset;
  });
}

/** The inline shard bytes in a drive's record of event `eventId` (empty when it has none). */
export async function inlineShardOf(drive: string, eventId: string): Promise<Buffer> {
  return withDriveDatabase(drive, { readOnly: true }, (db) => {
    const stored = db.events.get(eventIdToBytes(eventId));
    if (!stored) throw new Error(`event ${eventId} is not in the log of ${drive}`);
    const bytes = Buffer.from(stored);
    const inline = inlineShardRange(bytes);
    return bytes.subarray(inline.start, inline.end);
  });
}

/** Flips (xor 0xff) the byte at `offset` of a file. */
export async function flipFileByte(file: string, offset: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    const one = Buffer.alloc(1);
    const { bytesRead } = await handle.read(one, 0, 1, offset);
    if (bytesRead !== 1) throw new Error(`${file} has no byte at ${offset}`);
    one[0] ^= 0xff;
    await handle.write(one, 0, 1, offset);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
