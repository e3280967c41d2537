/**
 * The log is the truth: projections dropped and rebuilt from each drive's log come out
 * byte-identical to the live ones, after a mixed workload.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { decideDeleteBucket } from '../../src/domain/deciders/bucket-decider';
import { decideDeleteObject } from '../../src/domain/deciders/object-decider';
import { decisionState } from '../../src/domain/projections/projection';
import { readFormat } from '../../src/infra/drives/drive-format';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { EventLog } from '../../src/infra/eventlog/event-log';
import { genesisHash } from '../../src/infra/eventlog/event-record';
import { rebuildProjections } from '../../src/infra/eventlog/projection-rebuild';
import { openErasureSet } from '../../src/infra/storage/open-erasure-set';
import { createBucket, putObject } from '../helpers/engine';
import { dumpProjections } from '../helpers/projection-dump';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

describe('projection rebuild', () => {
  const root = tempDir();
  afterAll(() => root.remove());

  it('rebuilds byte-identical projections after puts, overwrites, deletes and many buckets', async () => {
    const paths = drivePaths(root.path, 4);
    const { set, unlock } = await openErasureSet(paths);
    const who = { actor: 'test', requestId: 'T' };
    for (let b = 0; b < 12; b++) await createBucket(set, `bucket-${b}`);
    let keys = 0;
    for (let i = 0; i < 400; i++) {
      const bucket = `bucket-${i % 12}`;
      const key = `dir${i % 5}/key-${i % 97}`; // repeats: overwrites
      await putObject(set, bucket, key, randomBytes(i % 3 === 0 ? 200_000 : i % 1000));
      keys++;
      if (i % 7 === 0) {
        const drive = set.metadataDrive();
        const bucketRecord = await drive.getBucket(bucket);
        const current = await drive.versionsOf(bucket, key);
        await set.appendEvent((stamp) => decideDeleteObject(bucketRecord, current, { bucket, key }, { ...stamp, ...who }), {
          state: decisionState(bucket, bucketRecord, key, current),
        });
      }
    }
    // Empty two buckets completely and delete them.
    for (const bucket of ['bucket-10', 'bucket-11']) {
      const drive = set.metadataDrive();
      for (const { key } of (await drive.listObjects(bucket, { prefix: '', maxKeys: 10_000 })).contents) {
        const bucketRecord = await drive.getBucket(bucket);
        const current = await drive.versionsOf(bucket, key);
        await set.appendEvent((stamp) => decideDeleteObject(bucketRecord, current, { bucket, key }, { ...stamp, ...who }), {
          state: decisionState(bucket, bucketRecord, key, current),
        });
      }
      const existing = await drive.getBucket(bucket);
      await set.appendEvent((stamp) => decideDeleteBucket(existing, { hasObjects: false }, { bucket }, { ...stamp, ...who }), { state: decisionState(bucket, existing) });
    }
    await set.close();
    await unlock();
    expect(keys).toBe(400);

    for (const drivePath of paths) {
      const before = dumpProjections(drivePath);
      expect(before.length).toBeGreaterThan(250);
      expect(before.filter((line) => line.startsWith('buckets ')).length).toBe(10);
      const format = (await readFormat(drivePath))!;
      const db = DriveDatabase.open(drivePath);
      const report = await rebuildProjections(db, new EventLog(db, genesisHash(format.deploymentId, format.driveId)));
      await db.close();
      expect(report.events).toBeGreaterThan(400);
      const after = dumpProjections(drivePath);
      // The entries only one side has, first: a readable diff when this fails.
      expect({ drive: drivePath, onlyLive: before.filter((l) => !after.includes(l)), onlyRebuilt: after.filter((l) => !before.includes(l)) }).toEqual({
        drive: drivePath,
        onlyLive: [],
        onlyRebuilt: [],
      });
      expect(after).toEqual(before);
    }
  });
});
