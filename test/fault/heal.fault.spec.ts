/**
 * Healing brings a deployment back to full redundancy by itself.
 *
 * (a) A lost drive replaced by an empty directory: at the next start-up it is formatted into
 *     its slot, its log is filled from its peers and every shard that belongs on it is rebuilt
 *     — every shard file and every inline shard byte-identical to what the lost drive held.
 * (b) Two of four drives replaced one after the other: no object lost (content hash of each).
 * (c) Heal on read: bytes flipped in shard files and inline shards of one drive; GETs return
 *     the right bytes and the damaged shards are rewritten shortly after, byte-identical.
 * Every rewrite is an ObjectHealed event in the log.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdToBytes } from '../../src/infra/eventlog/event-id';
import { inlineShardOf } from '../../src/infra/eventlog/event-record';
import {
  committedShards,
  contentFor,
  flipInlineShardByte,
  flipShardByte,
  loggedEvents,
  projectedVersions,
  readShard,
  receiveBody,
  say,
  sha256Hex,
  sleep,
  withDriveDatabase,
} from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

const BUCKET = 'heal';
const MiB = 1024 * 1024;
/** Inline (<= 128 KiB), single shard-file objects and one multipart object. */
const SIZES = [0, 10, 4096, 100_000, 128 * 1024, 300_000, 1 * MiB + 7, 3 * MiB];

interface DriveSnapshot {
  /** dataDir -> shard file bytes. */
  readonly files: Map<string, Buffer>;
  /** event id -> inline shard bytes. */
  readonly inline: Map<string, Buffer>;
}

async function snapshot(drive: string): Promise<DriveSnapshot> {
  const files = new Map<string, Buffer>();
  for (const dataDir of await committedShards(drive)) files.set(dataDir, await readShard(drive, dataDir));
  const inline = await withDriveDatabase(drive, { readOnly: true }, (db) => {
    const shards = new Map<string, Buffer>();
    for (const { id, inlineLength } of loggedEvents(db)) {
      if (inlineLength > 0) shards.set(id, Buffer.from(inlineShardOf(db.events.get(eventIdToBytes(id))!)));
    }
    return shards;
  });
  return { files, inline };
}

function expectSameShards(actual: DriveSnapshot, expected: DriveSnapshot, label: string): void {
  expect([...actual.files.keys()].sort(), `${label}: shard files`).toEqual([...expected.files.keys()].sort());
  for (const [dataDir, bytes] of expected.files) expect(actual.files.get(dataDir)!.equals(bytes), `${label}: shard file ${dataDir}`).toBe(true);
  expect([...actual.inline.keys()].sort(), `${label}: inline shards`).toEqual([...expected.inline.keys()].sort());
  for (const [id, bytes] of expected.inline) expect(actual.inline.get(id)!.equals(bytes), `${label}: inline shard of ${id}`).toBe(true);
}

async function healedEvents(drive: string): Promise<number> {
  return withDriveDatabase(drive, { readOnly: true }, (db) => loggedEvents(db).filter((e) => e.event.type === 'ObjectHealed').length);
}

