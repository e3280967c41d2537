/**
 * Reads and writes of one drive's projections (buckets, object versions, multipart uploads).
 * Writes are only ever the output of `project()` for an event, applied in the event's
 * transaction; nothing else writes here.
 */
import type { BucketRecord } from '../../domain/bucket';
import type { MultipartUpload, UploadedPart } from '../../domain/multipart-upload';
import type { ObjectVersion } from '../../domain/object-version';
import { isDataReferenced, partReferenceKeys, REFERENCE_VALUE, versionReferenceKeys } from './data-references';
import { type KeyedWrite, type ProjectionReader, type ProjectionWrite } from '../../domain/projections/projection';
import { VERIFY_PROJECTIONS } from './verify-projections';
import { KeyVersionsCache } from './key-versions-cache';
import { KnownKeys } from './known-keys';
import type { KeyCursor, ListEntry } from '../../domain/rules/listing';
import { asBinary, type Database } from 'lmdb';
import type { DriveDatabase } from './drive-database';
import { bucketEnd, bucketPrefix, keyStart, objectKeyOf, pastPrefix, VERSION_SUFFIX_BYTES, versionKey, versionsRange } from './object-keys';
import { isUploadId, partKey, partsRange, uploadKey } from './upload-keys';

/** Version keys the known-keys scan reads per event turn (~1 ms: ~1 µs a key, hashing included). */
const KNOWN_KEYS_SCAN_CHUNK = 1000;

export class ProjectionStore implements ProjectionReader {
  /** Bucket records as last decoded, with their bytes and the generation they were read at (see getBucket). */
  private readonly decodedBuckets = new Map<string, { bytes: Buffer; record: BucketRecord; generation: number }>();
  /**
   * Bumped whenever a bucket record is written: when the write is queued (`apply`,
   * `applySync`) and again when its commit has settled (`settled`). A record read at
   * the current generation is returned without reading LMDB. Sound because this store is the
   * only writer of its drive's buckets in the process (`cairn admin rebuild` runs with the
   * server stopped), and lmdb-js renews its read snapshot before it resolves a commit: a
   * read after the second bump sees the write, and one between the bumps (old or new bytes)
   * is cached under the first and discarded by the second.
   */
  private bucketsGeneration = 0;
  /** The versions of recently used keys, kept exact through this drive's commits (key-versions-cache.ts). */
  private readonly keyVersions = new KeyVersionsCache();
  /**
   * The keys this drive may hold versions of (known-keys.ts), made on the first read of a
   * key's versions (only the drive that answers those needs one) at a moment when no append
   * is in flight: from then on it takes every version write this store queues, and a scan
   * adds what was committed before.
   */
  private knownKeys: KnownKeys | undefined;
  /** Appends between `queued` and `settled`: their writes may be queued and not yet committed. */
  private appendsInFlight = 0;

  constructor(private readonly db: DriveDatabase) {}

  /**
   * A bucket record, decoded only when its stored bytes changed: every write reads its bucket
   * twice, and the record rarely changes. The record returned is frozen, as it is shared.
   */
  getBucket(name: string): BucketRecord | undefined {
    const known = this.decodedBuckets.get(name);
    if (known !== undefined && known.generation === this.bucketsGeneration) return known.record;
    const bytes: Buffer | undefined = this.db.buckets.getBinary(name);
    if (bytes === undefined) {
      this.decodedBuckets.delete(name);
      return undefined;
    }
    const record = known !== undefined && known.bytes.equals(bytes) ? known.record : deepFreeze(JSON.parse(bytes.toString('utf8')) as BucketRecord);
    this.decodedBuckets.set(name, { bytes, record, generation: this.bucketsGeneration });
    return record;
  }

  listBuckets(): BucketRecord[] {
    const buckets: BucketRecord[] = [];
    for (const { value } of this.db.buckets.getRange()) buckets.push(value);
    return buckets;
  }

  /** A key's versions, newest first: from the cache of recent keys, or read from LMDB (and cached). */
  versionsOf(bucket: string, key: string): ObjectVersion[] {
    const cached = this.keyVersions.get(bucket, key);
    if (cached !== undefined) {
      if (VERIFY_PROJECTIONS) this.assertCachedVersions(bucket, key, cached);
      return cached.slice();
    }
    const versions = this.mayHaveVersions(bucket, key) ? this.readVersions(bucket, key) : [];
    this.keyVersions.remember(bucket, key, versions);
    return versions.slice();
  }

