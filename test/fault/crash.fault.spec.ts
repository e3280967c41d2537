/**
 * kill -9 at random moments during a stream of PUTs, then restart on the same drives.
 *
 * Principle 2 of DESIGN.md: a 200 means the bytes and the event are durable on a write
 * quorum, and a crash at any instant leaves the old state or the new one, never a mix.
 * A few concurrent SDK v3 clients PUT a mix of inline objects (0 B–100 KiB) and shard-file
 * objects (200 KiB–3 MiB), mostly new keys and some overwrites of earlier keys, each attempt
 * with its own deterministic content (so the intended bytes of every attempted PUT are
 * known); after a random delay the server is killed with SIGKILL and started again. After
 * every restart:
 *
 *  (a) every acknowledged object is listed and reads back byte-identical; for a key written
 *      several times, the content is the latest acknowledged attempt or a later attempt
 *      (one that was in flight at a kill), never an older or unknown one;
 *  (b) nothing partial is visible: every listed key has the size and ETag of one allowed
 *      attempt, and reads back as exactly those bytes (SHA-256) with the ETag their MD5;
 *  (c) no staged file survives: every drive's tmp/ is empty once the server is up again;
 *      every shard file the projections reference is on every drive; and each other shard
 *      file is explained (see `accountShardFiles`).
 *
 * Every other run is served with CAIRN_SEGMENT_SHARD_LIMIT=0, so that its shard-file objects
 * take the other write path (staged files in tmp/, fsynced, renamed into shards/ after the
 * event) instead of extents of segment files: kill -9 lands in both, and restarts recover a
 * mix of both.
 *
 * Run with CAIRN_CRASH_SEED=<n> to replay the random choices of a failing run (timing still
 * differs) and CAIRN_CRASH_ITERATIONS=<n> to change the number of kills.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INLINE_LIMIT } from '../../src/infra/storage/object-writer';
import {
  committedShardFiles,
  committedShards,
  contentFor,
  describeError,
  httpStatusOf,
  listAll,
  locateShard,
  loggedEvents,
  mapLimit,
  md5Hex,
  projectedVersions,
  readShard,
  receiveBody,
  say,
  seededRandom,
  sha256Hex,
  shardFilePath,
  sleep,
  stagingEntries,
  type ListedObject,
  withDriveDatabase,
} from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';

const BUCKET = 'crash';
const ITERATIONS = Number(process.env.CAIRN_CRASH_ITERATIONS ?? 28);
const SEED = Number(process.env.CAIRN_CRASH_SEED ?? randomInt(1_000_000_000));
const WRITERS = 4;
const KILL_DELAY_MS = [50, 1500] as const;
/** Share of attempts that overwrite an earlier key (one not being written at the moment). */
const OVERWRITE_SHARE = 0.25;
const LARGE_SHARE = 0.35;
/**
 * Reading every object back after every restart would cost O(iterations²) bytes. Each
 * restart reads back in full every key attempted in the run that was killed plus a rotating
 * quarter of the older keys (and all of them every FULL_SWEEP_EVERY restarts and after the
 * last one); the ETag and size of *every* key are checked from the listing each time, and
 * the shard files of every object are accounted for on every drive.
 */
const ROTATING_SLICES = 4;
const FULL_SWEEP_EVERY = 8;
/**
 * Shard files of a version superseded by an overwrite are unlinked just after the
 * overwrite's event is durable, without holding up its 200 (ObjectService.reclaim). A kill
 * in between leaves them behind for the (future) scanner; such garbage is allowed when the
 * overwrite was decided this long before the kill at most.
 */
const RECLAIM_WINDOW_MS = 3_000;
/** How the server of an iteration stores shards of known size: segments (the default) or staged files. */
const shardPathOf = (iteration: number) => (iteration % 2 === 0 ? 'staged files' : 'segments');
const envFor = (iteration: number): Record<string, string> => (shardPathOf(iteration) === 'staged files' ? { CAIRN_SEGMENT_SHARD_LIMIT: '0' } : {});

type Outcome = 'in flight' | 'acknowledged' | 'failed' | 'rejected';

interface Attempt {
  readonly key: string;
  /** Global order of attempts; attempts of one key never overlap in time. */
  readonly seq: number;
  readonly iteration: number;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  outcome: Outcome;
  detail?: string;
}

