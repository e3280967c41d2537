/**
 * A drive's projection store read back after writes: bucket records, which it reads from
 * LMDB only after a bucket write and decodes only when their stored bytes change, are always
 * the current ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BucketRecord } from '../../src/domain/bucket';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { encodeWrites, ProjectionStore } from '../../src/infra/eventlog/projection-store';
import { tempDir } from '../helpers/temp-dirs';

describe('projection store on one drive', () => {
  const dirs: Array<{ remove(): void }> = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    dirs.splice(0).forEach((d) => d.remove());
  });
  const openDatabase = () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = DriveDatabase.open(dir.path);
    closers.push(() => db.close());
    return db;
  };
  const open = () => new ProjectionStore(openDatabase());
  const bucket = (versioning: BucketRecord['versioning']): BucketRecord => ({ name: 'b', createdAt: 1, eventId: 'e1', region: 'us-east-1', versioning });

  it('reads a bucket record as last written, through changes and a removal, and never lets it be changed in memory', () => {
    const store = open();
    expect(store.getBucket('b')).toBeUndefined();
    store.applySync([{ op: 'putBucket', bucket: bucket('Unversioned') }]);
    const first = store.getBucket('b')!;
    expect(first).toEqual(bucket('Unversioned'));
    expect(store.getBucket('b')).toBe(first); // unchanged bytes: the same record
    expect(() => ((first as { versioning: string }).versioning = 'Enabled')).toThrow(TypeError);

    store.applySync([{ op: 'putBucket', bucket: { ...bucket('Enabled'), tags: [{ key: 'k', value: 'v' }] } }]);
    expect(store.getBucket('b')).toEqual({ ...bucket('Enabled'), tags: [{ key: 'k', value: 'v' }] });
    expect(Object.isFrozen(store.getBucket('b')!.tags)).toBe(true);

    store.applySync([{ op: 'removeBucket', name: 'b' }]);
    expect(store.getBucket('b')).toBeUndefined();
    store.applySync([{ op: 'putBucket', bucket: bucket('Suspended') }]);
    expect(store.getBucket('b')).toEqual(bucket('Suspended'));
  });

  it('a bucket write queued for a group commit is read once it has committed, not a stale record cached meanwhile', async () => {
    const db = openDatabase();
    const store = new ProjectionStore(db);
    store.applySync([{ op: 'putBucket', bucket: bucket('Unversioned') }]);
    const before = store.getBucket('b')!;
    expect(store.getBucket('b')).toBe(before); // no write since: served without reading LMDB

    store.apply(encodeWrites([{ op: 'putBucket', bucket: bucket('Enabled') }]));
    expect(store.getBucket('b')).toEqual(bucket('Unversioned')); // queued, not committed: the old record, cached again
    await db.buckets.committed;
    store.bucketWritesCommitted();
    expect(store.getBucket('b')).toEqual(bucket('Enabled'));
  });
});
