/**
 * Drives that turn read-only or return read errors while the server runs. A 4-drive set is
 * 2 data + 2 parity, write quorum 3, read quorum 2. Read-only: every file and directory
 * immutable, so writes fail with EPERM and reads work.
 *
 * (a) One read-only drive: writes succeed on the other three, every read returns the right
 *     bytes, the operator is told; once writable again the drive rejoins by itself, catches up
 *     on the log and gets the shards written meanwhile (proved by reading everything from that
 *     drive and one other only).
 * (b) Read-only drives one after another: reads stay right; once a PUT reaches fewer than 3
 *     drives it fails with 503 SlowDownWrite and Retry-After and is rolled back on the drives
 *     that took it, so it is never read, listed, copied to a returning drive or brought back by
 *     a restart, and the audit log verifies.
 * (c) Shard files that fail every read (EISDIR) on two drives: reads stay right; once the
 *     files are out of the way (missing), `cairn admin heal` rewrites them byte for byte. */
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { contentFor, describeError, listAll, loggedEvents, projectedVersions, receiveBody, say, shardFilePath, sleep, withDriveDatabase } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer, runCairn, ACCESS_KEY, ROOT, SECRET_KEY } from '../helpers/server';
import { signedFetch } from '../helpers/signed-fetch';
import { drivePaths, tempDir } from '../helpers/temp-dirs';
import { makeDriveReadOnly } from '../helpers/unwritable';

const BUCKET = 'readonly';
const MiB = 1024 * 1024;
/** Inline objects (in the event) and shard-file ones, one of several blocks. */
const SIZES = [0, 1000, 100_000, 300_000, 2 * MiB + 13];
/** The drive watcher looks at offline drives every 5 s; a heal scan follows a return. */
const WATCH_MS = 5_000;
const ENV = { CAIRN_HEAL_BUDGET: '1' };

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

