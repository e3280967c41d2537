/**
 * Losing drives while the server runs, and the server bringing them back by itself.
 *
 * (a) A drive directory deleted while a workload runs, then replaced by an empty directory:
 *     the server formats it into its slot, fills its log, and heals; afterwards every shard
 *     file and inline shard of every object on it is byte-identical to what encoding the
 *     object's bytes produces, and every object reads back right.
 * (b) A drive's LMDB files removed (shard files kept): at start-up its log is filled from its
 *     peers (an empty log has no vote), nothing is lost or rolled back.
 * (c) Truncated shard files: reads stay right and `cairn admin heal` (quick: by size) rebuilds them.
 * (d) kill -9 in the middle of healing a replaced drive: the next start-up resumes and finishes.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardLayout } from '../../src/domain/object-version';
import { encodeBlock, frameOf } from '../../src/infra/erasure/block-coder';
import { blocksForRange, shardSizeFor } from '../../src/infra/erasure/block-layout';
import { ReedSolomonCodec } from '../../src/infra/erasure/reed-solomon';
import { eventIdToBytes } from '../../src/infra/eventlog/event-id';
import { inlineShardOf } from '../../src/infra/eventlog/event-record';
import { contentFor, projectedVersions, readShard, receiveBody, say, sha256Hex, sleep, truncateShard, withDriveDatabase } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, runCairn, SECRET_KEY } from '../helpers/server';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

const BUCKET = 'loss';
const codec = new ReedSolomonCodec(2, 2);

/** The shard stream a drive in `slot` must hold for `body` under `layout`, computed here independently. */
async function expectedShardStream(layout: ShardLayout, body: Buffer, slot: number): Promise<Buffer> {
  const frames: Buffer[] = [];
  for (const span of blocksForRange(body.length, 0, body.length - 1, layout)) {
    const shardSize = shardSizeFor(span.length, layout.dataShards);
    const block = Buffer.alloc(layout.dataShards * shardSize);
    body.copy(block, 0, span.objectOffset, span.objectOffset + span.length);
    const encoded = await encodeBlock(codec, block, span.length, Buffer.alloc(layout.parityShards * shardSize));
    frames.push(frameOf(encoded, layout.distribution[slot]));
  }
  return Buffer.concat(frames);
}

/** Checks every shard of every object on the drive in `slot` against re-encoding; returns how many were checked. */
async function checkDriveAgainstEncoding(drives: string[], slot: number, bodies: Map<string, Buffer>): Promise<number> {
  const versions = await withDriveDatabase(drives[slot], { readOnly: true }, (db) =>
    projectedVersions(db).map(({ bucket, key, version }) => {
      const record = version.data.kind === 'inline' ? db.events.get(eventIdToBytes(version.eventId)) : undefined;
      return { bucket, key, version, inline: record ? Buffer.from(inlineShardOf(record)) : undefined };
    }),
  );
  let checked = 0;
  for (const { bucket, key, version, inline } of versions) {
    if (bucket !== BUCKET) continue;
    const body = bodies.get(key)!;
    expect(body, `a body for ${key}`).toBeDefined();
    const data = version.data;
    if (data.kind === 'inline') {
      expect(inline!.equals(await expectedShardStream(data.layout, body, slot)), `inline shard of ${key} on drive ${slot + 1}`).toBe(true);
      checked++;
    } else if (data.kind === 'files') {
      const file = await readShard(drives[slot], data.dataDir);
      expect(file.equals(await expectedShardStream(data.layout, body, slot)), `shard file of ${key} on drive ${slot + 1}`).toBe(true);
      checked++;
    }
  }
  return checked;
}