describe('healing', () => {
  const root = tempDir('cairn-heal-');
  const drives = drivePaths(root.path, 4);
  let server: CairnServer;
  const bodies = new Map<string, Buffer>();

  async function readsBackEverything(s3: S3Client): Promise<void> {
    for (const [key, body] of bodies) {
      const { bytes } = await receiveBody((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body);
      expect(sha256Hex(bytes), key).toBe(sha256Hex(body));
    }
  }

  async function restartAndHeal(): Promise<void> {
    await server.launch();
    const deadline = Date.now() + 60_000;
    while (!/Healing done/.test(server.output) && Date.now() < deadline) await sleep(100);
    expect(server.output).toMatch(/Healing done in [\d.]+ s: \d+ versions checked, \d+ healed, 0 failed/);
  }

  beforeAll(async () => {
    server = await CairnServer.start({ drivePaths: drives });
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const size of SIZES) {
      const body = contentFor(`heal:${size}`, size);
      bodies.set(`obj/${size}`, body);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `obj/${size}`, Body: body }));
    }
    const multipart = contentFor('heal:multipart', 11 * MiB + 3);
    bodies.set('obj/multipart', multipart);
    await new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'obj/multipart', Body: multipart }, partSize: 5 * MiB }).done();
    s3.destroy();
    await server.stop();
  });
  afterAll(async () => {
    await server?.dispose();
    root.remove();
  });

  it('(a) rebuilds a drive replaced by an empty directory, byte for byte, at start-up', { timeout: 120_000 }, async () => {
    const before = await snapshot(drives[1]);
    expect(before.files.size).toBe(3 + 3); // three shard-file objects, three parts
    expect(before.inline.size).toBe(SIZES.filter((s) => s > 0 && s <= 128 * 1024).length);
    await fs.rm(drives[1], { recursive: true });
    await fs.mkdir(drives[1]);

    await restartAndHeal();
    expect(server.output).toContain(`${drives[1]}  online (new: replaces a lost drive)`);
    await server.stop();
    expectSameShards(await snapshot(drives[1]), before, 'replaced drive 2');
    // The projections of the new drive are its peers'.
    const projected = async (d: string) => withDriveDatabase(d, { readOnly: true }, (db) => JSON.stringify(projectedVersions(db)));
    expect(await projected(drives[1])).toBe(await projected(drives[0]));
    expect(await healedEvents(drives[0])).toBe(4); // one per version with shard files on it
  });

  it('(b) loses nothing when two of four drives are replaced one after the other', { timeout: 180_000 }, async () => {
    for (const lost of [0, 2]) {
      const before = await snapshot(drives[lost]);
      await fs.rm(drives[lost], { recursive: true });
      await fs.mkdir(drives[lost]);
      await restartAndHeal();
      const s3 = sdkClient(server);
      await readsBackEverything(s3);
      s3.destroy();
      await server.stop();
      expectSameShards(await snapshot(drives[lost]), before, `replaced drive ${lost + 1}`);
      say(`(b) drive ${lost + 1} replaced and rebuilt: ${before.files.size} shard files, ${before.inline.size} inline shards`);
    }
  });

  it('(c) heals shards a GET found damaged, shortly after serving the right bytes', { timeout: 120_000 }, async () => {
    const slot = 3;
    const victim = drives[slot];
    // A GET reads data shards only (parity just on damage): damage what reads will touch.
    const readByGets = await withDriveDatabase(drives[0], { readOnly: true }, (db) => {
      const touched = new Set<string>();
      const versions = new Set<string>();
      for (const { version } of projectedVersions(db)) {
        const data = version.data;
        const pieces = data.kind === 'multipart' ? data.parts.map((p) => p.data) : [data];
        for (const piece of pieces) {
          if (piece.kind === 'empty' || piece.layout.distribution[slot] >= piece.layout.dataShards) continue;
          touched.add(piece.kind === 'files' ? piece.dataDir : version.eventId);
          versions.add(version.eventId);
        }
      }
      return { touched, versions };
    });
    const all = await snapshot(victim);
    const before: DriveSnapshot = {
      files: new Map([...all.files].filter(([dir]) => readByGets.touched.has(dir))),
      inline: new Map([...all.inline].filter(([id]) => readByGets.touched.has(id))),
    };
    expect(before.files.size + before.inline.size).toBeGreaterThan(2);
    for (const [dataDir, bytes] of before.files) await flipShardByte(victim, dataDir, Math.floor(bytes.length / 2));
    for (const [id] of before.inline) await flipInlineShardByte(victim, id, 20);
    const healedBefore = await healedEvents(drives[0]);

    await server.launch();
    const s3 = sdkClient(server);
    await readsBackEverything(s3);
    s3.destroy();
    // Reads that found the damaged shards queued their versions; healing rewrites them.
    const restored = (now: DriveSnapshot) =>
      [...before.files].every(([dir, bytes]) => now.files.get(dir)?.equals(bytes)) && [...before.inline].every(([id, bytes]) => now.inline.get(id)?.equals(bytes));
    const deadline = Date.now() + 30_000;
    while (!restored(await snapshot(victim)) && Date.now() < deadline) await sleep(200);
    await server.stop();
    expectSameShards(await snapshot(victim), all, 'healed drive 4');
    expect(await healedEvents(drives[0])).toBe(healedBefore + readByGets.versions.size);
  });
});
