/**
 * A drive whose LMDB file is damaged. Random bytes over its first page (a meta page) make LMDB
 * crash the process that opens it, so the server must not open it: it starts degraded with the
 * drive offline and saying why, serves every object from the others, and takes the drive back
 * by itself once the operator moves the damaged file aside: the drive's log is refilled from
 * its peers and its shards healed, so that afterwards the two once-damaged drives alone serve
 * every object. The offline audit reports such a drive as not verified, and the offline rebuild
 * refuses it, instead of crashing. Damage to a page deep inside the file (random bytes over a
 * page of versions, which made start-up abort; a page of the log that lost a node, which made
 * the log look shorter to the audit and the replay) is found the same way.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { ORDER_BYTES, versionsRange } from '../../src/infra/eventlog/object-keys';
import { INLINE_LIMIT } from '../../src/infra/storage/object-writer';
import { contentFor, listAll, mapLimit, receiveBody, say, seededRandom, sleep } from '../helpers/fault-tools';
import { dropLastNode, garbleNodes, garbleValueAfter, pagesHolding } from '../helpers/lmdb-pages';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer, runCairn } from '../helpers/server';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

const BUCKET = 'damaged-db';
const MiB = 1024 * 1024;
/** Inline objects (shards in the log) and objects in shard files, one of several blocks. */
const SIZES = [0, 1, 4096, INLINE_LIMIT - 1, INLINE_LIMIT + 1, MiB + 5, 3 * MiB + 7];
const SEED = 20_261_205;

/** Cuts the drive's database file to `bytes`. */
async function cutDatabase(drive: string, bytes: number): Promise<void> {
  await fs.truncate(path.join(drive, DATABASE_FILE), bytes);
}