const rng = seededRandom(SEED);
const history = new Map<string, Attempt[]>();
const keys: string[] = [];
const inFlight = new Set<string>();
let attemptSeq = 0;

const bodyOf = (key: string, seq: number, size: number) => contentFor(`${SEED}:${key}:${seq}`, size);

function randomSize(): number {
  if (rng.next() < LARGE_SHARE) {
    // Log-uniform 200 KiB–3 MiB: many objects of one or two blocks, some of three or four.
    return Math.round(200 * 1024 * Math.pow((3 * 1024 * 1024) / (200 * 1024), rng.next()));
  }
  return rng.next() < 0.05 ? 0 : rng.int(1, 100 * 1024);
}

function newAttempt(iteration: number, writer: number, n: number): { attempt: Attempt; body: Buffer } {
  const idle = keys.filter((k) => !inFlight.has(k));
  const key = idle.length > 0 && rng.next() < OVERWRITE_SHARE ? rng.pick(idle) : `obj/${iteration}/${writer}/${n}`;
  const seq = ++attemptSeq;
  const size = randomSize();
  const body = bodyOf(key, seq, size);
  const attempt: Attempt = { key, seq, iteration, size, md5: md5Hex(body), sha256: sha256Hex(body), outcome: 'in flight' };
  if (!history.has(key)) {
    history.set(key, []);
    keys.push(key);
  }
  history.get(key)!.push(attempt);
  inFlight.add(key);
  return { attempt, body };
}

/** The attempts whose content a key may show: from its latest acknowledged one on (all when none was). */
function allowedAttempts(key: string): Attempt[] {
  const attempts = history.get(key) ?? [];
  let last = -1;
  attempts.forEach((a, i) => a.outcome === 'acknowledged' && (last = i));
  return last < 0 ? attempts : attempts.slice(last);
}

const describeAttempts = (attempts: readonly Attempt[]) =>
  attempts.map((a) => `#${a.seq}(it ${a.iteration}, ${a.size} B, ${a.outcome}, md5 ${a.md5.slice(0, 8)})`).join(' ');

async function writeUntilStopped(s3: S3Client, iteration: number, writer: number, run: { stopping: boolean }, violations: string[]): Promise<void> {
  for (let n = 0; !run.stopping; n++) {
    const { attempt, body } = newAttempt(iteration, writer, n);
    try {
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: attempt.key, Body: body }));
      attempt.outcome = 'acknowledged';
      if (put.ETag !== `"${attempt.md5}"`) violations.push(`PUT ${attempt.key} #${attempt.seq} answered ETag ${put.ETag}, not "${attempt.md5}"`);
    } catch (error) {
      // No status: the connection died with the server. A status: the server said no while alive.
      attempt.outcome = httpStatusOf(error) === undefined ? 'failed' : 'rejected';
      attempt.detail = describeError(error);
      if (attempt.outcome === 'rejected') violations.push(`PUT ${attempt.key} #${attempt.seq} (${attempt.size} B) was refused: ${attempt.detail}`);
    } finally {
      inFlight.delete(attempt.key);
    }
  }
}

/** Per drive: the shard files already explained as garbage, and what its log says about each data dir. */
interface DriveBook {
  readonly garbage: Set<string>;
  readonly dataDirs: Map<string, { id: string; key: string }>;
  /** ObjectPut events by key, in log order: id and time. */
  readonly putsByKey: Map<string, Array<{ id: string; time: number }>>;
  lastId: string | undefined;
}

interface Accounting {
  live: number;
  files: number[];
  garbage: number[];
}

/**
 * Shard files against the projections, on every drive (read through LMDB's multi-process
 * readers while the server runs):
 *  - all four drives project the same versions: the events of a crash are on every drive or
 *    on none once the server is back (a drive that misses one serves stale metadata the day
 *    it is the one asked, and drops the staged shards of that event at recovery);
 *  - every shard-file version the server serves (drive 1's projection, the metadata drive)
 *    has its file on every drive;
 *  - every other file is garbage with an explanation: it belongs to an ObjectPut in that
 *    drive's log whose key was overwritten in the run just killed, at most RECLAIM_WINDOW_MS
 *    before the kill (see RECLAIM_WINDOW_MS), or it is still projected by that drive (which
 *    the first check reports). Garbage found after earlier restarts stays (nothing
 *    reclaims it yet) and is not counted again.
 * So: files on drive d = live versions + garbage explained so far.
 */