  latestVersion(bucket: string, key: string): ObjectVersion | undefined {
    const cached = this.keyVersions.get(bucket, key);
    if (cached !== undefined) {
      if (VERIFY_PROJECTIONS) this.assertCachedVersions(bucket, key, cached);
      return cached[0];
    }
    if (!this.mayHaveVersions(bucket, key)) return undefined;
    const { start, end } = versionsRange(bucket, key); // spelled out: a spread followed by a field is V8's slow path
    for (const { value } of this.db.objects.getRange({ start, end, limit: 1 })) return value;
    return undefined;
  }

  /**
   * An event's writes are about to be queued on this drive (LocalDrive.appendEvent); `settled`
   * reports their commit. The known-keys filter is only made with none in flight; the test
   * suite's check of cached versions also follows them (assertCachedVersions).
   */
  queued(writes: readonly ProjectionWrite[]): void {
    this.appendsInFlight++;
    if (VERIFY_PROJECTIONS) this.keyVersions.queued(writes);
  }

  /**
   * The commit of an event's writes (given to `apply`) has settled: the read caches follow it.
   * A bucket write moves the buckets' generation either way (see getBucket); a key's cached
   * versions take the writes of a commit that succeeded, and are all dropped after one that
   * failed, since what the drive then holds is not known here.
   */
  settled(writes: readonly ProjectionWrite[], committed: boolean): void {
    this.appendsInFlight--;
    if (writes.some((write) => write.op === 'putBucket' || write.op === 'removeBucket')) this.bucketsGeneration++;
    if (committed) this.keyVersions.committed(writes);
    else this.keyVersions.failed(writes);
  }

  /** The scan of committed keys has ended: keys never written are answered without reading LMDB. */
  get knownKeysComplete(): boolean {
    return this.knownKeys?.complete ?? false;
  }

  /**
   * False when the drive certainly holds no version of the key, so that LMDB need not be read
   * (a new key's write). Until the filter is made and its scan has ended, every key may.
   */
  private mayHaveVersions(bucket: string, key: string): boolean {
    const known = this.knownKeys;
    if (known === undefined || !known.complete) {
      if (known === undefined && this.appendsInFlight === 0) this.scanKnownKeys((this.knownKeys = new KnownKeys()));
      return true;
    }
    if (known.mayHave(keyStart(bucket, key))) return true;
    if (VERIFY_PROJECTIONS && this.readVersions(bucket, key).length > 0) {
      throw new Error(`the known-keys filter took ${bucket}/${key} for a key without versions, but the drive holds some`);
    }
    return false;
  }

  /**
   * Adds every version key committed so far to the filter, a chunk per event turn (a drive
   * may hold millions) with a fresh read each time (an iterator kept open across turns would
   * pin old pages), then marks it complete. With no append in flight when the filter was
   * made, every earlier write has committed, so the scan sees it; later ones are added as
   * they are queued.
   */
  private scanKnownKeys(known: KnownKeys): void {
    let after: Buffer | undefined;
    const scanChunk = (): void => {
      let scanned = 0;
      try {
        for (const key of this.db.objects.getKeys(after ? { start: after, limit: KNOWN_KEYS_SCAN_CHUNK + 1 } : { limit: KNOWN_KEYS_SCAN_CHUNK })) {
          const bytes = key as Buffer;
          if (after !== undefined && bytes.equals(after)) continue; // the start of a range is inclusive
          known.add(bytes, bytes.length - VERSION_SUFFIX_BYTES);
          after = Buffer.from(bytes);
          scanned++;
        }
      } catch {
        known.abandon(); // the database was closed (or the filter ran out of memory): reads go to LMDB
        return;
      }
      if (scanned < KNOWN_KEYS_SCAN_CHUNK) known.markScanned();
      else setImmediate(scanChunk);
    };
    setImmediate(scanChunk);
  }

  private readVersions(bucket: string, key: string): ObjectVersion[] {
    const versions: ObjectVersion[] = [];
    for (const { value } of this.db.objects.getRange(versionsRange(bucket, key))) versions.push(value);
    return versions;
  }

  /**
   * Test suites (CAIRN_VERIFY_PROJECTIONS=1): a cached answer is checked against LMDB, unless a
   * commit on the key is still unreported. (Between the moment LMDB shows a commit and its
   * report the cache answers as just before it: only readers without the key's lock can ask
   * then, and the write it holds is not acknowledged yet.)
   */
  private assertCachedVersions(bucket: string, key: string, cached: readonly ObjectVersion[]): void {
    if (this.keyVersions.hasUnreportedWrites(bucket, key)) return;
    if (JSON.stringify(cached) !== JSON.stringify(this.readVersions(bucket, key))) {
      throw new Error(`the cached versions of ${bucket}/${key} differ from the drive's`);
    }
  }

