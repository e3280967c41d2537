/**
 * evolve, in the form storage needs it: given one event and read access to the current
 * projection state, the writes that bring the projections up to date. Each drive runs this
 * for every event it appends (live) and for every event in its log (rebuild), so the two
 * paths cannot disagree.
 */
import type { BucketRecord } from '../bucket';
import type { CairnEvent, MultipartPartUploaded, MultipartUploadCompleted, ObjectPut, ObjectTaggingDeleted, ObjectTaggingPut, ObjectVersionDeleted } from '../events';
import type { MultipartUpload, UploadedPart } from '../multipart-upload';
import { NULL_VERSION_ID, type ObjectData, type ObjectVersion } from '../object-version';

export type ProjectionWrite =
  | { readonly op: 'putBucket'; readonly bucket: BucketRecord }
  | { readonly op: 'removeBucket'; readonly name: string }
  | { readonly op: 'putVersion'; readonly bucket: string; readonly key: string; readonly version: ObjectVersion }
  | { readonly op: 'removeVersion'; readonly bucket: string; readonly key: string; readonly version: ObjectVersion }
  | { readonly op: 'putUpload'; readonly upload: MultipartUpload }
  | { readonly op: 'removeUpload'; readonly upload: MultipartUpload }
  | { readonly op: 'putPart'; readonly part: UploadedPart }
  | { readonly op: 'removePart'; readonly part: UploadedPart };

/**
 * A projection write as storage applies it: a removal needs only the key of what it removes.
 * Undo records store theirs so (a ProjectionWrite is one too).
 */
export type KeyedWrite =
  | Exclude<ProjectionWrite, { readonly op: 'removeVersion' | 'removeUpload' | 'removePart' }>
  | { readonly op: 'removeVersion'; readonly bucket: string; readonly key: string; readonly version: Pick<ObjectVersion, 'eventId'> }
  | { readonly op: 'removeUpload'; readonly upload: Pick<MultipartUpload, 'bucket' | 'key' | 'uploadId'> }
  | { readonly op: 'removePart'; readonly part: Pick<UploadedPart, 'uploadId' | 'partNumber'> };

/** What evolve may read: the state before the event. */
export interface ProjectionReader {
  getBucket(name: string): BucketRecord | undefined;
  /** All versions of a key, newest first. */
  versionsOf(bucket: string, key: string): ObjectVersion[];
  getUpload(bucket: string, key: string, uploadId: string): MultipartUpload | undefined;
  /** The parts of an upload, by part number. */
  partsOf(uploadId: string): UploadedPart[];
  /** Every upload in progress in a bucket. */
  uploadsIn(bucket: string): MultipartUpload[];
}

export function project(event: CairnEvent, state: ProjectionReader): ProjectionWrite[] {
  switch (event.type) {
    case 'BucketCreated':
      return [
        {
          op: 'putBucket',
          bucket: {
            name: event.bucket,
            createdAt: event.time,
            eventId: event.id,
            region: event.region,
            versioning: event.objectLockEnabled ? 'Enabled' : 'Unversioned',
            ...(event.objectLockEnabled ? { objectLock: {} } : {}),
          },
        },
      ];
    case 'BucketDeleted':
      // Uploads in progress go with their bucket (a bucket of the same name starts empty).
      return [...state.uploadsIn(event.bucket).flatMap((upload) => removeUpload(upload, state)), { op: 'removeBucket', name: event.bucket }];
    case 'ObjectPut':
      return projectObjectPut(event, state.versionsOf(event.bucket, event.key));
    case 'ObjectVersionDeleted':
      return projectVersionDeleted(event, state.versionsOf(event.bucket, event.key));
    case 'MultipartUploadCreated':
      return [
        {
          op: 'putUpload',
          upload: {
            bucket: event.bucket,
            key: event.key,
            uploadId: event.id,
            initiated: event.time,
            system: event.system,
            user: event.user,
            ...(event.checksumAlgorithm ? { checksumAlgorithm: event.checksumAlgorithm } : {}),
            ...(event.checksumType ? { checksumType: event.checksumType } : {}),
            ...(event.lock ? { lock: event.lock } : {}),
            storageClass: event.storageClass,
            ...(event.tags ? { tags: event.tags } : {}),
          },
        },
      ];
    case 'MultipartPartUploaded':
      return projectPartUploaded(event, state);
    case 'MultipartUploadCompleted':
      return projectUploadCompleted(event, state);
    case 'MultipartUploadAborted': {
      const upload = state.getUpload(event.bucket, event.key, event.uploadId);
      return upload ? removeUpload(upload, state) : [];
    }
    case 'ObjectHealed':
      return [];
    case 'ObjectTaggingPut':
    case 'ObjectTaggingDeleted':
      return projectVersionTags(event, state.versionsOf(event.bucket, event.key));
    case 'BucketTaggingPut':
      return updateBucket(state, event.bucket, (bucket) => ({ ...bucket, tags: event.tags }));
    case 'BucketTaggingDeleted':
      return updateBucket(state, event.bucket, ({ tags: _, ...bucket }) => bucket);
    case 'BucketCorsPut':
      return updateBucket(state, event.bucket, (bucket) => ({ ...bucket, cors: event.rules }));
    case 'BucketCorsDeleted':
      return updateBucket(state, event.bucket, ({ cors: _, ...bucket }) => bucket);
    case 'BucketVersioningSet':
      return updateBucket(state, event.bucket, (bucket) => ({ ...bucket, versioning: event.status }));
    case 'BucketObjectLockConfigured':
      return updateBucket(state, event.bucket, (bucket) => ({
        ...bucket,
        versioning: 'Enabled',
        objectLock: event.defaultRetention ? { defaultRetention: event.defaultRetention } : {},
      }));
    case 'ObjectRetentionSet':
      return updateVersion(state, event, ({ retention: _, ...version }) => (event.retention ? { ...version, retention: event.retention } : version));
    case 'ObjectLegalHoldSet':
      return updateVersion(state, event, (version) => ({ ...version, legalHold: event.on }));
    case 'DeleteMarkerCreated':
      return projectObjectPut(
        { id: event.id, bucket: event.bucket, key: event.key, version: deleteMarker(event.versionId, event.time) },
        state.versionsOf(event.bucket, event.key),
      );
  }
}
/** The version a DeleteMarkerCreated adds. */
export function deleteMarker(versionId: string, time: number): Omit<ObjectVersion, 'eventId'> {
  return { versionId, lastModified: time, size: 0, etag: '', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'empty' }, deleteMarker: true };
}