describe('drive loss while running', () => {
  const root = tempDir('cairn-drive-loss-');
  const drives = drivePaths(root.path, 4);
  let server: CairnServer;
  const bodies = new Map<string, Buffer>();
  let written = 0;

  async function put(s3: S3Client, key: string, size: number): Promise<void> {
    const body = contentFor(`${key}:${written++}`, size);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    bodies.set(key, body);
  }

  async function readsBackEverything(): Promise<void> {
    const s3 = sdkClient(server);
    for (const [key, body] of bodies) {
      const { bytes } = await receiveBody((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body);
      expect(sha256Hex(bytes), key).toBe(sha256Hex(body));
    }
    s3.destroy();
  }

  async function waitFor(pattern: RegExp, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(server.output) && Date.now() < deadline) await sleep(100);
    expect(server.output).toMatch(pattern);
  }

  beforeAll(async () => {
    server = await CairnServer.start({ drivePaths: drives });
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (let i = 0; i < 30; i++) await put(s3, `before/${i}`, [10, 5000, 100_000, 300_000, 1_500_000][i % 5]);
    s3.destroy();
  });
  afterAll(async () => {
    await server?.dispose();
    root.remove();
  });

  it('(a) heals a drive deleted during a workload and replaced by an empty directory, without a restart', { timeout: 120_000 }, async () => {
    const s3 = sdkClient(server);
    const workload = { stop: false, failures: 0 };
    const writer = (async () => {
      for (let i = 0; !workload.stop; i++) {
        try {
          await put(s3, `during/${i % 40}`, [20, 9000, 200_000, 700_000][i % 4]);
        } catch {
          workload.failures++;
        }
      }
    })();
    await sleep(500);
    await fs.rm(drives[1], { recursive: true, maxRetries: 20, retryDelay: 20 }); // writes land in it meanwhile
    await sleep(6000); // the health check notices within 5 s
    await fs.mkdir(drives[1]);
    await waitFor(/Drive .* replaced by an empty drive: formatted into slot 2/, 30_000);
    await sleep(1000); // writes go on while the new drive heals
    workload.stop = true;
    await writer;
    s3.destroy();
    await waitFor(/Healing done in [\d.]+ s: \d+ versions checked, \d+ healed, 0 failed/);
    expect(workload.failures).toBe(0); // 3 of 4 drives keep the write quorum throughout

    await readsBackEverything();
    await server.stop();
    const checked = await checkDriveAgainstEncoding(drives, 1, bodies);
    expect(checked).toBe(bodies.size); // every object is inline or in shard files (none is empty)
    say(`(a) drive 2 replaced while running: ${checked} shards equal to re-encoding; ${bodies.size} objects read back`);
  });

  it('(b) refills a drive whose LMDB files were removed, losing nothing', { timeout: 60_000 }, async () => {
    await fs.rm(path.join(drives[2], 'cairn.lmdb'), { recursive: true, force: true });
    await server.launch();
    expect(server.output).toMatch(/\d+ event\(s\) copied to drives that missed them/);
    // The placement table went with the database: the shards in the drive's segments are
    // rebuilt by a full heal, as on a replacement drive.
    await waitFor(/Healing done in [\d.]+ s: \d+ versions checked, \d+ healed, 0 failed/);
    await readsBackEverything();
    await server.stop();
    expect(await checkDriveAgainstEncoding(drives, 2, bodies)).toBe(bodies.size);
  });

  it('(c) reads right through truncated shards and heals them', { timeout: 60_000 }, async () => {
    const files = await withDriveDatabase(drives[3], { readOnly: true }, (db) =>
      projectedVersions(db).flatMap(({ version }) => (version.data.kind === 'files' ? [version.data.dataDir] : [])),
    );
    for (const dataDir of files.slice(0, 5)) await truncateShard(drives[3], dataDir, 100);
    await server.launch();
    await readsBackEverything();
    // Deep: a segment cut short grows back (with zeros) as soon as anything is written after
    // the cut, so only the shards' hashes tell what was lost; a quick heal checks lengths.
    const heal = await runCairn(['admin', 'heal', BUCKET, '--deep', '--json', '--endpoint', server.endpoint], { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY });
    expect(heal.code, heal.stderr).toBe(0);
    expect(JSON.parse(heal.stdout)).toMatchObject({ failed: 0 });
    await server.stop();
    expect(await checkDriveAgainstEncoding(drives, 3, bodies)).toBe(bodies.size);
  });

  it('(d) resumes healing a replaced drive after kill -9 in the middle of it', { timeout: 120_000 }, async () => {
    await fs.rm(drives[0], { recursive: true });
    await fs.mkdir(drives[0]);
    // A slow heal (small budget) so that the kill lands in the middle of it.
    const slow = { CAIRN_HEAL_BUDGET: '0.05' };
    const restart = await CairnServer.start({ drivePaths: drives, port: server.port, env: slow });
    server = restart;
    await waitFor(/Healing: rebuilding the shards of/);
    await sleep(700);
    expect(server.output).not.toMatch(/Healing done/);
    await server.kill9();
    await fs.access(path.join(drives[0], 'heal-pending'));

    await server.launch();
    await waitFor(/Healing done in [\d.]+ s: \d+ versions checked, \d+ healed, 0 failed/, 90_000);
    await readsBackEverything();
    await server.stop();
    await expect(fs.access(path.join(drives[0], 'heal-pending'))).rejects.toThrow();
    expect(await checkDriveAgainstEncoding(drives, 0, bodies)).toBe(bodies.size);
  });
});