  hasObjects(bucket: string): boolean {
    for (const _ of this.db.objects.getKeys({ start: bucketPrefix(bucket), end: bucketEnd(bucket), limit: 1 })) return true;
    return false;
  }

  getUpload(bucket: string, key: string, uploadId: string): MultipartUpload | undefined {
    return isUploadId(uploadId) ? this.db.uploads.get(uploadKey(bucket, key, uploadId)) : undefined;
  }

  partsOf(uploadId: string): UploadedPart[] {
    if (!isUploadId(uploadId)) return [];
    const parts: UploadedPart[] = [];
    for (const { value } of this.db.parts.getRange(partsRange(uploadId))) parts.push(value);
    return parts;
  }

  uploadsIn(bucket: string): MultipartUpload[] {
    return [...this.uploadsFrom(bucket, '')];
  }

  /** A bucket's uploads in S3 order (key, then initiation), from the first key >= `fromKey`. */
  *uploadsFrom(bucket: string, fromKey: string): Generator<MultipartUpload> {
    for (const { value } of this.db.uploads.getRange({ start: keyStart(bucket, fromKey), end: bucketEnd(bucket) })) yield value;
  }

  /** Whether a version or an uploaded part references the data dir (start-up garbage collection). */
  isDataReferenced(dataDir: string): boolean {
    return isDataReferenced(this.db.references, dataDir);
  }

  /** A cursor over the bucket's keys, each with its latest version. */
  cursor(bucket: string): KeyCursor {
    return new ObjectKeyCursor(this.db, bucket, false);
  }

  /** A cursor over every version of every key (ListObjectVersions), newest first within a key. */
  versionCursor(bucket: string): KeyCursor {
    return new ObjectKeyCursor(this.db, bucket, true);
  }

  /**
   * Queues the writes in the current transaction (or the current event turn's batch); call
   * `settled` once their commit has.
   */
  apply(writes: readonly EncodedWrite[]): void {
    if (writesBuckets(writes)) this.bucketsGeneration++;
    this.addKnownKeys(writes);
    for (const { db, key, value } of writes) void (value ? this.database(db).put(key, asBinary(value)) : this.database(db).remove(key));
  }

  /**
   * Applies writes immediately; must run inside a synchronous transaction. (Its reads see
   * its own writes, and the commit is synchronous: one bump of the generation is enough.)
   */
  applySync(writes: readonly KeyedWrite[]): void {
    this.keyVersions.clear();
    for (const write of writes) {
      // One at a time: a removal looks up the row it removes, which an earlier write may have put.
      const encoded = encodeWrites([this.withStoredData(write)]);
      if (writesBuckets(encoded)) this.bucketsGeneration++;
      this.addKnownKeys(encoded);
      for (const { db, key, value } of encoded) void (value ? this.database(db).putSync(key, asBinary(value)) : this.database(db).removeSync(key));
    }
  }

  /**
   * An undo's removals carry only keys (projection.ts, invertWrites): the stored row says which
   * shard data the removed version or part used, so that its data references go with it.
   */
  private withStoredData(write: KeyedWrite): KeyedWrite {
    if (write.op === 'removeVersion' && !('data' in write.version)) {
      const stored = this.db.objects.get(versionKey(write.bucket, write.key, write.version.eventId));
      return stored ? { ...write, version: stored } : write;
    }
    if (write.op === 'removePart' && !('data' in write.part)) {
      const stored = this.db.parts.get(partKey(write.part.uploadId, write.part.partNumber));
      return stored ? { ...write, part: stored } : write;
    }
    return write;
  }

  /**
   * Version writes are added to the known keys before they are queued: before they can commit.
   * This runs inside an append's transaction, where a throw would commit the event without its
   * projection: a filter that cannot take a key (out of memory) is given up instead.
   */
  private addKnownKeys(writes: readonly EncodedWrite[]): void {
    const known = this.knownKeys;
    if (known === undefined) return;
    try {
      for (const { db, key, value } of writes) {
        if (db === 'objects' && value !== undefined) known.add(key as Buffer, key.length - VERSION_SUFFIX_BYTES);
      }
    } catch {
      known.abandon();
    }
  }

  /** The database as raw bytes go in (asBinary bypasses its JSON encoding). */
  private database(name: EncodedWrite['db']): Database<unknown, string | Buffer> {
    return this.db[name] as Database<unknown, string | Buffer>;
  }
}

