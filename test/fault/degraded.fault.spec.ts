/**
 * Degraded reads: a 4-drive deployment is erasure set 2 data + 2 parity (read quorum 2).
 * Up to two drives may be lost — deleted before start-up, deleted under a running server,
 * or their shards damaged by bitrot in any two drives per block — and every GET, whole or
 * ranged, still returns exactly the bytes that were written. Beyond parity a read must
 * fail (503 SlowDownRead, or a cut connection once the body has started) and never return
 * other bytes. Reads that find missing or damaged shards queue the version for healing
 * (HealQueue logs a warning naming it), and a deep heal then repairs every damaged shard.
 *
 * One deployment is written once (inline objects and multi-block ones, odd sizes) and copied
 * for each case, so that every case starts from the same drives.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardLayout } from '../../src/domain/object-version';
import { BITROT_HASH_SIZE } from '../../src/infra/erasure/bitrot';
import { blockCount, blockLength, shardSizeFor } from '../../src/infra/erasure/block-layout';
import { INLINE_LIMIT } from '../../src/infra/storage/object-writer';
import {
  contentFor,
  describeError,
  flipInlineShardByte,
  flipShardByte,
  httpStatusOf,
  inlineShardOf,
  projectedVersions,
  readShard,
  receiveBody,
  say,
  seededRandom,
  sleep,
  withDriveDatabase,
} from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, runCairn, SECRET_KEY } from '../helpers/server';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

const BUCKET = 'degraded';
const MiB = 1024 * 1024;
const SIZES = [0, 1, 7, 1000, 65_537, INLINE_LIMIT - 1, INLINE_LIMIT, INLINE_LIMIT + 1, MiB - 3, MiB + 5, 2.5 * MiB + 13, 3 * MiB + 7];
/** The server rechecks its drives this often (HEALTH_CHECK_INTERVAL_MS); a deleted one goes offline by then. */
const HEALTH_CHECK_MS = 5_000;
const SEED = 20_240_611;
const ROOT_CREDENTIALS = { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY };

interface Stored {
  readonly key: string;
  readonly body: Buffer;
  readonly eventId: string;
  readonly layout: ShardLayout | undefined;
  readonly dataDir: string | undefined;
}

const keyOf = (size: number) => `odd/${size}.bin`;

/** Ranges worth asking for: edges, a suffix, odd middles, block boundaries, several blocks. */
function rangesFor(size: number): Array<{ header: string; start: number; end: number }> {
  if (size === 0) return [];
  const ranges = [
    { header: 'bytes=0-0', start: 0, end: 0 },
    { header: `bytes=${size - 1}-`, start: size - 1, end: size - 1 },
    { header: 'bytes=-10', start: Math.max(0, size - 10), end: size - 1 },
    { header: `bytes=${Math.floor(size / 3)}-${Math.floor((2 * size) / 3)}`, start: Math.floor(size / 3), end: Math.floor((2 * size) / 3) },
  ];
  if (size > MiB + 20) ranges.push({ header: `bytes=${MiB - 6}-${MiB + 14}`, start: MiB - 6, end: MiB + 14 });
  if (size > 2 * MiB + 100) ranges.push({ header: `bytes=1000001-${size - 99}`, start: 1000001, end: size - 99 });
  return ranges;
}

/** Strips ANSI colours (Nest colours its log lines). */
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

/** HealQueue warnings in a server's output: version event id -> shard indexes reported. */
function healReports(output: string): Map<string, number[]> {
  const reports = new Map<string, number[]>();
  for (const match of plain(output).matchAll(/version (\w+) has missing or damaged shards ([\d, ]+); queued for healing/g)) {
    reports.set(match[1], match[2].split(',').map((s) => Number(s.trim())));
  }
  return reports;
}

/** Shard indexes a slot set holds for a layout. */
const shardsOn = (layout: ShardLayout, slots: readonly number[]) => slots.map((slot) => layout.distribution[slot]);

/**
 * GETs every object whole and in ranges; every answer must be the right bytes (retries
 * off: a transient failure is a failure). Returns how many reads were checked.
 */
