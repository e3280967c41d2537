/**
 * Every state change in cairn is one of these events, appended to the log of every drive
 * of the erasure set. Projections (buckets, object versions) are folds over them.
 *
 * Rules for changing this file:
 * - an event type never changes meaning; add a field with a default, or bump `v` and add an
 *   upcaster in migrations/ that turns the old shape into the new one;
 * - payloads are plain JSON (no Dates, no Buffers, no undefined in arrays): the JSON text is
 *   what the hash chain covers, byte for byte.
 */
import type { ChecksumAlgorithm, ChecksumType, UploadedPart } from './multipart-upload';
import type { ObjectVersion, StorageClass, SystemMetadata } from './object-version';
import type { CorsRule } from './rules/cors';
import type { DefaultRetention, LockRequest, Retention } from './rules/object-lock';
import type { Tag } from './rules/tagging';

/** Fields every event carries. `time` is the server clock (ms since the epoch) at decision. */
export interface EventEnvelope {
  readonly id: string;
  readonly time: number;
  /** Access key of the caller, or 'system' for the server's own actions. */
  readonly actor: string;
  /** x-amz-request-id of the request that caused it, '' for system actions. */
  readonly requestId: string;
}

export type VersioningState = 'Unversioned' | 'Enabled' | 'Suspended';

export interface BucketCreated extends EventEnvelope {
  readonly type: 'BucketCreated';
  readonly v: 1;
  readonly bucket: string;
  readonly region: string;
  /** x-amz-bucket-object-lock-enabled: the bucket is versioned and lockable for good. */
  readonly objectLockEnabled?: true;
}

export interface BucketDeleted extends EventEnvelope {
  readonly type: 'BucketDeleted';
  readonly v: 1;
  readonly bucket: string;
}

/** A new version of an object, with its bytes already durable on a write quorum of drives. */
export interface ObjectPut extends EventEnvelope {
  readonly type: 'ObjectPut';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  /** The version without `eventId` (that is this event's id). */
  readonly version: Omit<ObjectVersion, 'eventId'>;
}

/** One version removed for good (DeleteObject on an unversioned bucket, or with a versionId). */
export interface ObjectVersionDeleted extends EventEnvelope {
  readonly type: 'ObjectVersionDeleted';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
}

/** CreateMultipartUpload: the upload's id is this event's id. */
export interface MultipartUploadCreated extends EventEnvelope {
  readonly type: 'MultipartUploadCreated';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly system: SystemMetadata;
  readonly user: Readonly<Record<string, string>>;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly checksumType?: ChecksumType;
  readonly lock?: LockRequest;
  readonly storageClass: StorageClass;
  /** x-amz-tagging given at creation: the completed object's tags (absent: none). */
  readonly tags?: readonly Tag[];
}

/** UploadPart: a part's bytes, already durable; replaces an earlier part with the same number. */
export interface MultipartPartUploaded extends EventEnvelope {
  readonly type: 'MultipartPartUploaded';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly part: Omit<UploadedPart, 'uploadId' | 'lastModified'>;
}

/** CompleteMultipartUpload: the upload becomes an object version made of the listed parts. */
export interface MultipartUploadCompleted extends EventEnvelope {
  readonly type: 'MultipartUploadCompleted';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly version: Omit<ObjectVersion, 'eventId'>;
}

/** AbortMultipartUpload: the upload and all its parts are gone. */
export interface MultipartUploadAborted extends EventEnvelope {
  readonly type: 'MultipartUploadAborted';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
}

/**
 * Healing rewrote shards of a version that were missing or damaged: redundancy was reduced
 * and is restored. Changes no projection; it is the audit trail of healing.
 */
export interface ObjectHealed extends EventEnvelope {
  readonly type: 'ObjectHealed';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  /** The event that created the version. */
  readonly versionEventId: string;
  /** What was rewritten: `slot:dataDir` or `slot:inline`. */
  readonly shards: readonly string[];
}

/** A version's tag set replaced (PutObjectTagging). */
export interface ObjectTaggingPut extends EventEnvelope {
  readonly type: 'ObjectTaggingPut';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly tags: readonly Tag[];
}

/** A version's tags removed (DeleteObjectTagging). */
export interface ObjectTaggingDeleted extends EventEnvelope {
  readonly type: 'ObjectTaggingDeleted';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
}

export interface BucketTaggingPut extends EventEnvelope {
  readonly type: 'BucketTaggingPut';
  readonly v: 1;
  readonly bucket: string;
  readonly tags: readonly Tag[];
}

