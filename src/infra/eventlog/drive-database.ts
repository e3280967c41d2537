/**
 * The one LMDB environment of a drive: its event log and its projections, so that an event
 * and the projection updates it causes commit in the same transaction.
 *
 * Durability: `overlappingSync` is off, so the promise of a write resolves only once its
 * transaction is committed *and* fsynced. lmdb-js batches every write queued in the same
 * event turn (and all writes that arrive while the previous commit syncs) into one
 * transaction: this is the group commit that makes durable small writes affordable.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { BucketRecord } from '../../domain/bucket';
import type { MultipartUpload, UploadedPart } from '../../domain/multipart-upload';
import type { ObjectVersion } from '../../domain/object-version';
import type { Placement } from '../shards/shard-store';

export const DATABASE_FILE = 'cairn.lmdb';

/** The named tables of the environment, opened below. */
export const TABLE_NAMES = ['events', 'buckets', 'objects', 'uploads', 'parts', 'references', 'placements'] as const;

/** The drive's database file as stat sees it; undefined when there is none or it cannot be stat'ed. */
export function databaseFileStat(drivePath: string): Stats | undefined {
  try {
    return statSync(path.join(drivePath, DATABASE_FILE), { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR, EACCES, EIO...: opening the database says what is wrong
  }
}

/**
 * Whether the drive has a database that was ever written: an empty file is none (a crash before
 * LMDB wrote its first pages leaves one, and opening it for writing makes a new database).
 */
export function holdsDatabase(drivePath: string): boolean {
  return (databaseFileStat(drivePath)?.size ?? 0) > 0;
}

/** How a drive's environment is opened (database-check.ts opens it the same way in a child). */
export function environmentOptions(readOnly: boolean) {
  return {
    overlappingSync: false,
    // Values of projections are JSON: deterministic bytes, so a rebuilt projection can be
    // compared byte for byte with the one it replaces.
    encoding: 'json' as const,
    readOnly,
    maxDbs: 8,
    // LMDB zeroes each page it allocates for a write unless told not to: 11% of the
    // instructions of a PUT 4 KiB. Unzeroed, a page's unused part keeps whatever its memory
    // held before in this process, typically an earlier page of this drive (the writer
    // allocates and frees pages all the time): bytes the file holds anyway, as LMDB never
    // scrubs freed pages either.
    noMemInit: true,
  };
}

export class DriveDatabase {
  private constructor(
    readonly root: RootDatabase,
    /** Event id (16 bytes) -> event record bytes. */
    readonly events: Database<Buffer, Buffer>,
    /** Bucket name -> bucket record. */
    readonly buckets: Database<BucketRecord, string>,
    /** Encoded version key (see object-keys.ts) -> object version. */
    readonly objects: Database<ObjectVersion, Buffer>,
    /** Encoded upload key (see upload-keys.ts) -> multipart upload in progress. */
    readonly uploads: Database<MultipartUpload, Buffer>,
    /** Upload id + part number -> uploaded part. */
    readonly parts: Database<UploadedPart, Buffer>,
    /** Data dir + the version or part using it -> nothing (data-references.ts). */
    readonly references: Database<Buffer, Buffer>,
    /**
     * Data dir id -> where this drive keeps that shard in its segment files (ShardStore). Not a
     * projection: it says where bytes are on this drive, which no event knows; a rebuild keeps it.
     */
    readonly placements: Database<Placement, string>,
  ) {}

  static open(drivePath: string, options: { readOnly?: boolean } = {}): DriveDatabase {
    const root = open({ path: path.join(drivePath, DATABASE_FILE), ...environmentOptions(options.readOnly ?? false) });
    return new DriveDatabase(
      root,
      root.openDB<Buffer, Buffer>({ name: 'events', keyEncoding: 'binary', encoding: 'binary' }),
      root.openDB<BucketRecord, string>({ name: 'buckets', encoding: 'json' }),
      root.openDB<ObjectVersion, Buffer>({ name: 'objects', keyEncoding: 'binary', encoding: 'json' }),
      root.openDB<MultipartUpload, Buffer>({ name: 'uploads', keyEncoding: 'binary', encoding: 'json' }),
      root.openDB<UploadedPart, Buffer>({ name: 'parts', keyEncoding: 'binary', encoding: 'json' }),
      root.openDB<Buffer, Buffer>({ name: 'references', keyEncoding: 'binary', encoding: 'binary' }),
      root.openDB<Placement, string>({ name: 'placements', encoding: 'json' }),
    );
  }

  /** The projection databases, which `cairn admin rebuild` drops and replays. */
  projectionDatabases(): Array<{ clearSync(): void }> {
    return [this.buckets, this.objects, this.uploads, this.parts, this.references];
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