async function verifyAll(s3: S3Client, objects: readonly Stored[], label: string): Promise<number> {
  let reads = 0;
  await Promise.all(
    objects.map(async (o) => {
      const requests = [{ header: undefined as string | undefined, start: 0, end: o.body.length - 1 }, ...rangesFor(o.body.length)];
      for (const r of requests) {
        const what = `${label}: GET ${o.key}${r.header ? ` ${r.header}` : ''}`;
        let got;
        try {
          got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.key, Range: r.header }));
        } catch (error) {
          throw new Error(`${what} failed: ${describeError(error)}`);
        }
        const { bytes, error } = await receiveBody(got.Body);
        expect(error, `${what} broke after ${bytes.length} B`).toBeUndefined();
        const expected = o.body.subarray(r.start, r.end + 1);
        expect(bytes.length, `${what}: length`).toBe(expected.length);
        expect(bytes.equals(expected), `${what}: bytes differ from what was written`).toBe(true);
        reads++;
      }
    }),
  );
  return reads;
}

type ReadOutcome =
  | { kind: 'ok' }
  | { kind: 'error'; status: number | undefined; name: string }
  | { kind: 'cut'; received: number };

/**
 * A GET that may fail: it must give the right bytes, an S3 error, or a connection cut after
 * a prefix of the right bytes — never a complete answer with other bytes. Every byte that
 * did arrive is checked.
 */
async function readBeyondParity(s3: S3Client, o: Stored, range?: { header: string; start: number; end: number }): Promise<ReadOutcome> {
  const what = `GET ${o.key}${range ? ` ${range.header}` : ''}`;
  const expected = range ? o.body.subarray(range.start, range.end + 1) : o.body;
  let got;
  try {
    got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.key, Range: range?.header }));
  } catch (error) {
    const status = httpStatusOf(error);
    return { kind: 'error', status, name: describeError(error) };
  }
  const { bytes, error } = await receiveBody(got.Body);
  expect(bytes.equals(expected.subarray(0, bytes.length)), `${what}: the ${bytes.length} B received are not the object's`).toBe(true);
  if (error) {
    expect(bytes.length, `${what}: failed after receiving every byte`).toBeLessThan(expected.length);
    return { kind: 'cut', received: bytes.length };
  }
  expect(bytes.length, `${what}: a complete answer must be the whole object`).toBe(expected.length);
  return { kind: 'ok' };
}