/** Whether any of the writes is to a bucket record. */
function writesBuckets(writes: readonly EncodedWrite[]): boolean {
  for (const write of writes) if (write.db === 'buckets') return true;
  return false;
}

/** A projection write as LMDB takes it: the database, the encoded key, the JSON bytes (none: remove). */
export interface EncodedWrite {
  readonly db: 'buckets' | 'objects' | 'uploads' | 'parts' | 'references';
  readonly key: string | Buffer;
  readonly value: Buffer | undefined;
}

/**
 * Encodes writes once for every drive (an event's writes are the same on each). The value
 * bytes are what the databases' JSON encoding would write, so live and rebuilt projections
 * stay byte-identical. A version or part with shard data also writes its data references
 * (data-references.ts), right after its own row.
 */
export function encodeWrites(writes: readonly KeyedWrite[]): EncodedWrite[] {
  const encoded: EncodedWrite[] = [];
  for (const write of writes) {
    switch (write.op) {
      case 'putBucket':
        encoded.push({ db: 'buckets', key: write.bucket.name, value: json(write.bucket) });
        break;
      case 'removeBucket':
        encoded.push({ db: 'buckets', key: write.name, value: undefined });
        break;
      case 'putVersion':
      case 'removeVersion': {
        const key = versionKey(write.bucket, write.key, write.version.eventId);
        const value = write.op === 'putVersion' ? json(write.version) : undefined;
        encoded.push({ db: 'objects', key, value });
        // A removal that carries only the key has no references to remove (applySync looks them up);
        // inline and empty data have none.
        if ('data' in write.version) {
          for (const reference of versionReferenceKeys(key, write.version)) encoded.push({ db: 'references', key: reference, value: value && REFERENCE_VALUE });
        }
        break;
      }
      case 'putUpload':
        encoded.push({ db: 'uploads', key: uploadKey(write.upload.bucket, write.upload.key, write.upload.uploadId), value: json(write.upload) });
        break;
      case 'removeUpload':
        encoded.push({ db: 'uploads', key: uploadKey(write.upload.bucket, write.upload.key, write.upload.uploadId), value: undefined });
        break;
      case 'putPart':
      case 'removePart': {
        const value = write.op === 'putPart' ? json(write.part) : undefined;
        encoded.push({ db: 'parts', key: partKey(write.part.uploadId, write.part.partNumber), value });
        if ('data' in write.part) for (const reference of partReferenceKeys(write.part)) encoded.push({ db: 'references', key: reference, value: value && REFERENCE_VALUE });
        break;
      }
    }
  }
  return encoded;
}


function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * Older versions a cursor steps over one by one before it seeks past the rest of the key: a
 * seek (a new B-tree descent) costs a few steps, and a key overwritten thousands of times in a
 * versioned bucket must not make a page cost thousands of steps.
 */
const SEEK_PAST_VERSIONS_AFTER = 8;

/**
 * Walks a bucket's keys in S3 order, yielding each key once with its latest version
 * (the first entry of the key's range) and stepping over older versions, or (allVersions)
 * yielding every version.
 */
class ObjectKeyCursor implements KeyCursor {
  private readonly prefixLength: number;
  private readonly end: Buffer;
  private iterator: Iterator<{ key: Buffer; value: ObjectVersion }> | undefined;
  private lastKey: string | undefined;

  constructor(
    private readonly db: DriveDatabase,
    private readonly bucket: string,
    private readonly allVersions: boolean,
  ) {
    this.prefixLength = bucketPrefix(bucket).length;
    this.end = bucketEnd(bucket);
  }

  seek(key: string): void {
    this.open(keyStart(this.bucket, key));
  }

  seekPastPrefix(prefix: string): void {
    this.open(pastPrefix(this.bucket, prefix));
  }

  next(): ListEntry | undefined {
    if (!this.iterator) this.open(bucketPrefix(this.bucket));
    let olderVersions = 0;
    for (;;) {
      const step = this.iterator!.next();
      if (step.done) return undefined;
      const key = objectKeyOf(step.value.key, this.prefixLength);
      if (key === this.lastKey && !this.allVersions) {
        // An older version of the key just returned.
        if (++olderVersions === SEEK_PAST_VERSIONS_AFTER) this.open(versionsRange(this.bucket, key).end);
        continue;
      }
      this.lastKey = key;
      return { key, version: step.value.value };
    }
  }

  private open(start: Buffer): void {
    this.iterator?.return?.();
    this.iterator = this.db.objects.getRange({ start, end: this.end })[Symbol.iterator]();
    this.lastKey = undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