/** Overwrites 256 bytes of the drive's database just past the header of page 0, LMDB's first meta page. */
async function damageFirstMetaPage(drive: string, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const garbage = Buffer.from(Array.from({ length: 256 }, () => random.int(0, 255)));
  const file = await fs.open(path.join(drive, DATABASE_FILE), 'r+');
  try {
    await file.write(garbage, 0, garbage.length, 16);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes the drive one from before the data-references table (data-references.ts): the table dropped. */
async function forgetDataReferences(drive: string): Promise<void> {
  const db = DriveDatabase.open(drive);
  db.references.dropSync();
  await db.close();
}

function referenceKeysOf(drive: string): string[] {
  const db = DriveDatabase.open(drive, { readOnly: true });
  try {
    return [...db.references.getKeys()].map((key) => Buffer.from(key).toString('hex'));
  } finally {
    void db.close();
  }
}

async function waitForOutput(server: CairnServer, done: (output: string) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done(server.output)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${server.output}`);
    await sleep(200);
  }
}

async function expectEveryObject(s3: S3Client, bodies: Map<string, Buffer>): Promise<void> {
  await mapLimit([...bodies], 16, async ([key, body]) => {
    const received = await receiveBody((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body);
    expect(received.error, `reading ${key}`).toBeUndefined();
    expect(received.bytes.equals(body), `bytes of ${key}`).toBe(true);
  });
}

describe('a drive whose database file is damaged', () => {
  const root = tempDir('cairn-damaged-db-');
  const drives = drivePaths(root.path, 4);
  const bodies = new Map<string, Buffer>();
  const servers: CairnServer[] = [];

  /** One object of each size under `prefix`, remembered in `bodies`. */
  async function putOneOfEachSize(s3: S3Client, prefix: string): Promise<void> {
    for (const size of SIZES) {
      const key = `${prefix}/${size}.bin`;
      bodies.set(key, contentFor(key, size));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodies.get(key) }));
    }
  }

  /**
   * A new deployment on `paths`, stopped again, holding `count` small objects under `prefix`
   * (enough for trees of several levels) and one in shard files; returns their bodies.
   */
  async function deploymentWithManyObjects(paths: string[], prefix: string, count: number): Promise<Map<string, Buffer>> {
    const first = await startOn(paths);
    await first.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const many = new Map<string, Buffer>();
    for (let i = 0; i < count; i++) many.set(`${prefix}/key-${String(i).padStart(5, '0')}`, contentFor(`${prefix}-${i}`, 1 + (i % 300)));
    many.set(`${prefix}/large.bin`, contentFor(`${prefix}-large`, 3 * MiB + 7));
    await mapLimit([...many], 16, ([key, body]) => first.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })));
    first.s3.destroy();
    await first.server.stop();
    return many;
  }

  async function startOn(paths: string[]): Promise<{ server: CairnServer; s3: S3Client }> {
    const server = await CairnServer.start({ drivePaths: paths });
    servers.push(server);
    return { server, s3: sdkClient(server, { maxAttempts: 1 }) };
  }

  afterAll(async () => {
    for (const server of servers) await server.kill9();
    root.remove();
  });

  it('keeps it offline instead of crashing, serves every object, and takes it back once the file is moved aside', async () => {
    const first = await startOn(drives);
    await first.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await putOneOfEachSize(first.s3, 'before');
    first.s3.destroy();
    await first.server.stop();

    // Two drives, as many as the parity: one checking process crashes on each, in turn. One
    // has a garbled meta page (SIGSEGV), the other was cut short after two pages (SIGBUS).
    const damaged = [drives[1], drives[2]];
    await damageFirstMetaPage(drives[1], SEED);
    await cutDatabase(drives[2], 8192);
    // The offline rebuild refuses such a drive with the reason, and does not crash.
    const rebuild = await runCairn(['admin', 'rebuild', drives[1]]);
    expect(rebuild.stderr).toContain(`cairn: ${drives[1]}: its database cairn.lmdb is damaged: reading it killed a checking process (SIGSEGV)`);
    expect(rebuild.code).toBe(1);
    const second = await startOn(drives);
    say(second.server.output);
    const offlineAsDamaged = (drive: string, signal: string) =>
      new RegExp(`${drive}\\s+OFFLINE \\(its database cairn\\.lmdb is damaged: reading it killed a checking process \\(${signal}\\)`);
    expect(second.server.output).toMatch(offlineAsDamaged(drives[1], 'SIGSEGV'));
    expect(second.server.output).toMatch(offlineAsDamaged(drives[2], 'SIGBUS'));
    for (const drive of [drives[0], drives[3]]) expect(second.server.output).toMatch(new RegExp(`${drive}\\s+online`));
    await expectEveryObject(second.s3, bodies);
    // The offline audit reports the two drives it cannot verify (and a path that is no
    // directory), and verifies the others.
    const notADirectory = path.join(root.path, 'not-a-directory');
    await fs.writeFile(notADirectory, 'a file');
    const audit = await runCairn(['admin', 'audit', 'verify', ...drives, notADirectory]);
    for (const drive of damaged) expect(audit.stdout).toContain(`drive ${drive}: NOT VERIFIED (its database cairn.lmdb is damaged`);
    expect(audit.stdout).toContain(`drive ${notADirectory}: NOT VERIFIED (`);
    expect(audit.stdout).toContain('INCOMPLETE: 3 drive(s) could not be verified');
    expect(audit.code).toBe(1);

    // The drive watcher's periodic attempt to bring them back checks them too (opening them
    // in the server would crash it), and says why they cannot rejoin.
    await waitForOutput(
      second.server,
      (output) => damaged.every((drive) => output.includes(`drive ${drive} could not rejoin: its database cairn.lmdb is damaged`)),
      'the watcher to report both drives',
    );

    // The operator moves the damaged files aside; the server notices, refills and heals.
    for (const drive of damaged) await fs.rename(path.join(drive, DATABASE_FILE), path.join(root.path, `${path.basename(drive)}-damaged.lmdb`));
    await waitForOutput(
      second.server,
      (output) => damaged.every((drive) => output.includes(`Drive ${drive} is back`)) && /Healing done in [\d.]+ s: \d+ versions checked, \d+ healed, 0 failed\s*$/.test(output),
      'both drives back and healed',
    );
    say(second.server.output.slice(second.server.output.indexOf('Drive ')));
    await putOneOfEachSize(second.s3, 'after');
    second.s3.destroy();
    await second.server.stop();

    // The once-damaged drives alone (the two others moved away) now hold every object.
    for (const drive of [drives[0], drives[3]]) await fs.rename(drive, `${drive}-away`);
    const third = await startOn(drives);
    for (const drive of damaged) expect(third.server.output).toMatch(new RegExp(`${drive}\\s+online`));
    await expectEveryObject(third.s3, bodies);
    third.s3.destroy();
    await third.server.stop();
  });

  it('takes an empty database file (a crash before LMDB wrote its first pages) for a lost one: refilled and healed', async () => {
    const fresh = drivePaths(path.join(root.path, 'empty-file'), 4);
    const first = await startOn(fresh);
    await first.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await putOneOfEachSize(first.s3, 'empty-file');
    first.s3.destroy();
    await first.server.stop();

    await cutDatabase(fresh[3], 0);
    // Neither the offline rebuild (which would make it a database that seems to have survived)
    // nor the audit takes it for a database.
    const rebuild = await runCairn(['admin', 'rebuild', fresh[3]]);
    expect(rebuild.stderr).toContain(`cairn: ${fresh[3]}: it has no database (cairn.lmdb is missing or empty)`);
    expect(rebuild.code).toBe(1);
    expect((await fs.stat(path.join(fresh[3], DATABASE_FILE))).size).toBe(0);
    const audit = await runCairn(['admin', 'audit', 'verify', ...fresh]);
    expect(audit.stdout).toContain(`drive ${fresh[3]}: NOT VERIFIED (its database cairn.lmdb is empty`);
    const second = await startOn(fresh);
    expect(second.server.output).toMatch(new RegExp(`${fresh[3]}\\s+online`));
    // Its placements went with the file, so it is healed in full, as a replacement would be.
    await waitForOutput(second.server, (output) => /Healing done in [\d.]+ s: \d+ versions checked, [1-9]\d* healed, 0 failed/.test(output), 'the drive healed');
    second.s3.destroy();
    await second.server.stop();

    for (const drive of [fresh[0], fresh[1]]) await fs.rename(drive, `${drive}-away`);
    const third = await startOn(fresh);
    await expectEveryObject(third.s3, new Map([...bodies].filter(([key]) => key.startsWith('empty-file/'))));
    third.s3.destroy();
  });

  it('finds damage deep inside the file: a garbled page of versions, a page of the log that lost a node', async () => {
    const deep = drivePaths(path.join(root.path, 'deep'), 4);
    const deepBodies = await deploymentWithManyObjects(deep, 'deep', 1500);

    // Every leaf page that holds a key: its versions' page and its event's page (and any freed
    // older copy, which does no harm). Random bytes over the first drive's made start-up abort
    // in the scan of the versions; the second drive's lose their last node, which LMDB cannot
    // notice: its cursor just ends early.
    const file = (drive: string) => path.join(drive, DATABASE_FILE);
    const garbled = await pagesHolding(file(deep[1]), Buffer.from('deep/key-00700'), 'leaf');
    const shortened = await pagesHolding(file(deep[2]), Buffer.from('deep/key-01200'), 'leaf');
    expect(garbled.length).toBeGreaterThan(0);
    expect(shortened.length).toBeGreaterThan(0);
    for (const [i, page] of garbled.entries()) await garbleNodes(file(deep[1]), page, SEED + i);
    for (const page of shortened) await dropLastNode(file(deep[2]), page);

    const second = await startOn(deep);
    say(second.server.output);
    expect(second.server.output).toMatch(new RegExp(`${deep[1]}\\s+OFFLINE \\(its database cairn\\.lmdb is damaged: `));
    expect(second.server.output).toMatch(new RegExp(`${deep[2]}\\s+OFFLINE \\(its database cairn\\.lmdb is damaged: its table \\w+ leads to \\d+ of the \\d+ entries it counts;`));
    for (const drive of [deep[0], deep[3]]) expect(second.server.output).toMatch(new RegExp(`${drive}\\s+online`));
    const listed = await listAll(second.s3, BUCKET);
    expect(listed.map((object) => object.key).filter((key) => key.startsWith('deep/'))).toEqual([...deepBodies.keys()].sort());
    await expectEveryObject(second.s3, deepBodies);
    second.s3.destroy();
    await second.server.stop();

    // The audit does not take the shortened log for a drive that is behind, and the replay
    // reads a log that is whole.
    const audit = await runCairn(['admin', 'audit', 'verify', ...deep]);
    for (const drive of [deep[1], deep[2]]) expect(audit.stdout).toContain(`drive ${drive}: NOT VERIFIED (its database cairn.lmdb is damaged`);
    expect(audit.code).toBe(1);
    const replay = await runCairn(['admin', 'audit', 'replay', '--bucket', BUCKET, '--at', new Date(Date.now() + 60_000).toISOString(), ...deep]);
    expect(replay.code).toBe(0);
    const replayed = [...replay.stdout.matchAll(/<Key>(deep\/[^<]+)<\/Key>/g)].map((match) => match[1]);
    expect(replayed).toEqual([...deepBodies.keys()].sort());
  });

  it('takes a drive offline when a version read from it is not what was written: at the start that builds its data references, or while serving', async () => {
    const valueDrives = drivePaths(path.join(root.path, 'values'), 4);
    const valueBodies = await deploymentWithManyObjects(valueDrives, 'values', 300);

    // The value's first bytes, past its key (bucket, key, separator, version order): the tree is
    // intact, so only reading the value shows it.
    const damageValueOf = async (drive: string, key: string) =>
      expect(await garbleValueAfter(path.join(drive, DATABASE_FILE), versionsRange(BUCKET, key).start, 6, ORDER_BYTES)).toBeGreaterThan(0);
    // Drives 2 and 3 as drives from before the data-references table: their first start reads
    // every version to build it, and on drive 2 it meets a damaged one.
    await forgetDataReferences(valueDrives[1]);
    await forgetDataReferences(valueDrives[2]);
    await damageValueOf(valueDrives[1], 'values/key-00100');
    const second = await startOn(valueDrives);
    expect(second.server.output).toMatch(
      new RegExp(`${valueDrives[1]}\\s+OFFLINE \\(its database cairn\\.lmdb is damaged: reading every version and part, building the data references failed: a stored value is not valid JSON;`),
    );
    for (const drive of [valueDrives[0], valueDrives[2], valueDrives[3]]) expect(second.server.output).toMatch(new RegExp(`${drive}\\s+online`));
    const expectedKeys = [...valueBodies.keys()].sort();
    expect((await listAll(second.s3, BUCKET)).map((object) => object.key).filter((key) => key.startsWith('values/'))).toEqual(expectedKeys);

    // While it serves: the drive metadata is read from (the first online one) is damaged under
    // it. The listing that reads the damaged version is answered from another drive, and the
    // damaged one is offline from then on.
    await damageValueOf(valueDrives[0], 'values/key-00200');
    expect((await listAll(second.s3, BUCKET)).map((object) => object.key).filter((key) => key.startsWith('values/'))).toEqual(expectedKeys);
    await waitForOutput(
      second.server,
      (output) => output.includes(`WARNING: drive ${valueDrives[0]} is offline: its database cairn.lmdb is damaged: reading the objects of ${BUCKET} failed: a stored value is not valid JSON;`),
      'the damaged drive reported offline',
    );
    await expectEveryObject(second.s3, valueBodies);
    second.s3.destroy();
    await second.server.stop();
    // The table built on drive 3 is the one drive 4 kept from the start: the large object's data.
    const built = referenceKeysOf(valueDrives[2]);
    expect(built).toHaveLength(2); // the large object's data dir, and the "complete" marker
    expect(built).toEqual(referenceKeysOf(valueDrives[3]));
  });
});