describe('degraded reads on a 2 data + 2 parity set', () => {
  const root = tempDir('cairn-degraded-');
  const template = drivePaths(path.join(root.path, 'template'), 4);
  let objects: Stored[] = [];
  let cases = 0;
  const servers: CairnServer[] = [];

  /** A fresh copy of the written deployment. */
  async function cloneDrives(): Promise<string[]> {
    const drives = drivePaths(path.join(root.path, `case-${++cases}`), 4);
    await Promise.all(template.map((drive, i) => fs.cp(drive, drives[i], { recursive: true })));
    return drives;
  }

  async function startOn(drives: string[]): Promise<{ server: CairnServer; s3: S3Client }> {
    const server = await CairnServer.start({ drivePaths: drives });
    servers.push(server);
    return { server, s3: sdkClient(server, { maxAttempts: 1 }) };
  }

  /** Versions whose read found a missing or damaged data shard must be reported, and only damaged shards named. */
  function expectHealReports(output: string, damaged: Map<string, Set<number>>, mustReport: Set<string>) {
    const reports = healReports(output);
    for (const eventId of mustReport) expect(reports.has(eventId), `version ${eventId} queued for healing\n${plain(output)}`).toBe(true);
    for (const [eventId, shards] of reports) {
      const bad = damaged.get(eventId);
      expect(bad, `healing report for ${eventId}, a version that was not damaged`).toBeDefined();
      for (const shard of shards) expect(bad!.has(shard), `version ${eventId}: reported shard ${shard} was not damaged`).toBe(true);
    }
    return reports.size;
  }

  beforeAll(async () => {
    const server = await CairnServer.start({ drivePaths: template });
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const bodies = SIZES.map((size) => ({ key: keyOf(size), body: contentFor(`degraded:${size}`, size) }));
    for (const { key, body } of bodies) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    s3.destroy();
    await server.stop();
    const versions = await withDriveDatabase(template[0], { readOnly: true }, (db) => projectedVersions(db));
    objects = bodies.map(({ key, body }) => {
      const { version } = versions.find((v) => v.bucket === BUCKET && v.key === key)!;
      const data = version.data;
      return { key, body, eventId: version.eventId, layout: data.kind === 'inline' || data.kind === 'files' ? data.layout : undefined, dataDir: data.kind === 'files' ? data.dataDir : undefined };
    });
    expect(objects.filter((o) => o.dataDir).length).toBe(5); // the sizes above INLINE_LIMIT
  });

  afterAll(async () => {
    for (const server of servers) await server.kill9();
    root.remove();
  });

  it('(a) starts with any 2 of the 4 drive directories deleted and serves every object and range', async () => {
    const pairs = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]];
    // One at a time: running them side by side gains nothing on 2 cores (start-up is CPU-bound).
    for (const pair of pairs) {
      const started = Date.now();
      const name = `drives ${pair.map((s) => s + 1).join('+')} deleted`;
      const drives = await cloneDrives();
      for (const slot of pair) await fs.rm(drives[slot], { recursive: true, force: true });
      const { server, s3 } = await startOn(drives);
      expect(plain(server.output)).toContain('running degraded: 2 drive(s) offline');
      const reads = await verifyAll(s3, objects, name);
      s3.destroy();
      // Every version with a data shard on a deleted drive needed parity: it is queued for healing.
      const damaged = new Map(objects.filter((o) => o.layout).map((o) => [o.eventId, new Set(shardsOn(o.layout!, pair))]));
      const mustReport = new Set(objects.filter((o) => o.layout && shardsOn(o.layout, pair).some((i) => i < o.layout!.dataShards)).map((o) => o.eventId));
      const reported = expectHealReports(server.output, damaged, mustReport);
      await server.kill9();
      say(`(a) ${name} before start: ${reads} reads right, ${reported} versions queued for healing, ${Date.now() - started} ms`);
    }
  });

  it('(b) keeps serving the right bytes while 2 drive directories are deleted under it', async () => {
    const { server, s3 } = await startOn(await cloneDrives());
    await verifyAll(s3, objects, 'all drives');
    const gone = [0, 2]; // drive 1 is the one metadata is read from
    const deletedAt = Date.now();
    for (const slot of gone) await fs.rm(server.drives[slot], { recursive: true, force: true });

    // Until the health check takes the drives offline, LMDB maps and open files outlive the
    // unlink; after it, reads decode from the two drives left. Writes tell us when: an inline
    // PUT succeeds while four drives count as online and gets 503 SlowDownWrite below write quorum 3.
    let passes = 0;
    let reads = 0;
    let offlineAfter: number | undefined;
    for (let probe = 0; offlineAfter === undefined && Date.now() - deletedAt < HEALTH_CHECK_MS * 4; probe++) {
      reads += await verifyAll(s3, objects, `${Date.now() - deletedAt} ms after deleting drives 1+3`);
      passes++;
      try {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `probe/${probe}`, Body: 'p' }));
      } catch (error) {
        expect(describeError(error)).toBe('SlowDownWrite (503)');
        offlineAfter = Date.now() - deletedAt;
      }
    }
    expect(offlineAfter, 'the health check takes deleted drives offline').toBeDefined();
    expect(offlineAfter!).toBeLessThan(HEALTH_CHECK_MS * 3);
    reads += await verifyAll(s3, objects, 'drives 1+3 offline');
    s3.destroy();
    const damaged = new Map(objects.filter((o) => o.layout).map((o) => [o.eventId, new Set(shardsOn(o.layout!, gone))]));
    const mustReport = new Set(objects.filter((o) => o.layout && shardsOn(o.layout, gone).some((i) => i < o.layout!.dataShards)).map((o) => o.eventId));
    const reported = expectHealReports(server.output, damaged, mustReport);
    await server.kill9();
    say(`(b) drives 1+3 deleted while running: ${passes} passes (${reads} reads) right, offline after ${offlineAfter} ms, ${reported} versions queued for healing`);
  });

  it('(c) corrects bitrot in shard files and inline shards on up to 2 drives per block', async () => {
    const drives = await cloneDrives();
    const rng = seededRandom(SEED);
    /** Shard indexes damaged per version (over all its blocks). */
    const damaged = new Map<string, Set<number>>();
    const mustReport = new Set<string>();
    let flips = 0;
    for (const o of objects) {
      if (!o.layout) continue;
      const layout = o.layout;
      const k = layout.dataShards;
      const bad = new Set<number>();
      damaged.set(o.eventId, bad);
      if (o.dataDir) {
        // Each block on its own pair of drives (so up to 4 drives damaged per object, never more than 2 per block).
        const fullFrame = BITROT_HASH_SIZE + shardSizeFor(layout.blockSize, k);
        for (let block = 0; block < blockCount(o.body.length, layout); block++) {
          const frameLength = BITROT_HASH_SIZE + shardSizeFor(blockLength(block, o.body.length, layout), k);
          for (const slot of rng.sample([0, 1, 2, 3], 2)) {
            // The first object's first block gets its damage in the bitrot hash itself.
            const inFrame = o === objects.find((x) => x.dataDir) && block === 0 ? rng.int(0, BITROT_HASH_SIZE - 1) : rng.int(0, frameLength - 1);
            await flipShardByte(drives[slot], o.dataDir, block * fullFrame + inFrame);
            bad.add(layout.distribution[slot]);
            flips++;
          }
        }
      } else {
        for (const slot of rng.sample([0, 1, 2, 3], 2)) {
          await flipInlineShardByte(drives[slot], o.eventId, rng.int(0, 1 << 30));
          bad.add(layout.distribution[slot]);
          flips++;
        }
      }
      if ([...bad].some((i) => i < k)) mustReport.add(o.eventId);
    }
    const { server, s3 } = await startOn(drives);
    const reads = await verifyAll(s3, objects, 'bitrot on 2 drives per block');
    // A second pass, while heal on read may be repairing what the first found: still right.
    await verifyAll(s3, objects, 'bitrot, second pass');
    const reported = expectHealReports(server.output, damaged, mustReport);

    // A deep heal finds the rest (parity shards no read looks at) and repairs every one.
    const heal = await runCairn(['admin', 'heal', '--deep', '--json', '--endpoint', server.endpoint], ROOT_CREDENTIALS);
    expect(heal.code, heal.stdout + heal.stderr).toBe(0);
    expect(JSON.parse(heal.stdout)).toMatchObject({ failed: 0 });
    await verifyAll(s3, objects, 'bitrot, after the deep heal');
    s3.destroy();
    await server.stop();
    // Every shard is back to what was written: byte-identical to the untouched template's.
    for (const o of objects.filter((x) => x.layout)) {
      for (const [slot, drive] of drives.entries()) {
        const [healed, original] = o.dataDir
          ? await Promise.all([readShard(drive, o.dataDir), readShard(template[slot], o.dataDir)])
          : await Promise.all([inlineShardOf(drive, o.eventId), inlineShardOf(template[slot], o.eventId)]);
        expect(healed.equals(original), `${o.key}: the shard on drive ${slot + 1} after the deep heal`).toBe(true);
      }
    }
    say(`(c) ${flips} bytes flipped in shard files and inline shards: ${reads * 3} reads right, ${reported} versions queued on read, every shard repaired by a deep heal`);
  });

  it('(d) fails reads of blocks damaged on 3 drives with a 503 or a cut connection, never other bytes', async () => {
    const drives = await cloneDrives();
    const rng = seededRandom(SEED + 1);
    const big = objects.find((o) => o.body.length === 3 * MiB + 7)!; // blocks 0–2 full, block 3 of 7 bytes
    const mid = objects.find((o) => o.body.length === 2.5 * MiB + 13)!;
    const small = objects.find((o) => o.body.length === 65_537)!;
    const fullFrame = BITROT_HASH_SIZE + shardSizeFor(MiB, 2);
    const threeSlots = () => rng.sample([0, 1, 2, 3], 3);
    for (const slot of threeSlots()) await flipShardByte(drives[slot], big.dataDir!, 2 * fullFrame + rng.int(0, fullFrame - 1)); // block 2
    for (const slot of threeSlots()) await flipShardByte(drives[slot], mid.dataDir!, rng.int(0, fullFrame - 1)); // block 0
    for (const slot of threeSlots()) await flipInlineShardByte(drives[slot], small.eventId, rng.int(0, 1 << 30));

    const { server, s3 } = await startOn(drives);
    const outcomes: string[] = [];
    const expectFailure = async (o: Stored, range: { header: string; start: number; end: number } | undefined, allowCut: boolean) => {
      const outcome = await readBeyondParity(s3, o, range);
      const what = `GET ${o.key}${range ? ` ${range.header}` : ''}`;
      outcomes.push(`${what}: ${outcome.kind === 'error' ? outcome.name : outcome.kind === 'cut' ? `cut after ${outcome.received} B` : 'ok'}`);
      if (outcome.kind === 'error') expect(outcome.status, `${what}: ${outcome.name}`).toBe(503);
      else if (outcome.kind === 'cut') expect(allowCut, `${what}: cut before any byte was sent should be a 503`).toBe(true);
      else expect.fail(`${what} succeeded although a block it covers is damaged on 3 of 4 drives`);
    };
    // The damaged block comes after bytes already sent: 200 then a cut (or a 503 if the server checks ahead).
    await expectFailure(big, undefined, true);
    await expectFailure(big, { header: `bytes=${MiB}-`, start: MiB, end: big.body.length - 1 }, true);
    // The damaged block is the first one asked for: nothing was sent, so an S3 error.
    await expectFailure(big, { header: `bytes=${2 * MiB + 10}-${2 * MiB + 20}`, start: 2 * MiB + 10, end: 2 * MiB + 20 }, false);
    await expectFailure(mid, undefined, false);
    await expectFailure(small, undefined, false);
    await expectFailure(small, { header: 'bytes=100-200', start: 100, end: 200 }, false);
    // Blocks outside the damage are still served, and the other objects are untouched.
    const intact = [
      { header: `bytes=0-${MiB - 1}`, start: 0, end: MiB - 1 },
      { header: `bytes=${MiB - 5}-${MiB + 5}`, start: MiB - 5, end: MiB + 5 },
      { header: 'bytes=-7', start: big.body.length - 7, end: big.body.length - 1 },
    ];
    for (const range of intact) expect((await readBeyondParity(s3, big, range)).kind, `GET ${big.key} ${range.header}`).toBe('ok');
    expect((await readBeyondParity(s3, mid, { header: `bytes=${MiB}-`, start: MiB, end: mid.body.length - 1 })).kind).toBe('ok');
    await verifyAll(s3, objects.filter((o) => o !== big && o !== mid && o !== small), 'other objects');
    s3.destroy();
    const reports = healReports(server.output);
    for (const o of [big, mid, small]) expect(reports.has(o.eventId), `damaged version ${o.key} (${o.eventId}) queued for healing\n${plain(server.output)}`).toBe(true);
    await server.kill9();
    say(`(d) beyond parity:\n  ${outcomes.join('\n  ')}`);
  });

  it('(d) fails every read with 3 drive directories deleted while running, never with other bytes', async () => {
    const { server, s3 } = await startOn(await cloneDrives());
    await verifyAll(s3, objects, 'all drives');
    const deletedAt = Date.now();
    for (const slot of [0, 1, 2]) await fs.rm(server.drives[slot], { recursive: true, force: true });
    // Before the health check, open LMDB maps still serve inline objects; shard files are
    // gone on 3 drives. After it, fewer than a read quorum of drives are online: all 503.
    let allFailedAfter: number | undefined;
    const seen = new Map<string, number>();
    while (allFailedAfter === undefined && Date.now() - deletedAt < HEALTH_CHECK_MS * 4) {
      const outcomes = await Promise.all(objects.map((o) => readBeyondParity(s3, o)));
      for (const outcome of outcomes) {
        const name = outcome.kind === 'error' ? outcome.name : outcome.kind;
        seen.set(name, (seen.get(name) ?? 0) + 1);
        if (outcome.kind === 'error') expect(outcome.status, outcome.name).toBe(503);
      }
      if (outcomes.every((o) => o.kind === 'error')) allFailedAfter = Date.now() - deletedAt;
      else await sleep(100);
    }
    expect(allFailedAfter, 'every read fails once the health check took the 3 drives offline').toBeDefined();
    expect(allFailedAfter!).toBeLessThan(HEALTH_CHECK_MS * 3);
    s3.destroy();
    await server.kill9();
    say(`(d) drives 1+2+3 deleted while running: every GET fails after ${allFailedAfter} ms; outcomes ${JSON.stringify(Object.fromEntries(seen))}`);
  });
});