/** A change to one version's own fields: rewritten in place (same event id, same projection key). */
function updateVersion(
  state: ProjectionReader,
  event: { bucket: string; key: string; versionId: string },
  change: (version: ObjectVersion) => ObjectVersion,
): ProjectionWrite[] {
  const version = state.versionsOf(event.bucket, event.key).find((v) => v.versionId === event.versionId);
  return version ? [{ op: 'putVersion', bucket: event.bucket, key: event.key, version: change(version) }] : [];
}

/** A bucket configuration change: the record rewritten (nothing when the bucket is gone). */
function updateBucket(state: ProjectionReader, name: string, change: (bucket: BucketRecord) => BucketRecord): ProjectionWrite[] {
  const bucket = state.getBucket(name);
  return bucket ? [{ op: 'putBucket', bucket: change(bucket) }] : [];
}

/**
 * Tags live on the version they name: the version is rewritten in place (same event id,
 * so the same projection key). An empty tag set is stored as no `tags` field at all.
 */
function projectVersionTags(event: ObjectTaggingPut | ObjectTaggingDeleted, current: ObjectVersion[]): ProjectionWrite[] {
  const version = current.find((v) => v.versionId === event.versionId);
  if (!version) return [];
  const { tags: _, ...untagged } = version;
  const tags = event.type === 'ObjectTaggingPut' ? event.tags : [];
  const updated: ObjectVersion = tags.length > 0 ? { ...untagged, tags } : untagged;
  return [{ op: 'putVersion', bucket: event.bucket, key: event.key, version: updated }];
}


function removeUpload(upload: MultipartUpload, state: ProjectionReader): ProjectionWrite[] {
  return [...state.partsOf(upload.uploadId).map((part): ProjectionWrite => ({ op: 'removePart', part })), { op: 'removeUpload', upload }];
}

function projectPartUploaded(event: MultipartPartUploaded, state: ProjectionReader): ProjectionWrite[] {
  if (!state.getUpload(event.bucket, event.key, event.uploadId)) return [];
  const writes: ProjectionWrite[] = [];
  const previous = state.partsOf(event.uploadId).find((p) => p.partNumber === event.part.partNumber);
  if (previous) writes.push({ op: 'removePart', part: previous });
  writes.push({ op: 'putPart', part: Object.assign({}, event.part, { uploadId: event.uploadId, lastModified: event.time }) });
  return writes;
}

function projectUploadCompleted(event: MultipartUploadCompleted, state: ProjectionReader): ProjectionWrite[] {
  const upload = state.getUpload(event.bucket, event.key, event.uploadId);
  if (!upload) return [];
  const put = projectObjectPut({ id: event.id, bucket: event.bucket, key: event.key, version: event.version }, state.versionsOf(event.bucket, event.key));
  return [...removeUpload(upload, state), ...put];
}

function projectObjectPut(event: Pick<ObjectPut, 'id' | 'bucket' | 'key' | 'version'>, current: ObjectVersion[]): ProjectionWrite[] {
  // Object.assign, not a spread: on Node 20 a spread followed by another field costs ~10x as much (a hot path).
  const version: ObjectVersion = Object.assign({}, event.version, { eventId: event.id });
  const writes: ProjectionWrite[] = [];
  // There is at most one null version per key: a new one replaces the old.
  if (version.versionId === NULL_VERSION_ID) {
    for (const old of current) {
      if (old.versionId === NULL_VERSION_ID) writes.push({ op: 'removeVersion', bucket: event.bucket, key: event.key, version: old });
    }
  }
  writes.push({ op: 'putVersion', bucket: event.bucket, key: event.key, version });
  return writes;
}