async function accountShardFiles(drives: string[], books: DriveBook[], crashedRun: { launchedAt: number; killedAt: number }, violations: string[]): Promise<Accounting> {
  const projections = await Promise.all(
    drives.map((drive, d) =>
      withDriveDatabase(drive, { readOnly: true }, (db) => {
        const book = books[d];
        for (const { id, event } of loggedEvents(db, book.lastId)) {
          book.lastId = id;
          if (event.type !== 'ObjectPut' || event.bucket !== BUCKET) continue;
          if (event.version.data.kind === 'files') book.dataDirs.set(event.version.data.dataDir, { id, key: event.key });
          const puts = book.putsByKey.get(event.key) ?? [];
          puts.push({ id, time: event.time });
          book.putsByKey.set(event.key, puts);
        }
        return projectedVersions(db).filter((v) => v.bucket === BUCKET);
      }),
    ),
  );
  const versionsOf = (d: number) => new Set(projections[d].map((v) => `${v.key}@${v.version.eventId}`));
  const served = versionsOf(0);
  for (let d = 1; d < drives.length; d++) {
    const mine = versionsOf(d);
    for (const v of served) if (!mine.has(v)) violations.push(`the drives diverged: drive 1 projects ${v}, drive ${d + 1} does not`);
    for (const v of mine) if (!served.has(v)) violations.push(`the drives diverged: drive ${d + 1} projects ${v}, drive 1 does not`);
  }
  const filesOf = (d: number) => new Set(projections[d].flatMap((v) => (v.version.data.kind === 'files' ? [v.version.data.dataDir] : [])));
  const live = filesOf(0);
  const accounting: Accounting = { live: live.size, files: [], garbage: [] };
  for (const [d, drive] of drives.entries()) {
    const book = books[d];
    const ownLive = filesOf(d);
    const files = await committedShards(drive);
    accounting.files.push(files.length);
    const present = new Set(files);
    for (const dataDir of live) {
      if (!present.has(dataDir)) violations.push(`drive ${d + 1} lacks the shard file of ${dataDir}, a version the server serves (${book.dataDirs.get(dataDir)?.key ?? 'not in this drive\'s log'})`);
    }
    for (const file of files) {
      if (live.has(file) || ownLive.has(file) || book.garbage.has(file)) continue;
      const created = book.dataDirs.get(file);
      if (!created) {
        violations.push(`drive ${d + 1} holds shard file ${file} that no ObjectPut in its log names`);
        continue;
      }
      const next = (book.putsByKey.get(created.key) ?? []).find((p) => p.id > created.id);
      if (!next) {
        violations.push(`drive ${d + 1} holds shard file ${file} of ${created.key}@${created.id}: never overwritten in its log, yet projected by no drive`);
      } else if (next.time < crashedRun.launchedAt || next.time < crashedRun.killedAt - RECLAIM_WINDOW_MS) {
        violations.push(
          `drive ${d + 1} holds shard file ${file} of ${created.key}@${created.id}, overwritten by ${next.id} ` +
            `${crashedRun.killedAt - next.time} ms before the kill: its reclaim should have finished`,
        );
      }
      book.garbage.add(file);
    }
    accounting.garbage.push(book.garbage.size);
  }
  return accounting;
}

interface ReadCheck {
  objects: number;
  bytes: number;
}

/** GETs a listed key and checks its bytes are one allowed attempt's, with the right ETag. */
async function verifyContent(s3: S3Client, listed: ListedObject, violations: string[], check: ReadCheck): Promise<void> {
  const allowed = allowedAttempts(listed.key);
  let got;
  try {
    got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: listed.key }));
  } catch (error) {
    violations.push(`GET ${listed.key} failed: ${describeError(error)}; attempts ${describeAttempts(history.get(listed.key) ?? [])}`);
    return;
  }
  const { bytes, error } = await receiveBody(got.Body);
  check.objects++;
  check.bytes += bytes.length;
  if (error) {
    violations.push(`GET ${listed.key} broke after ${bytes.length} B: ${describeError(error)}`);
    return;
  }
  const sha = sha256Hex(bytes);
  const match = allowed.find((a) => a.sha256 === sha);
  if (!match) {
    const other = (history.get(listed.key) ?? []).find((a) => a.sha256 === sha);
    violations.push(
      `GET ${listed.key} returned ${bytes.length} B that are ${other ? `attempt #${other.seq}, superseded by a later acknowledged one` : 'no attempted PUT'}; ` +
        `allowed ${describeAttempts(allowed)}`,
    );
    return;
  }
  if (got.ETag !== `"${md5Hex(bytes)}"`) violations.push(`GET ${listed.key} has ETag ${got.ETag}, not the MD5 of its bytes ${md5Hex(bytes)}`);
  if (listed.etag !== match.md5) violations.push(`${listed.key}: the listing says ETag ${listed.etag} but GET returned attempt #${match.seq} (${match.md5})`);
}

