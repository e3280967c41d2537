/**
 * What a listing page costs on a drive's real LMDB, counted in entries the cursor reads (not
 * in time, which a test cannot hold steady): the first page of a bucket of 100,000 objects
 * reads what the first page of a bucket of 1,000 laid out alike reads, with or without a
 * delimiter, because a rolled-up common prefix is skipped with one seek; and a key with
 * thousands of versions costs a listing a few reads, not thousands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectVersion } from '../../src/domain/object-version';
import { listPage, type ListParams } from '../../src/domain/rules/listing';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { ProjectionStore } from '../../src/infra/eventlog/projection-store';
import { tempDir } from '../helpers/temp-dirs';

const DIRECTORIES = 100;
const TOP_LEVEL_KEYS = 50;

const versionOf = (eventId: string): ObjectVersion => ({
  versionId: 'null', lastModified: 1, eventId, size: 1, etag: 'e', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'empty' },
});

/** A distinct, increasing event id per version written (32 hex digits: 8 bytes of order first). */
let written = 0;
const nextEventId = () => (++written).toString(16).padStart(16, '0') + '0'.repeat(16);

const dirOf = (i: number) => `dir${String(i % DIRECTORIES).padStart(3, '0')}`;

/** `objects` keys spread evenly over DIRECTORIES directories, plus TOP_LEVEL_KEYS keys at the top. */
function keysFor(objects: number): string[] {
  const keys = Array.from({ length: objects - TOP_LEVEL_KEYS }, (_, i) => `${dirOf(i)}/file-${String(i).padStart(6, '0')}`);
  for (let i = 0; i < TOP_LEVEL_KEYS; i++) keys.push(`top-${String(i).padStart(3, '0')}`);
  return keys;
}

describe('listing cost on LMDB', () => {
  const dir = tempDir('cairn-listing-cost-');
  let db: DriveDatabase;
  let store: ProjectionStore;
  /** Entries the `objects` table handed to a cursor since the last reset, and range opens (seeks). */
  const reads = { entries: 0, seeks: 0 };

  function writeVersions(bucket: string, keys: readonly string[]): void {
    for (let from = 0; from < keys.length; from += 10_000) {
      const batch = keys.slice(from, from + 10_000).map((key) => ({ op: 'putVersion' as const, bucket, key, version: versionOf(nextEventId()) }));
      db.root.transactionSync(() => store.applySync(batch));
    }
  }

  /** One page through the drive's real cursor, with what it read. */
  function page(bucket: string, params: Partial<ListParams>) {
    reads.entries = 0;
    reads.seeks = 0;
    const result = listPage(store.cursor(bucket), { prefix: '', maxKeys: 1000, ...params });
    return { result, entries: reads.entries, seeks: reads.seeks };
  }

  beforeAll(() => {
    db = DriveDatabase.open(dir.path);
    store = new ProjectionStore(db);
    writeVersions('small', keysFor(1_000));
    writeVersions('large', keysFor(100_000));
    // Every version of this key but the newest is one a listing of latest versions steps over.
    writeVersions('versioned', [...Array.from({ length: 5_000 }, () => 'many-versions'), 'next-key']);
    // Count what the cursor reads from the real table (the reads themselves are LMDB's).
    const getRange = db.objects.getRange.bind(db.objects);
    db.objects.getRange = ((options: Parameters<typeof getRange>[0]) => {
      reads.seeks++;
      const range = getRange(options);
      return {
        *[Symbol.iterator]() {
          for (const entry of range) {
            reads.entries++;
            yield entry;
          }
        },
      };
    }) as unknown as typeof db.objects.getRange;
  }, 120_000);

  afterAll(async () => {
    await db.close();
    dir.remove();
  });

  it('reads as much for the first page of 100,000 objects as of 1,000, with a delimiter', () => {
    const small = page('small', { delimiter: '/' });
    const large = page('large', { delimiter: '/' });
    expect(large.result.commonPrefixes).toHaveLength(DIRECTORIES);
    expect(large.result.contents).toHaveLength(TOP_LEVEL_KEYS);
    expect(large.result.commonPrefixes).toEqual(small.result.commonPrefixes);
    expect(large.result.contents.map((e) => e.key)).toEqual(small.result.contents.map((e) => e.key));
    // One read per prefix (its first key) and per top key, and a seek past each prefix.
    expect(large.entries).toBe(small.entries);
    expect(large.entries).toBeLessThanOrEqual(DIRECTORIES + TOP_LEVEL_KEYS + 1);
    expect(large.seeks).toBe(small.seeks);
  });

  it('reads one entry per key listed without a delimiter, whatever the bucket holds', () => {
    const small = page('small', {});
    const large = page('large', {});
    expect(small.result.contents).toHaveLength(1000);
    expect(large.result.contents).toHaveLength(1000);
    expect(large.result.isTruncated).toBe(true);
    expect(large.entries).toBeLessThanOrEqual(1001);
    expect(small.entries).toBeLessThanOrEqual(1001);
  });

  it('reads as much for a page inside one directory of 1,000 keys as of 10', () => {
    const small = page('small', { prefix: 'dir042/', delimiter: '/' });
    const large = page('large', { prefix: 'dir042/', delimiter: '/', maxKeys: 10 });
    expect(small.result.contents).toHaveLength(10);
    expect(large.result.contents.map((e) => e.key)).toEqual(large.result.contents.map((e) => e.key).sort());
    expect(large.result.contents).toHaveLength(10);
    expect(large.entries).toBeLessThanOrEqual(small.entries + 1);
  });

  it('steps over a key with 5,000 versions in a few reads', () => {
    const { result, entries } = page('versioned', {});
    expect(result.contents.map((e) => e.key)).toEqual(['many-versions', 'next-key']);
    // The newest version is the one listed; the rest are skipped with one seek.
    expect(result.contents[0].version.eventId).toBe((written - 1).toString(16).padStart(16, '0') + '0'.repeat(16));
    expect(entries).toBeLessThan(20);
  });
});
