/**
 * Put/DeleteObjectTagging and Put/DeleteBucketTagging: the tags are validated here, on the
 * committed state the decision is taken on, and become one event.
 */
import type { BucketRecord } from '../bucket';
import { S3Error, s3Error } from '../errors';
import type { BucketTaggingDeleted, BucketTaggingPut, ObjectTaggingDeleted, ObjectTaggingPut } from '../events';
import { NULL_VERSION_ID, type ObjectVersion } from '../object-version';
import { assertValidObjectKey } from '../rules/names';
import { assertValidTagSet, type Tag } from '../rules/tagging';
import { newEvent, type DecisionContext } from './decision-context';
import { assertBucketExists } from './object-decider';

/**
 * The version a tagging request on an object is about: the latest, or the one named. A delete
 * marker has no tags to read or change: 405 MethodNotAllowed, as AWS answers, named or latest.
 */
export function targetVersion(current: readonly ObjectVersion[], command: { bucket: string; key: string; versionId?: string }, method: 'GET' | 'PUT' | 'DELETE'): ObjectVersion {
  const { bucket, key, versionId } = command;
  const version = versionId === undefined ? current[0] : current.find((v) => v.versionId === versionId);
  if (version?.deleteMarker) {
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: 'DeleteMarker' }, {
      'x-amz-delete-marker': 'true',
      'x-amz-version-id': version.versionId,
    });
  }
  if (version) return version;
  if (versionId === undefined || versionId === NULL_VERSION_ID) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
  throw s3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
}

interface ObjectTarget {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export function decidePutObjectTagging(
  bucket: BucketRecord | undefined,
  current: readonly ObjectVersion[],
  command: ObjectTarget & { tags: readonly Tag[] },
  context: DecisionContext,
): ObjectTaggingPut {
  assertBucketExists(bucket, command.bucket);
  assertValidObjectKey(command.key);
  const version = targetVersion(current, command, 'PUT');
  assertValidTagSet(command.tags, 'object');
  return newEvent('ObjectTaggingPut', context, { bucket: command.bucket, key: command.key, versionId: version.versionId, tags: command.tags });
}

/** Nothing to record (undefined) when the version has no tags; S3 answers 204 all the same. */
export function decideDeleteObjectTagging(
  bucket: BucketRecord | undefined,
  current: readonly ObjectVersion[],
  command: ObjectTarget,
  context: DecisionContext,
): ObjectTaggingDeleted | undefined {
  assertBucketExists(bucket, command.bucket);
  assertValidObjectKey(command.key);
  const version = targetVersion(current, command, 'DELETE');
  if (!version.tags) return undefined;
  return newEvent('ObjectTaggingDeleted', context, { bucket: command.bucket, key: command.key, versionId: version.versionId });
}

export function decidePutBucketTagging(bucket: BucketRecord | undefined, command: { bucket: string; tags: readonly Tag[] }, context: DecisionContext): BucketTaggingPut {
  assertBucketExists(bucket, command.bucket);
  assertValidTagSet(command.tags, 'bucket');
  return newEvent('BucketTaggingPut', context, { bucket: command.bucket, tags: command.tags });
}

export function decideDeleteBucketTagging(bucket: BucketRecord | undefined, command: { bucket: string }, context: DecisionContext): BucketTaggingDeleted | undefined {
  assertBucketExists(bucket, command.bucket);
  if (!bucket.tags) return undefined;
  return newEvent('BucketTaggingDeleted', context, { bucket: command.bucket });
}