async function expectAbsent(s3: S3Client, key: string, violations: string[]): Promise<void> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const { bytes } = await receiveBody(got.Body);
    violations.push(`${key} is not listed, yet GET returned ${bytes.length} B`);
  } catch (error) {
    if (httpStatusOf(error) !== 404) violations.push(`${key} is not listed, and GET failed with ${describeError(error)} instead of NoSuchKey`);
  }
}

describe('kill -9 during a stream of PUTs', () => {
  let server: CairnServer | undefined;
  afterAll(async () => server?.dispose());

  it(`loses no acknowledged object and shows no partial one, over ${ITERATIONS} crashes (seed ${SEED})`, { timeout: 280_000 }, async () => {
    const started = Date.now();
    server = await CairnServer.start({ env: envFor(1) });
    const drives = server.drives;
    const setup = sdkClient(server);
    await setup.send(new CreateBucketCommand({ Bucket: BUCKET }));
    setup.destroy();

    const books: DriveBook[] = drives.map(() => ({ garbage: new Set(), dataDirs: new Map(), putsByKey: new Map(), lastId: undefined }));
    const violations: string[] = [];
    const reported = new Set<string>();
    let launchedAt = Date.now();
    let totals = { acknowledged: 0, attempted: 0 };
    /** Drive 1's shard files (not segment extents) so far: which write path a run took shows in the new ones. */
    let shardFilesSoFar = new Set<string>();

    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const found: string[] = [];
      // ---- the stream of PUTs, cut by kill -9 ----
      const s3 = sdkClient(server, { maxAttempts: 1 });
      const run = { stopping: false };
      const writers = Array.from({ length: WRITERS }, (_, w) => writeUntilStopped(s3, iteration, w, run, found));
      const delay = rng.int(...KILL_DELAY_MS);
      await sleep(delay);
      run.stopping = true;
      const inFlightAtKill = inFlight.size;
      const killedAt = Date.now();
      await server.kill9();
      await Promise.all(writers);
      s3.destroy();
      const mine = [...history.values()].flat().filter((a) => a.iteration === iteration);
      const acknowledged = mine.filter((a) => a.outcome === 'acknowledged');
      const largeAcknowledged = acknowledged.filter((a) => a.size > INLINE_LIMIT).length;
      totals = { acknowledged: totals.acknowledged + acknowledged.length, attempted: totals.attempted + mine.length };

      // ---- restart on the same drives: staged files are recovered before it listens ----
      const restartStart = Date.now();
      await server.launch(envFor(iteration + 1));
      const restartMs = Date.now() - restartStart;
      const crashedRun = { launchedAt, killedAt };
      launchedAt = Date.now();

      // (c) nothing left in any staging directory.
      for (const [d, drive] of drives.entries()) {
        const left = await stagingEntries(drive);
        if (left.length > 0) found.push(`drive ${d + 1} tmp/ still holds ${left.length} entries after restart: ${left.slice(0, 5).join(', ')}`);
      }

      // (a) + (b) from the listing: every key is known, shows an allowed attempt, and no acknowledged key is missing.
      const reader = sdkClient(server, { maxAttempts: 1 });
      const listed = await listAll(reader, BUCKET);
      const listedByKey = new Map(listed.map((o) => [o.key, o]));
      for (const o of listed) {
        const allowed = allowedAttempts(o.key);
        if (allowed.length === 0) found.push(`listed key ${o.key} was never attempted`);
        else if (!allowed.some((a) => a.md5 === o.etag && a.size === o.size)) {
          found.push(`listed ${o.key} (${o.size} B, ETag ${o.etag}) matches no allowed attempt: ${describeAttempts(allowed)}; all ${describeAttempts(history.get(o.key)!)}`);
        }
      }
      for (const [key, attempts] of history) {
        if (attempts.some((a) => a.outcome === 'acknowledged') && !listedByKey.has(key)) {
          found.push(`acknowledged ${key} is gone after the restart: ${describeAttempts(attempts)}`);
        }
      }

      // (a) + (b) by content: the keys of the killed run, and a slice (or all) of the older ones.
      const fullSweep = iteration === ITERATIONS || iteration % FULL_SWEEP_EVERY === 0;
      const touched = new Set(mine.map((a) => a.key));
      const toRead = listed.filter((o, i) => fullSweep || touched.has(o.key) || i % ROTATING_SLICES === iteration % ROTATING_SLICES);
      const check: ReadCheck = { objects: 0, bytes: 0 };
      await mapLimit(toRead, 4, (o) => verifyContent(reader, o, found, check));
      await mapLimit([...touched].filter((k) => !listedByKey.has(k)), 4, (k) => expectAbsent(reader, k, found));
      reader.destroy();

      // (c) shard files: live ones on every drive, garbage only from overwrites at the crash.
      const accounting = await accountShardFiles(drives, books, crashedRun, found);
      const largeListed = listed.filter((o) => o.size > INLINE_LIMIT).length;
      if (largeListed !== accounting.live) found.push(`the listing shows ${largeListed} objects above ${INLINE_LIMIT} B, the projection references ${accounting.live} shard-file versions`);

      // Each run took the write path it was given: shard files appear only in staged-files runs.
      const shardFiles = new Set(await committedShardFiles(drives[0]));
      const newShardFiles = [...shardFiles].filter((file) => !shardFilesSoFar.has(file)).length;
      if (shardPathOf(iteration) === 'segments' && newShardFiles > 0) found.push(`a segments run left ${newShardFiles} new shard files`);
      if (shardPathOf(iteration) === 'staged files' && largeAcknowledged > 0 && newShardFiles === 0) {
        found.push(`a staged-files run acknowledged ${largeAcknowledged} large objects but no new shard file exists`);
      }
      shardFilesSoFar = shardFiles;

      // A committed object keeps all its shards through a crash: reading it must not need parity.
      const plainOutput = server.output.replace(/\x1b\[[0-9;]*m/g, '');
      for (const [report] of plainOutput.matchAll(/version \w+ has missing or damaged shards [\d, ]+; queued for healing/g)) {
        found.push(`a read after the restart needed parity: ${report}`);
      }

      // A broken state that persists is reported once, at the restart that first shows it.
      const fresh = found.filter((v) => !reported.has(v));
      fresh.forEach((v) => reported.add(v));
      say(
        `crash ${String(iteration).padStart(2)}/${ITERATIONS} (${shardPathOf(iteration)}): killed after ${delay} ms; attempted ${mine.length}, ` +
          `acknowledged ${acknowledged.length} (${largeAcknowledged} large), in flight at kill ${inFlightAtKill}; ` +
          `restart ${restartMs} ms; listed ${listed.length}, verified ${check.objects} by content (${(check.bytes / 1048576).toFixed(1)} MiB${fullSweep ? ', full sweep' : ''}); ` +
          `shard files ${accounting.files.join('/')} = ${accounting.live} live + garbage ${accounting.garbage.join('/')}` +
          (found.length > 0 ? `; ${fresh.length} new violations (${found.length} in all)` : ''),
      );
      for (const v of fresh) say(`  ! ${v}`);
      violations.push(...fresh.map((v) => `crash ${iteration}: ${v}`));
    }

    say(
      `seed ${SEED}: ${ITERATIONS} crashes, ${totals.attempted} PUTs attempted, ${totals.acknowledged} acknowledged, ` +
        `${keys.length} keys, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(totals.acknowledged).toBeGreaterThan(ITERATIONS); // the stream did make progress between kills
    expect(violations).toEqual([]);
  });
});

/**
 * The state a kill -9 leaves when it lands between the drives' commits of one event, built
 * deterministically: ErasureSet.appendEvent queues the event on the four drives' LMDB
 * environments, which commit independently; the random crashes above hit this window now
 * and then. Here drive 1 has committed an overwrite's event, drives 2–4 have not, and all
 * four hold its shard files staged (they are fsynced before the event is appended). The
 * overwrite was never acknowledged and only one drive holds its shards or its event: after
 * the restart the key must read as the acknowledged version (or, if the server could
 * complete the overwrite, as the overwrite) and the drives must agree again.
 */
describe('a kill between the drives\' commits of one event', () => {
  let server: CairnServer | undefined;
  const scratch: string[] = [];
  afterAll(async () => {
    await server?.dispose();
    await Promise.all(scratch.map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  it('serves the acknowledged version, not an overwrite that reached one drive\'s log only', { timeout: 120_000 }, async () => {
    server = await CairnServer.start();
    const drives = server.drives;
    const bucket = 'partial';
    const large = { v1: contentFor('large-v1', 400_000), v2: contentFor('large-v2', 2_500_000) };
    const small = { v1: contentFor('small-v1', 10_000), v2: contentFor('small-v2', 20_000) };
    let s3 = sdkClient(server, { maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large', Body: large.v1 }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small', Body: small.v1 }));
    s3.destroy();
    await server.stop();

    // Drives 2–4 as they are now (before the overwrites), and drive 1's shard of large v1
    // (its bytes and, for a shard in a segment, its placement row).
    const dataDirOf = async (drive: string, key: string) =>
      withDriveDatabase(drive, { readOnly: true }, (db) => {
        const version = projectedVersions(db).find((v) => v.bucket === bucket && v.key === key)!.version;
        return version.data.kind === 'files' ? version.data.dataDir : '';
      });
    const v1DataDir = await dataDirOf(drives[0], 'large');
    const before = drives.map((drive) => `${drive}.before`);
    scratch.push(...before);
    for (let d = 1; d < 4; d++) await fs.cp(drives[d], before[d], { recursive: true });
    const v1Shard = await readShard(drives[0], v1DataDir);
    const v1Placement = await withDriveDatabase(drives[0], { readOnly: true }, (db) => db.placements.get(v1DataDir));

    await server.launch();
    s3 = sdkClient(server, { maxAttempts: 1 });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large', Body: large.v2 }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small', Body: small.v2 }));
    s3.destroy();
    const v2DataDir = await dataDirOf(drives[0], 'large');
    await server.kill9();

    // Rewind drives 2–4 to before the overwrites' events, keeping large v2's shards written
    // (staged files, or the bytes in their segments without a placement row yet); drive 1
    // keeps the events and still has large v1's shard (the kill came before the reclaim).
    const v2InSegments = (await locateShard(drives[1], v2DataDir))?.inSegment ?? false;
    for (let d = 1; d < 4; d++) {
      if (v2InSegments) await fs.cp(path.join(drives[d], 'segments'), path.join(before[d], 'segments'), { recursive: true });
      else await fs.copyFile(shardFilePath(drives[d], v2DataDir), path.join(before[d], 'tmp', `${v2DataDir}.shard`));
      await fs.rm(drives[d], { recursive: true, force: true });
      await fs.rename(before[d], drives[d]);
    }
    if (v1Placement) await withDriveDatabase(drives[0], { readOnly: false }, (db) => db.placements.put(v1DataDir, v1Placement));
    else await fs.writeFile(shardFilePath(drives[0], v1DataDir), v1Shard);
    expect((await readShard(drives[0], v1DataDir)).equals(v1Shard), 'drive 1 holds large v1 as before the overwrite').toBe(true);

    await server.launch();
    s3 = sdkClient(server, { maxAttempts: 1 });
    for (const [key, versions] of [['large', large], ['small', small]] as const) {
      let outcome: string;
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const { bytes, error } = await receiveBody(got.Body);
        outcome = error ? `broke after ${bytes.length} B` : bytes.equals(versions.v1) ? 'v1' : bytes.equals(versions.v2) ? 'v2' : `${bytes.length} other bytes`;
      } catch (error) {
        outcome = describeError(error);
      }
      expect.soft(outcome, `GET ${key}: the acknowledged v1 (or the overwrite v2)`).toMatch(/^v[12]$/);
    }
    s3.destroy();
    const projected = await Promise.all(
      drives.map((drive) => withDriveDatabase(drive, { readOnly: true }, (db) => projectedVersions(db).map((v) => `${v.key}@${v.version.eventId}`))),
    );
    expect.soft(projected.slice(1), 'drives 2-4 project what drive 1 projects').toEqual([projected[0], projected[0], projected[0]]);
  });
});