function projectVersionDeleted(event: ObjectVersionDeleted, current: ObjectVersion[]): ProjectionWrite[] {
  const version = current.find((v) => v.versionId === event.versionId);
  return version ? [{ op: 'removeVersion', bucket: event.bucket, key: event.key, version }] : [];
}

/**
 * The projection state a decision was taken on: one bucket and, for object events, the
 * versions of one key. Passed back to `project` so the event's writes are computed from
 * exactly what the decider saw (the key is locked, so that is the committed state).
 */
export function decisionState(bucket: string, record: BucketRecord | undefined, key?: string, versions: readonly ObjectVersion[] = []): ProjectionReader {
  return {
    getBucket: (name) => (name === bucket ? record : undefined),
    versionsOf: (b, k) => (b === bucket && k === key ? [...versions] : []),
    getUpload: () => undefined,
    partsOf: () => [],
    uploadsIn: () => [],
  };
}

/** decisionState for a decision about one multipart upload (its parts included). */
export function uploadDecisionState(
  base: ProjectionReader,
  upload: MultipartUpload | undefined,
  parts: readonly UploadedPart[],
): ProjectionReader {
  return {
    ...base,
    getUpload: (b, k, id) => (upload && upload.bucket === b && upload.key === k && upload.uploadId === id ? upload : undefined),
    partsOf: (id) => (upload && upload.uploadId === id ? [...parts] : []),
  };
}

/** The data directories a piece of object data keeps shard files in. */
export function dataDirsOf(data: ObjectData): string[] {
  switch (data.kind) {
    case 'files':
      return [data.dataDir];
    case 'multipart':
      return data.parts.flatMap((part) => dataDirsOf(part.data));
    default:
      return [];
  }
}

/**
 * Shard data an event's writes stop referencing (removed versions and parts, minus the parts a
 * completed upload moved into its new version): it can be reclaimed once the event is durable.
 */
export function releasedDataDirs(writes: readonly ProjectionWrite[]): string[] {
  const released = new Set<string>();
  const kept = new Set<string>();
  for (const write of writes) {
    if (write.op === 'removeVersion') dataDirsOf(write.version.data).forEach((dir) => released.add(dir));
    else if (write.op === 'removePart') dataDirsOf(write.part.data).forEach((dir) => released.add(dir));
    else if (write.op === 'putVersion') dataDirsOf(write.version.data).forEach((dir) => kept.add(dir));
    else if (write.op === 'putPart') dataDirsOf(write.part.data).forEach((dir) => kept.add(dir));
  }
  return [...released].filter((dir) => !kept.has(dir));
}

/** Versions an event's writes remove: their shard data can be reclaimed once the event is durable. */
export function removedVersions(writes: readonly ProjectionWrite[]): ObjectVersion[] {
  const removed: ObjectVersion[] = [];
  for (const write of writes) if (write.op === 'removeVersion') removed.push(write.version);
  return removed;
}

/**
 * The writes that undo `writes` when applied (in the order returned) to the state right
 * after them; `state` is the state *before* `writes`. Each drive stores this before-image
 * with the event, so an event that never reached a write quorum can be rolled back exactly.
 * Its removals carry only keys: a put's undo does not store the new version a second time.
 */
export function invertWrites(writes: readonly ProjectionWrite[], state: ProjectionReader): KeyedWrite[] {
  const inverse: KeyedWrite[] = [];
  for (const write of writes) {
    switch (write.op) {
      case 'putBucket': {
        const previous = state.getBucket(write.bucket.name);
        inverse.push(previous ? { op: 'putBucket', bucket: previous } : { op: 'removeBucket', name: write.bucket.name });
        break;
      }
      case 'removeBucket': {
        const previous = state.getBucket(write.name);
        if (previous) inverse.push({ op: 'putBucket', bucket: previous });
        break;
      }
      case 'putVersion': {
        // Version keys embed the creating event's id: a put adds a new entry, unless it
        // rewrites an existing version (its tags), whose before-image is then restored.
        const previous = state.versionsOf(write.bucket, write.key).find((v) => v.eventId === write.version.eventId);
        inverse.push(
          previous
            ? { op: 'putVersion', bucket: write.bucket, key: write.key, version: previous }
            : { op: 'removeVersion', bucket: write.bucket, key: write.key, version: { eventId: write.version.eventId } },
        );
        break;
      }
      case 'removeVersion':
        inverse.push({ op: 'putVersion', bucket: write.bucket, key: write.key, version: write.version });
        break;
      case 'putUpload':
        // Upload ids are event ids: a put always adds a new entry.
        inverse.push({ op: 'removeUpload', upload: { bucket: write.upload.bucket, key: write.upload.key, uploadId: write.upload.uploadId } });
        break;
      case 'removeUpload':
        inverse.push({ op: 'putUpload', upload: write.upload });
        break;
      case 'putPart':
        // A replaced part is removed by an earlier write of the same event, whose inverse restores it.
        inverse.push({ op: 'removePart', part: { uploadId: write.part.uploadId, partNumber: write.part.partNumber } });
        break;
      case 'removePart':
        inverse.push({ op: 'putPart', part: write.part });
        break;
    }
  }
  return inverse.reverse();
}