export interface BucketTaggingDeleted extends EventEnvelope {
  readonly type: 'BucketTaggingDeleted';
  readonly v: 1;
  readonly bucket: string;
}

export interface BucketCorsPut extends EventEnvelope {
  readonly type: 'BucketCorsPut';
  readonly v: 1;
  readonly bucket: string;
  readonly rules: readonly CorsRule[];
}

export interface BucketCorsDeleted extends EventEnvelope {
  readonly type: 'BucketCorsDeleted';
  readonly v: 1;
  readonly bucket: string;
}

/** PutBucketVersioning. Once Enabled, a bucket can only be Suspended, never Unversioned again. */
export interface BucketVersioningSet extends EventEnvelope {
  readonly type: 'BucketVersioningSet';
  readonly v: 1;
  readonly bucket: string;
  readonly status: 'Enabled' | 'Suspended';
}

/** DeleteObject without a version id on a versioned (or suspended) bucket. */
export interface DeleteMarkerCreated extends EventEnvelope {
  readonly type: 'DeleteMarkerCreated';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  /** This event's id when versioning is Enabled, 'null' when Suspended. */
  readonly versionId: string;
}

/** PutObjectLockConfiguration: the bucket's default retention (or none). */
export interface BucketObjectLockConfigured extends EventEnvelope {
  readonly type: 'BucketObjectLockConfigured';
  readonly v: 1;
  readonly bucket: string;
  readonly defaultRetention?: DefaultRetention;
}

/** PutObjectRetention (with `retention` absent: removed, which only a governance bypass may do). */
export interface ObjectRetentionSet extends EventEnvelope {
  readonly type: 'ObjectRetentionSet';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly retention?: Retention;
}

/** PutObjectLegalHold. */
export interface ObjectLegalHoldSet extends EventEnvelope {
  readonly type: 'ObjectLegalHoldSet';
  readonly v: 1;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly on: boolean;
}

export type CairnEvent =
  | BucketCreated
  | BucketDeleted
  | ObjectPut
  | ObjectVersionDeleted
  | MultipartUploadCreated
  | MultipartPartUploaded
  | MultipartUploadCompleted
  | MultipartUploadAborted
  | ObjectHealed
  | ObjectTaggingPut
  | ObjectTaggingDeleted
  | BucketTaggingPut
  | BucketTaggingDeleted
  | BucketCorsPut
  | BucketCorsDeleted
  | BucketVersioningSet
  | DeleteMarkerCreated
  | BucketObjectLockConfigured
  | ObjectRetentionSet
  | ObjectLegalHoldSet;
export type CairnEventType = CairnEvent['type'];

/**
 * A type as JSON keeps it: strings, numbers, booleans, null, arrays and plain objects of
 * those (a field left undefined is dropped, which no projection tells from an absent one).
 * Dates, buffers, maps, sets, bigints and functions would come back from the log different.
 */
type AsJson<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends bigint | symbol | ((...args: never[]) => unknown) | Date | Uint8Array | ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
    ? never
    : T extends readonly (infer Item)[]
      ? readonly AsJson<Item>[]
      : { readonly [K in keyof T]: AsJson<T[K]> };

/**
 * Compile-time check that every event is plain JSON data: the live projection of an event
 * object and the rebuild's projection of its JSON then agree (log-entry.ts relies on it).
 */
export type EventsAreJson = Assert<CairnEvent extends AsJson<CairnEvent> ? true : false>;
type Assert<T extends true> = T;

/** The current schema version of each event type (what new events are written with). */
export const EVENT_VERSIONS: { readonly [T in CairnEventType]: number } = {
  BucketCreated: 1,
  BucketDeleted: 1,
  ObjectPut: 1,
  ObjectVersionDeleted: 1,
  MultipartUploadCreated: 1,
  MultipartPartUploaded: 1,
  MultipartUploadCompleted: 1,
  MultipartUploadAborted: 1,
  ObjectHealed: 1,
  ObjectTaggingPut: 1,
  ObjectTaggingDeleted: 1,
  BucketTaggingPut: 1,
  BucketTaggingDeleted: 1,
  BucketCorsPut: 1,
  BucketCorsDeleted: 1,
  BucketVersioningSet: 1,
  DeleteMarkerCreated: 1,
  BucketObjectLockConfigured: 1,
  ObjectRetentionSet: 1,
  ObjectLegalHoldSet: 1,
};

/** The bucket an event concerns, used by audit export and replay filters. */
export function eventBucket(event: CairnEvent): string {
  return event.bucket;
}
