/**
 * The shape of one object version as the projections hold it and events carry it.
 * Plain data only: it is serialised into events and projection records (JSON both).
 */
import type { ObjectPart } from './multipart-upload';
import type { Retention } from './rules/object-lock';
import type { Tag } from './rules/tagging';

/**
 * The storage classes a write may ask for: AWS's classes whose objects are read at once.
 * cairn keeps one erasure layout per set, so every class is stored alike, with the set's
 * parity (never less redundancy than asked), and reported as the class it was written with:
 * backup and sync tools that name an infrequent-access class work unchanged. The archive
 * classes (GLACIER, DEEP_ARCHIVE), whose objects AWS serves only after a restore, are refused
 * (InvalidStorageClass): cairn has no archive tier to honour them.
 */
export const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** How an object's bytes were erasure coded and where shard i of each block lives. */
export interface ShardLayout {
  readonly dataShards: number;
  readonly parityShards: number;
  readonly blockSize: number;
  /** distribution[slot] = index of the shard stored on the drive in that slot. */
  readonly distribution: readonly number[];
}

/**
 * Where the shards of a version are: inline in the event that created it (small objects:
 * each drive's record of that event carries the drive's shard), or in shard files named
 * by a data directory id on every drive.
 */
export type ObjectData =
  | { readonly kind: 'inline'; readonly layout: ShardLayout }
  | { readonly kind: 'files'; readonly layout: ShardLayout; readonly dataDir: string }
  | { readonly kind: 'empty' }
  /**
   * A completed multipart upload: its parts in order, each with its own shards, and the
   * upload's id (absent in versions logged before it was kept), by which a retried
   * CompleteMultipartUpload is answered.
   */
  | { readonly kind: 'multipart'; readonly parts: readonly ObjectPart[]; readonly uploadId?: string };

export interface ChecksumValue {
  readonly algorithm: 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
  /** Base64, as S3 sends it. */
  readonly value: string;
}

/**
 * The checksum S3 stores with a new object whose upload declared none (since December 2024):
 * a PutObject, a multipart upload created without x-amz-checksum-algorithm, a copy of a
 * source without one. Its value comes back with x-amz-checksum-mode: ENABLED, so clients can
 * check what they download.
 */
export const DEFAULT_CHECKSUM_ALGORITHM: 'CRC64NVME' = 'CRC64NVME';

/** A multipart upload's COMPOSITE checksum is of its parts' checksums and carries their count (`…-3`). */
export function isComposite(checksum: ChecksumValue): boolean {
  return checksum.value.includes('-');
}

/** The ChecksumType S3 reports with a stored checksum. */
export function checksumTypeOf(checksum: ChecksumValue): 'COMPOSITE' | 'FULL_OBJECT' {
  return isComposite(checksum) ? 'COMPOSITE' : 'FULL_OBJECT';
}

/** Headers S3 stores with an object and returns on GET/HEAD. */
export interface SystemMetadata {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly expires?: string;
  /** x-amz-website-redirect-location: stored and returned (cairn serves no websites). */
  readonly websiteRedirectLocation?: string;
}

export const NULL_VERSION_ID = 'null';

export interface ObjectVersion {
  /** 'null' for the null version (unversioned and suspended buckets). */
  readonly versionId: string;
  /** The event that created this version; orders versions and locates inline shards. */
  readonly eventId: string;
  readonly lastModified: number;
  readonly size: number;
  /** Hex MD5 for single-part uploads, without quotes. */
  readonly etag: string;
  readonly system: SystemMetadata;
  /** User metadata: lowercase names without the x-amz-meta- prefix. */
  readonly user: Readonly<Record<string, string>>;
  readonly checksum?: ChecksumValue;
  readonly storageClass: StorageClass;
  readonly data: ObjectData;
  /**
   * A delete marker (DeleteObject without a version id on a versioned bucket): a version
   * with no bytes that makes the key look deleted while the older versions stay.
   */
  readonly deleteMarker?: true;
  /** Object Lock retention (WORM until retainUntil); absent when none. */
  readonly retention?: Retention;
  /** Object Lock legal hold: ON (true) or explicitly OFF (false); absent when never set. */
  readonly legalHold?: boolean;
  /** The version's tag set; absent when it has none. */
  readonly tags?: readonly Tag[];
}

export function isInline(version: ObjectVersion): boolean {
  return version.data.kind === 'inline';
}
