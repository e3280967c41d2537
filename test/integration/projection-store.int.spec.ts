/**
 * A drive's projection store read back after writes: bucket records, which it reads from
 * LMDB only after a bucket write and decodes only when their stored bytes change, are always
 * the current ones.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BucketRecord } from '../../src/domain/bucket';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import type { ObjectVersion } from '../../src/domain/object-version';
import { encodeWrites, ProjectionStore } from '../../src/infra/eventlog/projection-store';
import { versionKey } from '../../src/infra/eventlog/object-keys';
import { tempDir } from '../helpers/temp-dirs';

const version = (eventId: string): ObjectVersion => ({
  versionId: 'null', lastModified: 1, eventId, size: 1, etag: 'e', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'empty' },
});

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

    const write = [{ op: 'putBucket' as const, bucket: bucket('Enabled') }];
    store.apply(encodeWrites(write));
    expect(store.getBucket('b')).toEqual(bucket('Unversioned')); // queued, not committed: the old record, cached again
    await db.buckets.committed;
    store.settled(write, true);
    expect(store.getBucket('b')).toEqual(bucket('Enabled'));
  });

  describe("a key's versions, cached once read and kept exact through commits", () => {
    const putNull = (old: ObjectVersion | undefined, next: ObjectVersion) => [
      ...(old ? [{ op: 'removeVersion' as const, bucket: 'b', key: 'k', version: old }] : []),
      { op: 'putVersion' as const, bucket: 'b', key: 'k', version: next },
    ];

    it('a committed write is what the next read returns, from the cache', async () => {
      const db = openDatabase();
      const store = new ProjectionStore(db);
      expect(store.versionsOf('b', 'k')).toEqual([]); // read from LMDB, now cached
      const first = putNull(undefined, version('0001'));
      store.apply(encodeWrites(first));
      await db.objects.committed;
      store.settled(first, true);
      expect(store.versionsOf('b', 'k').map((v) => v.eventId)).toEqual(['0001']);
      const second = putNull(version('0001'), version('0002'));
      store.apply(encodeWrites(second));
      await db.objects.committed;
      store.settled(second, true);
      expect(store.versionsOf('b', 'k').map((v) => v.eventId)).toEqual(['0002']);
      expect(store.latestVersion('b', 'k')?.eventId).toBe('0002');
    });

    it('with CAIRN_VERIFY_PROJECTIONS (on in this suite) a cached answer that is not the drive\'s fails the read', async () => {
      const db = openDatabase();
      const store = new ProjectionStore(db);
      expect(store.versionsOf('b', 'k')).toEqual([]);
      const write = putNull(undefined, version('0001'));
      store.apply(encodeWrites(write));
      await db.objects.committed;
      // The commit not reported to the store: its cache still says the key has no version.
      expect(() => store.versionsOf('b', 'k')).toThrow("the cached versions of b/k differ from the drive's");
      store.settled(write, true);
      expect(store.versionsOf('b', 'k').map((v) => v.eventId)).toEqual(['0001']);
    });

    it('between a commit landing and its report the cache answers as just before it (readers without the key lock only)', async () => {
      const db = openDatabase();
      const store = new ProjectionStore(db);
      expect(store.versionsOf('b', 'k')).toEqual([]);
      const write = putNull(undefined, version('0001'));
      store.queued(write);
      store.apply(encodeWrites(write));
      await db.objects.committed;
      expect(store.versionsOf('b', 'k')).toEqual([]); // landed, not yet reported: no error, the state before it
      store.settled(write, true);
      expect(store.versionsOf('b', 'k').map((v) => v.eventId)).toEqual(['0001']);
    });
  });

  describe('keys the drive never held: answered without reading LMDB once the scan of its keys has ended', () => {
    const put = (key: string, eventId: string) => ({ op: 'putVersion' as const, bucket: 'b', key, version: version(eventId) });
    /** Keys committed by an earlier run of the server: more than one chunk of the scan. */
    const committedBefore = 4500;
    const earlierRun = (db: DriveDatabase) => {
      const writer = new ProjectionStore(db);
      db.root.transactionSync(() => {
        for (let i = 0; i < committedBefore; i++) writer.applySync([put(`old/${i}`, `${i.toString(16).padStart(16, '0')}`)]);
      });
    };

    it('finds every key committed before it started and every key written since, even during its scan', async () => {
      const db = openDatabase();
      earlierRun(db);
      const store = new ProjectionStore(db);
      expect(store.knownKeysComplete).toBe(false);
      expect(store.versionsOf('b', 'new/0')).toEqual([]); // read from LMDB; starts the scan
      const duringScan = [put('new/1', 'a000000000000001')];
      store.queued(duringScan);
      store.apply(encodeWrites(duringScan)); // queued while the scan runs
      await vi.waitFor(() => expect(store.knownKeysComplete).toBe(true));
      await db.objects.committed;
      store.settled(duringScan, true);

      for (let i = 0; i < committedBefore; i += 7) expect(store.versionsOf('b', `old/${i}`).map((v) => v.eventId), `old/${i}`).toEqual([`${i.toString(16).padStart(16, '0')}`]);
      expect(store.latestVersion('b', `old/${committedBefore - 1}`)?.eventId).toBe((committedBefore - 1).toString(16).padStart(16, '0'));
      expect(store.versionsOf('b', 'new/1').map((v) => v.eventId)).toEqual(['a000000000000001']);
      expect(store.versionsOf('b', 'new/2')).toEqual([]);
      expect(store.latestVersion('b', 'new/3')).toBeUndefined();
    });

    it('is made only at a moment with no append in flight: an earlier write not yet committed could be missed by the scan', async () => {
      const db = openDatabase();
      const store = new ProjectionStore(db);
      const inFlight = [put('pending', 'c000000000000001')];
      store.queued(inFlight); // appended, its writes not yet queued in LMDB (held for the next group)
      expect(store.versionsOf('b', 'other')).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(store.knownKeysComplete).toBe(false); // no filter: every key is read from LMDB
      store.apply(encodeWrites(inFlight));
      await db.objects.committed;
      store.settled(inFlight, true);
      expect(store.versionsOf('b', 'another')).toEqual([]); // nothing in flight now: the filter is made
      await vi.waitFor(() => expect(store.knownKeysComplete).toBe(true));
      expect(store.versionsOf('b', 'pending').map((v) => v.eventId)).toEqual(['c000000000000001']);
    });

    it('answers "no versions" from the filter alone: a version written behind the store\'s back is not seen (and CAIRN_VERIFY_PROJECTIONS, on in this suite, says so)', async () => {
      const db = openDatabase();
      earlierRun(db);
      const store = new ProjectionStore(db);
      store.versionsOf('b', 'anything');
      await vi.waitFor(() => expect(store.knownKeysComplete).toBe(true));
      // Nothing but the store writes a drive's projections; this write breaks that rule on purpose.
      db.objects.putSync(versionKey('b', 'sneaked', 'b000000000000001'), version('b000000000000001'));
      expect(() => store.versionsOf('b', 'sneaked')).toThrow('the known-keys filter took b/sneaked for a key without versions, but the drive holds some');
    });
  });
});
