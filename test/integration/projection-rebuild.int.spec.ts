/**
 * The log is the truth: projections dropped and rebuilt from each drive's log come out
 * byte-identical to the live ones, after a mixed workload.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { decideDeleteBucketCors, decidePutBucketCors } from '../../src/domain/deciders/cors-decider';
import { decideDeleteObject } from '../../src/domain/deciders/object-decider';
import { decideDeleteBucketTagging, decideDeleteObjectTagging, decidePutBucketTagging, decidePutObjectTagging } from '../../src/domain/deciders/tagging-decider';
import type { CairnEvent } from '../../src/domain/events';
import type { ErasureSet } from '../../src/infra/storage/erasure-set';
import { decisionState } from '../../src/domain/projections/projection';
import { readFormat } from '../../src/infra/drives/drive-format';
import { ensureDataReferences } from '../../src/infra/eventlog/data-references';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { EventLog } from '../../src/infra/eventlog/event-log';
import { genesisHash } from '../../src/infra/eventlog/event-record';
import { rebuildProjections } from '../../src/infra/eventlog/projection-rebuild';
import { openErasureSet } from '../../src/infra/storage/open-erasure-set';
import { ServerConfig } from '../../src/config/server-config';
import { NamespaceLocks } from '../../src/infra/locks/namespace-locks';
import { BucketService } from '../../src/modules/buckets/bucket.service';
import { BucketConfigService } from '../../src/modules/buckets/bucket-config.service';
import { ObjectLockService } from '../../src/modules/objects/object-lock.service';
import { decideCreateBucket } from '../../src/domain/deciders/bucket-decider';
import { MultipartService } from '../../src/modules/objects/multipart.service';
import { ObjectService } from '../../src/modules/objects/object.service';
import { ObjectReader } from '../../src/infra/storage/object-reader';
import { ShardReclaimer } from '../../src/modules/storage/shard-reclaimer';
import { bufferPayload, createBucket, putObject } from '../helpers/engine';
import { dumpProjections } from '../helpers/projection-dump';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

describe('projection rebuild', () => {
  const root = tempDir();
  afterAll(() => root.remove());

  /** Decides one event on the drive's committed state of `bucket` (and `key`) and appends it. */
  async function append(
    set: ErasureSet,
    bucket: string,
    key: string | undefined,
    decide: (state: { bucketRecord: Awaited<ReturnType<ErasureSet['drives'][number]['getBucket']>>; current: Awaited<ReturnType<ErasureSet['drives'][number]['versionsOf']>> }, stamp: { id: string; time: number }) => CairnEvent | undefined,
  ): Promise<void> {
    const drive = set.metadata();
    const bucketRecord = await drive.getBucket(bucket);
    const current = key === undefined ? [] : await drive.versionsOf(bucket, key);
    await set.appendEvent((stamp) => decide({ bucketRecord, current }, stamp), { state: decisionState(bucket, bucketRecord, key, current) });
  }

  it('rebuilds byte-identical projections after puts, overwrites, deletes, multipart uploads, tagging, bucket tags and CORS, and many buckets', async () => {
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
      if (i % 11 === 0) {
        const tags = [{ key: 'n', value: String(i) }, { key: 'sum', value: `${bucket}/${key}` }];
        await append(set, bucket, key, ({ bucketRecord, current }, stamp) => decidePutObjectTagging(bucketRecord, current, { bucket, key, tags }, { ...stamp, ...who }));
      }
      if (i % 22 === 0) {
        await append(set, bucket, key, ({ bucketRecord, current }, stamp) => decideDeleteObjectTagging(bucketRecord, current, { bucket, key }, { ...stamp, ...who }));
      }
      if (i % 50 === 0) {
        const rules = [{ allowedOrigins: [`https://${i}.example`], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: ['ETag'], maxAgeSeconds: i }];
        await append(set, bucket, undefined, ({ bucketRecord }, stamp) => decidePutBucketCors(bucketRecord, { bucket, rules }, { ...stamp, ...who }));
        await append(set, bucket, undefined, ({ bucketRecord }, stamp) => decidePutBucketTagging(bucketRecord, { bucket, tags: [{ key: 'i', value: String(i) }] }, { ...stamp, ...who }));
      }
      if (i % 100 === 0) {
        await append(set, bucket, undefined, ({ bucketRecord }, stamp) => decideDeleteBucketCors(bucketRecord, { bucket }, { ...stamp, ...who }));
        await append(set, bucket, undefined, ({ bucketRecord }, stamp) => decideDeleteBucketTagging(bucketRecord, { bucket }, { ...stamp, ...who }));
      }
      if (i % 7 === 0) {
        const drive = set.metadata();
        const bucketRecord = await drive.getBucket(bucket);
        const current = await drive.versionsOf(bucket, key);
        await set.appendEvent((stamp) => decideDeleteObject(bucketRecord, current, { bucket, key }, { ...stamp, ...who }), {
          state: decisionState(bucket, bucketRecord, key, current),
        });
      }
    }
    // Multipart uploads: completed, aborted, with replaced parts, left in progress, and in a
    // bucket that is then deleted with its uploads.
    const locks = new NamespaceLocks();
    const reclaimer = new ShardReclaimer(set);
    const objects = new ObjectService(set, locks, new ObjectReader(set), reclaimer);
    const multipart = new MultipartService(set, locks, reclaimer, objects);
    let uploads = 0;
    for (const bucket of ['bucket-3', 'bucket-4', 'bucket-11']) {
      for (let u = 0; u < 4; u++) {
        const key = `mp/${u}`;
        const uploadId = await multipart.createUpload(who, { bucket, key, system: { contentType: 'video/mp4' }, user: { take: String(u) } });
        uploads++;
        const etags: string[] = [];
        for (let part = 1; part <= 3; part++) {
          const size = part < 3 ? 5 * 1024 * 1024 : 1000 + u;
          if (part === 2) await multipart.uploadPart(who, { bucket, key, uploadId, partNumber: part, payloadFor: () => bufferPayload(randomBytes(10)) });
          etags.push((await multipart.uploadPart(who, { bucket, key, uploadId, partNumber: part, payloadFor: () => bufferPayload(randomBytes(size)) })).etag);
        }
        if (u === 0) await multipart.completeUpload(who, { bucket, key, uploadId, parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) });
        if (u === 1) await multipart.abortUpload(who, { bucket, key, uploadId });
      }
    }
    expect(uploads).toBe(12);

    // Versioning: versions, delete markers (Enabled and Suspended), versions deleted by id.
    const bucketConfig = new BucketConfigService(set, locks);
    await bucketConfig.putBucketVersioning(who, 'bucket-5', 'Enabled');
    let markers = 0;
    for (let i = 0; i < 60; i++) {
      const key = `versioned/${i % 7}`;
      if (i === 40) await bucketConfig.putBucketVersioning(who, 'bucket-5', 'Suspended');
      if (i % 5 === 4) {
        const deleted = await objects.deleteObject(who, 'bucket-5', key);
        if (deleted.deleteMarker) markers++;
      } else await putObject(set, 'bucket-5', key, randomBytes(i % 2 === 0 ? 150_000 : 300));
      if (i % 9 === 8) {
        const versions = await set.metadata().versionsOf('bucket-5', key);
        if (versions.length > 1) await objects.deleteObject(who, 'bucket-5', key, versions[versions.length - 1].versionId);
      }
    }
    expect(markers).toBe(12);

    // Object Lock: a lock-enabled bucket, a default retention, retention and legal holds on versions.
    await set.appendEvent((stamp) => decideCreateBucket(undefined, { bucket: 'vault', region: 'us-east-1', objectLockEnabled: true }, { ...stamp, ...who }), {
      state: decisionState('vault', undefined),
    });
    await bucketConfig.putObjectLockConfiguration(who, 'vault', { defaultRetention: { mode: 'GOVERNANCE', days: 3 } });
    const objectLock = new ObjectLockService(set, locks);
    for (let i = 0; i < 6; i++) {
      await putObject(set, 'vault', `record-${i}`, randomBytes(100 + i));
      const target = { bucket: 'vault', key: `record-${i}` };
      if (i % 2 === 0) await objectLock.putRetention(who, target, { mode: 'COMPLIANCE', retainUntil: Date.now() + 86_400_000 * (i + 5) }, false);
      if (i % 3 === 0) await objectLock.putLegalHold(who, target, true);
      if (i === 3) await objectLock.putLegalHold(who, target, false);
    }
    const buckets = new BucketService(set, locks, new ServerConfig(undefined, 9000, paths, 'root', 'password', 'us-east-1', false, [], undefined), reclaimer);

    // Empty two buckets completely and delete them.
    for (const bucket of ['bucket-10', 'bucket-11']) {
      const drive = set.metadata();
      for (const { key } of (await drive.listObjects(bucket, { prefix: '', maxKeys: 10_000 })).contents) {
        const bucketRecord = await drive.getBucket(bucket);
        const current = await drive.versionsOf(bucket, key);
        await set.appendEvent((stamp) => decideDeleteObject(bucketRecord, current, { bucket, key }, { ...stamp, ...who }), {
          state: decisionState(bucket, bucketRecord, key, current),
        });
      }
      await buckets.deleteBucket(who, bucket);
    }
    await set.close();
    await unlock();
    expect(keys).toBe(400);

    for (const drivePath of paths) {
      const before = dumpProjections(drivePath);
      expect(before.length).toBeGreaterThan(250);
      expect(before.filter((line) => line.startsWith('buckets ')).length).toBe(11);
      // bucket-3 and bucket-4 each keep two uploads in progress (one completed, one aborted).
      expect(before.filter((line) => line.startsWith('uploads ')).length).toBe(4);
      expect(before.filter((line) => line.startsWith('parts ')).length).toBe(12);
      // Delete markers are in the projection (hex of their JSON field name).
      expect(before.some((line) => line.startsWith('objects ') && line.includes(Buffer.from('deleteMarker').toString('hex')))).toBe(true);
      expect(before.some((line) => line.startsWith('objects ') && line.includes(Buffer.from('legalHold').toString('hex')))).toBe(true);
      // The workload left tags and CORS rules in the projections (hex of their JSON field names).
      const hex = (text: string) => Buffer.from(text).toString('hex');
      expect(before.some((line) => line.startsWith('objects ') && line.includes(hex('tags')))).toBe(true);
      expect(before.some((line) => line.startsWith('buckets ') && line.includes(hex('cors')))).toBe(true);
      // Versions and parts with shard data are in the data references, marked complete.
      const referenceOwners = before.filter((line) => line.startsWith('references ')).map((line) => line.split(' ')[1]);
      expect(referenceOwners.filter((key) => key.slice(64, 68) === `00${hex('v')}`).length).toBeGreaterThan(20);
      expect(referenceOwners.filter((key) => key.slice(64, 68) === `00${hex('p')}`).length).toBe(12); // every part of the uploads in progress
      expect(referenceOwners).toContain('ff');
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

      // A drive from before the data references: built from its versions and parts, the same.
      const old = DriveDatabase.open(drivePath);
      old.references.dropSync();
      await old.close();
      const migrated = DriveDatabase.open(drivePath);
      expect(ensureDataReferences(migrated)).toBe(referenceOwners.length - 1);
      expect(ensureDataReferences(migrated)).toBeUndefined(); // once
      await migrated.close();
      expect(dumpProjections(drivePath)).toEqual(before);
    }
  });
});
