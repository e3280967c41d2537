/**
 * The data-references table of one drive (data-references.ts): which shard data dirs versions
 * and parts still use, kept in step with their rows by every way rows are written (live
 * writes, an undo whose removals carry only keys) and built once for a drive from before the
 * table existed. Start-up judges segment placements by it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectData, ObjectVersion } from '../../src/domain/object-version';
import type { UploadedPart } from '../../src/domain/multipart-upload';
import { invertWrites, type ProjectionWrite } from '../../src/domain/projections/projection';
import { ensureDataReferences } from '../../src/infra/eventlog/data-references';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { encodeWrites, ProjectionStore } from '../../src/infra/eventlog/projection-store';
import { tempDir } from '../helpers/temp-dirs';

const layout = { dataShards: 2, parityShards: 2, blockSize: 1024 * 1024, distribution: [0, 1, 2, 3] };
const files = (dataDir: string): Extract<ObjectData, { kind: 'files' }> => ({ kind: 'files', layout, dataDir });
const version = (eventId: string, data: ObjectData): ObjectVersion => ({
  versionId: eventId, lastModified: 1, eventId, size: 10, etag: 'e', system: {}, user: {}, storageClass: 'STANDARD', data,
});
const UPLOAD = 'ab'.repeat(16);
const part = (partNumber: number, dataDir: string): UploadedPart => ({ uploadId: UPLOAD, partNumber, size: 10, etag: 'e', lastModified: 1, data: files(dataDir) });
const dir = (n: number) => `019a000000${String(n).padStart(2, '0')}${'0'.repeat(20)}`;

describe('data references', () => {
  const dirs: Array<{ remove(): void }> = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    dirs.splice(0).forEach((d) => d.remove());
  });
  const openDatabase = (path?: { path: string; remove(): void }) => {
    if (!path) dirs.push((path = tempDir()));
    const db = DriveDatabase.open(path.path);
    closers.push(() => db.close());
    return { db, path };
  };
  /** Applies writes as a transaction, as rebuild and rollback do. */
  const applySync = (db: DriveDatabase, store: ProjectionStore, writes: Parameters<ProjectionStore['applySync']>[0]) =>
    db.root.transactionSync(() => store.applySync(writes));
  const referenced = (store: ProjectionStore) => [1, 2, 3, 4, 5, 6].filter((n) => store.isDataReferenced(dir(n)));

  it('follows versions and parts through live writes and the undo of a write, whose removals carry only keys', async () => {
    const { db } = openDatabase();
    const store = new ProjectionStore(db);
    expect(referenced(store)).toEqual([]);

    // Live writes (group commit): a version in files, an inline one, parts of an upload.
    const live: ProjectionWrite[] = [
      { op: 'putVersion', bucket: 'b', key: 'big', version: version('0001', files(dir(1))) },
      { op: 'putVersion', bucket: 'b', key: 'small', version: version('0002', { kind: 'inline', layout }) },
      { op: 'putPart', part: part(1, dir(2)) },
      { op: 'putPart', part: part(2, dir(3)) },
    ];
    store.apply(encodeWrites(live));
    await db.root.committed;
    expect(referenced(store)).toEqual([1, 2, 3]);

    // Completing the upload moves its parts into a version: their data stays referenced.
    const parts = [part(1, dir(2)), part(2, dir(3))];
    const completed = version('0003', { kind: 'multipart', parts: parts.map(({ partNumber, size, etag, data }) => ({ partNumber, size, etag, data })) });
    const complete: ProjectionWrite[] = [
      ...parts.map((p) => ({ op: 'removePart' as const, part: p })),
      { op: 'putVersion', bucket: 'b', key: 'mp', version: completed },
    ];
    store.apply(encodeWrites(complete));
    await db.root.committed;
    expect(referenced(store)).toEqual([1, 2, 3]);

    // An overwrite of `big`, then rolled back by its undo, as start-up does with an event no
    // quorum holds: the undo removes the new version by key only.
    const overwrite: ProjectionWrite[] = [
      { op: 'removeVersion', bucket: 'b', key: 'big', version: version('0001', files(dir(1))) },
      { op: 'putVersion', bucket: 'b', key: 'big', version: version('0004', files(dir(4))) },
    ];
    const undo = invertWrites(overwrite, store);
    expect(undo).toContainEqual({ op: 'removeVersion', bucket: 'b', key: 'big', version: { eventId: '0004' } });
    applySync(db, store, overwrite);
    expect(referenced(store)).toEqual([2, 3, 4]);
    applySync(db, store, undo);
    expect(referenced(store)).toEqual([1, 2, 3]);

    // A part uploaded and then rolled back, again by key only.
    const newPart: ProjectionWrite[] = [{ op: 'putPart', part: part(3, dir(5)) }];
    const partUndo = invertWrites(newPart, store);
    applySync(db, store, newPart);
    expect(referenced(store)).toEqual([1, 2, 3, 5]);
    applySync(db, store, partUndo);
    expect(referenced(store)).toEqual([1, 2, 3]);

    // Deleting the multipart version releases its parts' data.
    applySync(db, store, [{ op: 'removeVersion', bucket: 'b', key: 'mp', version: completed }]);
    expect(referenced(store)).toEqual([1]);
  });

  it('builds the table once for a drive from before it existed, from the versions and parts', async () => {
    const { db, path } = openDatabase();
    const store = new ProjectionStore(db);
    applySync(db, store, [
      { op: 'putVersion', bucket: 'b', key: 'one', version: version('0001', files(dir(1))) },
      { op: 'putVersion', bucket: 'b', key: 'two', version: version('0002', files(dir(6))) },
      { op: 'putVersion', bucket: 'c', key: 'inline', version: version('0003', { kind: 'inline', layout }) },
      { op: 'putPart', part: part(1, dir(2)) },
    ]);
    const live = [...db.references.getKeys()];
    expect(live).toHaveLength(3); // no marker yet: the table was never built or marked complete
    db.references.dropSync();
    await db.close();
    closers.pop();

    // Opened as the server opens it: the table is new and empty, and built from the rows.
    const reopened = openDatabase(path).db;
    expect(new ProjectionStore(reopened).isDataReferenced(dir(1))).toBe(false);
    expect(ensureDataReferences(reopened)).toBe(3);
    expect([...reopened.references.getKeys()]).toEqual([...live, Buffer.from([0xff])]);
    expect(referenced(new ProjectionStore(reopened))).toEqual([1, 2, 6]);
    expect(ensureDataReferences(reopened)).toBeUndefined(); // marked complete: never read again
  });
});