describe('read-only drives under a running server', () => {
  const root = tempDir('cairn-readonly-');
  const undos: Array<() => void> = [];
  const servers: CairnServer[] = [];
  const clients: S3Client[] = [];
  let cases = 0;

  afterEach(() => {
    for (const undo of undos.splice(0)) undo();
  });
  afterAll(async () => {
    for (const undo of undos.splice(0)) undo();
    for (const s3 of clients) s3.destroy();
    for (const server of servers) await server.kill9();
    root.remove();
  });

  /** A fresh 4-drive deployment holding one object of each size. */
  async function deployment(env: Record<string, string> = ENV): Promise<{ server: CairnServer; s3: S3Client; bodies: Map<string, Buffer> }> {
    const server = await CairnServer.start({ drivePaths: drivePaths(path.join(root.path, `case-${++cases}`), 4), env });
    servers.push(server);
    onTestFailed(() => say(`server output:\n${plain(server.output)}`));
    const s3 = sdkClient(server, { maxAttempts: 1 });
    clients.push(s3);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const bodies = new Map<string, Buffer>();
    for (const size of SIZES) {
      const key = `before/${size}`;
      bodies.set(key, contentFor(`${server.drives[0]}:${key}`, size));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodies.get(key) }));
    }
    return { server, s3, bodies };
  }

  function readOnly(drive: string): () => void {
    const undo = makeDriveReadOnly(drive);
    undos.push(undo);
    return () => {
      undos.splice(undos.indexOf(undo), 1);
      undo();
    };
  }

  async function expectAllReadable(s3: S3Client, bodies: Map<string, Buffer>, label: string): Promise<void> {
    for (const [key, body] of bodies) {
      let got;
      try {
        got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      } catch (error) {
        throw new Error(`${label}: GET ${key} failed: ${describeError(error)}`);
      }
      const { bytes, error } = await receiveBody(got.Body);
      expect(error, `${label}: GET ${key} broke`).toBeUndefined();
      expect(bytes.equals(body), `${label}: GET ${key} returned other bytes`).toBe(true);
    }
  }

  /** A key that must not exist: GET and HEAD 404, not listed, no version of it. */
  async function expectAbsent(s3: S3Client, key: string, label: string): Promise<void> {
    const get = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => 'found',
      (error: unknown) => describeError(error),
    );
    expect(get, `${label}: GET ${key}`).toBe('NoSuchKey (404)');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => 'found',
      (error: unknown) => describeError(error),
    );
    expect(head, `${label}: HEAD ${key}`).toMatch(/\(404\)$/);
    expect((await listAll(s3, BUCKET)).map((o) => o.key), `${label}: listing`).not.toContain(key);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: key }));
    expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].map((v) => v.Key), `${label}: versions`).not.toContain(key);
  }

  /** Event ids of the ObjectPut events of `key` on a drive (read beside the running server). */
  async function putsOf(drive: string, key: string): Promise<string[]> {
    return withDriveDatabase(drive, { readOnly: true }, (db) =>
      loggedEvents(db)
        .filter((e) => e.event.type === 'ObjectPut' && e.event.key === key)
        .map((e) => e.id),
    );
  }

  /** A PUT sent by hand, to see the status and headers of a refusal. */
  async function rawPut(server: CairnServer, key: string, body: Buffer) {
    const response = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}/${key}`, body });
    const code = /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1];
    return { status: response.status, code, retryAfter: response.headers.get('retry-after') };
  }

  it('(a) one read-only drive: writes and reads go on; writable again, it rejoins with every shard', async () => {
    const { server, s3, bodies } = await deployment();
    const drive = server.drives[0]; // also the drive metadata is read from while it is online
    const writable = readOnly(drive);

    await expectAllReadable(s3, bodies, 'drive 1 read-only, before any write');
    for (const size of SIZES) {
      const key = `during/${size}`;
      bodies.set(key, contentFor(`during:${key}`, size));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodies.get(key) }));
    }
    await expectAllReadable(s3, bodies, 'drive 1 read-only, after writes');
    expect((await listAll(s3, BUCKET)).length).toBe(bodies.size);

    // The operator is told which drive, why, and what still works.
    // The two lines are printed together but may reach us in separate chunks: wait for the second.
    await waitFor('the offline warning', () => plain(server.output).includes('WARNING: 3 of 4 drives online: reads and writes continue'), WATCH_MS * 2);
    expect(plain(server.output)).toContain(`WARNING: drive ${drive} is offline: write failed`);
    const warning = plain(server.output).split('\n').find((line) => line.includes(`drive ${drive} is offline`))!;
    expect(warning, 'the reason names the failed write probe').toMatch(/the drive is unwritable \(EPERM/);

    writable();
    const rejoined = await waitFor('the drive to rejoin and heal', () => /Healing done in .*, 0 failed/.test(plain(server.output)), WATCH_MS * 6);
    expect(plain(server.output)).toContain(`Drive ${drive} is back; it has caught up on the log`);
    await expectAllReadable(s3, bodies, 'drive 1 back');
    // A write after the return reaches it too.
    bodies.set('after/1', contentFor('after/1', 300_000));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after/1', Body: bodies.get('after/1') }));
    await server.stop();

    // Its log is its peers' log, event for event.
    const logOf = (d: string) => withDriveDatabase(d, { readOnly: true }, (db) => loggedEvents(db).map((e) => ({ id: e.id, event: e.event })));
    const peerLog = await logOf(server.drives[1]);
    expect(await logOf(drive)).toEqual(peerLog);

    // Its shards are right: a server on copies of this drive and one other (k = 2: every block
    // needs both drives' shards, each checked by its bitrot hash) reads every object back.
    const pair = drivePaths(path.join(root.path, `case-${cases}-pair`), 4);
    await fs.cp(drive, pair[0], { recursive: true });
    await fs.cp(server.drives[3], pair[3], { recursive: true });
    const degraded = await CairnServer.start({ drivePaths: pair, env: ENV });
    servers.push(degraded);
    const s3pair = sdkClient(degraded, { maxAttempts: 1 });
    clients.push(s3pair);
    expect(plain(degraded.output)).toContain('running degraded: 2 drive(s) offline');
    await expectAllReadable(s3pair, bodies, 'only drive 1 and drive 4');
    await degraded.kill9();
    say(`(a) ${bodies.size} objects right with drive 1 read-only; it rejoined and healed in ${rejoined} ms`);
  });

  it('runs on the lmdb build whose failed writes cannot overrun the heap (scripts/patch-lmdb.mjs)', async () => {
    // The prebuilt lmdb aborts the process soon after a failed write; (a) and (b) would crash.
    const lmdbDir = path.join(ROOT, 'node_modules/lmdb');
    const mdb = await fs.readFile(path.join(lmdbDir, 'dependencies/lmdb/libraries/liblmdb/mdb.c'), 'utf8');
    expect(mdb).not.toContain('sprintf(last_error, ');
    expect(mdb).toContain('snprintf(last_error, 100, ');
    await expect(fs.stat(path.join(lmdbDir, 'build/Release/lmdb.node'))).resolves.toBeTruthy();
  });

  it('(b) drives turning read-only one after another: below write quorum a PUT gets 503, is rolled back, and stays gone', async () => {
    const { server, s3, bodies } = await deployment();
    const writableAgain: Array<() => void> = [];
    // One drive at a time, so that each step makes exactly one more write fail.
    writableAgain.push(readOnly(server.drives[1]));
    bodies.set('during/1', contentFor('during/1', 1000));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'during/1', Body: bodies.get('during/1') })); // drive 2 fails it and goes offline

    // Drive 3 too: drives 1 and 4 commit the next event, drive 3 fails it: 2 < write quorum 3.
    writableAgain.push(readOnly(server.drives[2]));
    const refused = await rawPut(server, 'failed/inline', contentFor('failed/inline', 1000));
    expect(refused).toEqual({ status: 503, code: 'SlowDownWrite', retryAfter: '1' });
    // Drives 1 and 4 took the event and rolled it back: it is in no log, and nowhere visible.
    for (const drive of server.drives) expect(await putsOf(drive, 'failed/inline'), `the event is not in the log of ${drive}`).toEqual([]);
    await expectAbsent(s3, 'failed/inline', 'after the refused PUT');
    await expectAllReadable(s3, bodies, 'drives 2+3 offline');

    // Two drives online (once the server has marked drive 3 offline, which it says): refused
    // before the body is read, so nothing is stored, shard files included.
    const twoOnline = 'WARNING: 2 of 4 drives online: reads continue; writes fail with 503 SlowDownWrite until 3 drives are online';
    await waitFor('drive 3 marked offline', () => plain(server.output).includes(twoOnline), WATCH_MS * 2);
    const large = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'failed/large', Body: contentFor('failed/large', 2 * MiB) })).then(
      () => 'stored',
      (error: unknown) => describeError(error),
    );
    expect(large).toBe('SlowDownWrite (503)');
    await expectAbsent(s3, 'failed/large', 'after the refused large PUT');
    for (const slot of [0, 3]) expect(await fs.readdir(path.join(server.drives[slot], 'tmp')), `staging of drive ${slot + 1}`).toEqual([]);

    // Three read-only drives: still refused; reads go on from drive 1 and the read-only drive 4.
    writableAgain.push(readOnly(server.drives[3]));
    expect(await rawPut(server, 'failed/third', contentFor('failed/third', 10))).toEqual({ status: 503, code: 'SlowDownWrite', retryAfter: '1' });
    await expectAllReadable(s3, bodies, 'drives 2, 3 and 4 read-only');

    for (const writable of writableAgain) writable();
    await waitFor('drives 2 and 3 to rejoin', () => (plain(server.output).match(/ is back; it has caught up on the log/g) ?? []).length === 2, WATCH_MS * 4);
    bodies.set('after/1', contentFor('after/1', 300_000));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after/1', Body: bodies.get('after/1') }));
    for (const key of ['failed/inline', 'failed/large', 'failed/third']) await expectAbsent(s3, key, 'drives back');
    for (const drive of server.drives) expect(await putsOf(drive, 'failed/inline'), `the event was not copied to ${drive}`).toEqual([]);
    await expectAllReadable(s3, bodies, 'drives back');

    await server.restart();
    expect(plain(server.output)).not.toContain('Recovered from an interrupted run');
    for (const key of ['failed/inline', 'failed/large', 'failed/third']) await expectAbsent(s3, key, 'after a restart');
    await expectAllReadable(s3, bodies, 'after a restart');
    await server.stop();
    const audit = await runCairn(['admin', 'audit', 'verify', '--json', ...server.drives], { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true, findingCount: 0 });
    say('(b) read-only drives one after another: refused PUTs rolled back, absent after the return and a restart; audit verify OK');
  });

  it('(c) shard files that fail to read on two drives: reads stay right; once readable, healing restores them byte for byte', async () => {
    // Shard files, not segments: a directory put in a file's place is how a read is made to fail.
    const { server, s3, bodies } = await deployment({ ...ENV, CAIRN_SEGMENT_SHARD_LIMIT: '0' });
    const versions = await withDriveDatabase(server.drives[0], { readOnly: true }, (db) => projectedVersions(db));
    const withFiles = versions.filter((v) => v.version.data.kind === 'files').map((v) => (v.version.data as { dataDir: string }).dataDir);
    expect(withFiles.length).toBe(2); // 300 000 B and 2 MiB + 13
    const erroring = [server.drives[1], server.drives[3]];
    const original = new Map<string, Buffer>();
    for (const drive of erroring) {
      for (const dataDir of withFiles) {
        // A directory where the shard file was: open works, every read fails with EISDIR.
        const file = shardFilePath(drive, dataDir);
        original.set(file, await fs.readFile(file));
        await fs.rm(file);
        await fs.mkdir(file);
      }
    }
    await expectAllReadable(s3, bodies, 'shard files of drives 2 and 4 erroring');
    await expectAllReadable(s3, bodies, 'again (healing cannot replace a directory)');

    for (const file of original.keys()) await fs.rmdir(file); // the drive stops erroring: the files are missing now
    await expectAllReadable(s3, bodies, 'shard files of drives 2 and 4 missing');
    // Reads queue for healing only what they met (a missing parity shard goes unnoticed): the operator heals the rest.
    const heal = await runCairn(['admin', 'heal', '--json', '--endpoint', server.endpoint], { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY });
    expect(heal.code, heal.stdout + heal.stderr).toBe(0);
    for (const [file, bytes] of original) expect((await fs.readFile(file)).equals(bytes), `${file} rebuilt byte for byte`).toBe(true);
    await server.kill9();
    say(`(c) ${original.size} shard files erroring on 2 drives: reads right; healed byte for byte once readable`);
  });
});
