import type { BucketRecord } from '../bucket';
import { s3Error } from '../errors';
import type { ObjectPut, ObjectVersionDeleted } from '../events';
import { NULL_VERSION_ID, type ObjectVersion } from '../object-version';
import { assertValidObjectKey } from '../rules/names';
import { assertWriteConditions, type WriteConditions } from '../rules/preconditions';
import type { DecisionContext } from './decision-context';

export function assertBucketExists(bucket: BucketRecord | undefined, name: string): asserts bucket is BucketRecord {
  if (!bucket) throw s3Error('NoSuchBucket', undefined, { BucketName: name });
}

/** The version id a new write gets in a bucket with this versioning state. */
function newVersionId(bucket: BucketRecord, context: DecisionContext): string {
  return bucket.versioning === 'Enabled' ? context.id : NULL_VERSION_ID;
}

export interface PutObjectCommand {
  readonly bucket: string;
  readonly key: string;
  readonly version: Omit<ObjectVersion, 'eventId' | 'versionId' | 'lastModified'>;
  /** If-None-Match / If-Match of a conditional write, decided here on committed state. */
  readonly conditions?: WriteConditions;
}

/** The version a plain GET of the key would return (newest first), if any. */
export function currentVersion(versions: readonly ObjectVersion[]): ObjectVersion | undefined {
  return versions[0];
}

export function decidePutObject(
  bucket: BucketRecord | undefined,
  command: PutObjectCommand,
  context: DecisionContext,
  /** The key's committed versions, newest first (needed by conditional writes). */
  current: readonly ObjectVersion[] = [],
): ObjectPut {
  assertBucketExists(bucket, command.bucket);
  assertValidObjectKey(command.key);
  if (command.conditions) assertWriteConditions(command.conditions, currentVersion(current), command);
  return {
    type: 'ObjectPut',
    v: 1,
    ...context,
    bucket: command.bucket,
    key: command.key,
    version: { ...command.version, versionId: newVersionId(bucket, context), lastModified: context.time },
  };
}

/**
 * DeleteObject. Without a version id, on an unversioned bucket, this removes the null version
 * (and succeeds even when there is nothing to remove, as S3 does: the result is `undefined`).
 */
export function decideDeleteObject(
  bucket: BucketRecord | undefined,
  current: readonly ObjectVersion[],
  command: { bucket: string; key: string; versionId?: string },
  context: DecisionContext,
): ObjectVersionDeleted | undefined {
  assertBucketExists(bucket, command.bucket);
  assertValidObjectKey(command.key);
  const versionId = command.versionId ?? NULL_VERSION_ID;
  if (command.versionId === undefined && bucket.versioning !== 'Unversioned') {
    // Delete markers arrive with versioning (issue 4); until then a bucket is never versioned.
    throw s3Error('NotImplemented', 'Deleting from a versioned bucket is not implemented yet.');
  }
  if (!current.some((v) => v.versionId === versionId)) return undefined;
  return { type: 'ObjectVersionDeleted', v: 1, ...context, bucket: command.bucket, key: command.key, versionId };
}
