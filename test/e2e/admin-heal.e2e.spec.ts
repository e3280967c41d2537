/**
 * `cairn admin heal --endpoint URL` against a running server: shard files deleted or with
 * flipped bytes on one drive are found (a dry run reports without touching them, a quick scan
 * finds missing files, --deep also damaged ones) and rebuilt byte for byte.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedShards, contentFor, flipShardByte, locateShard, readShard, removeShard } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, runCairn, SECRET_KEY } from '../helpers/server';

const credentials = { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY };

describe('cairn admin heal', () => {
  let server: CairnServer;
  let drive: string;
  let originals: Map<string, Buffer>;

  beforeAll(async () => {
    server = await CairnServer.start();
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'media' }));
    for (let i = 0; i < 6; i++) await s3.send(new PutObjectCommand({ Bucket: 'media', Key: `clip-${i}`, Body: contentFor(`clip-${i}`, 200_000 + i * 50_000) }));
    s3.destroy();
    drive = server.drives[2];
    originals = new Map();
    for (const dataDir of await committedShards(drive)) originals.set(dataDir, await readShard(drive, dataDir));
  });
  afterAll(async () => server?.dispose());

  const heal = (...args: string[]) => runCairn(['admin', 'heal', ...args, '--endpoint', server.endpoint], credentials);

  it('finds missing and damaged shards, reports them in a dry run, and rebuilds them byte for byte', async () => {
    const [missing, damaged] = [...originals.keys()];
    await removeShard(drive, missing);
    await flipShardByte(drive, damaged, 1000);

    const dryRun = await heal('--deep', '--dry-run', '--json');
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toEqual({ scanned: 6, versions: 6, damaged: 2, healed: 0, failed: 0 });
    expect(await locateShard(drive, missing)).toBeUndefined();

    // Without --deep only sizes are checked: the missing file is found, the flipped byte is not.
    const quick = await heal('media', '--json');
    expect(JSON.parse(quick.stdout)).toEqual({ scanned: 6, versions: 6, damaged: 1, healed: 1, failed: 0 });
    expect((await readShard(drive, missing)).equals(originals.get(missing)!)).toBe(true);

    const deep = await heal('media/clip-', '--deep');
    expect(deep.code, deep.stderr).toBe(0);
    expect(deep.stdout).toMatch(/Heal done in [\d.]+ s: 6 objects scanned \(6 versions, [\d.]+ MiB\), 1 damaged, 1 healed, 0 failed/);
    for (const [dataDir, bytes] of originals) expect((await readShard(drive, dataDir)).equals(bytes), dataDir).toBe(true);

    const clean = await heal('--deep', '--json');
    expect(JSON.parse(clean.stdout)).toEqual({ scanned: 6, versions: 6, damaged: 0, healed: 0, failed: 0 });
  });

  it('refuses a wrong password and an unknown bucket, with a one-line reason and exit code 1', async () => {
    const wrong = await runCairn(['admin', 'heal', '--endpoint', server.endpoint], { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: 'not-the-password' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('SignatureDoesNotMatch');
    const unknown = await heal('no-such-bucket');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NoSuchBucket');
    const usage = await runCairn(['admin', 'heal'], credentials);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: cairn admin heal');
  });
});

describe('the background scanner', () => {
  let server: CairnServer;
  afterAll(async () => server?.dispose());

  it('finds and heals a flipped byte in a shard that no read touches (a deep scan every cycle)', { timeout: 60_000 }, async () => {
    server = await CairnServer.start({ env: { CAIRN_SCAN_INTERVAL: '1', CAIRN_SCAN_DEEP_EVERY: '1', CAIRN_HEAL_BUDGET: '1' } });
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'quiet' }));
    await s3.send(new PutObjectCommand({ Bucket: 'quiet', Key: 'untouched', Body: contentFor('untouched', 400_000) }));
    s3.destroy();
    const drive = server.drives[1];
    const [dataDir] = await committedShards(drive);
    const original = await readShard(drive, dataDir);
    await flipShardByte(drive, dataDir, 5000);
    expect((await readShard(drive, dataDir)).equals(original)).toBe(false);
    const deadline = Date.now() + 20_000;
    while (!(await readShard(drive, dataDir)).equals(original) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await readShard(drive, dataDir)).equals(original)).toBe(true);
  });
});
