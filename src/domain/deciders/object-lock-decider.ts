/**
 * PutObjectLockConfiguration, PutObjectRetention and PutObjectLegalHold as decisions over
 * the bucket and the key's committed versions (rules in ../rules/object-lock.ts).
 */
import type { BucketRecord } from '../bucket';
import { s3Error } from '../errors';
import type { BucketObjectLockConfigured, ObjectLegalHoldSet, ObjectRetentionSet } from '../events';
import { NULL_VERSION_ID, type ObjectVersion } from '../object-version';
import { assertObjectLockEnabled, assertRetentionChange, type DefaultRetention, type Retention } from '../rules/object-lock';
import { newEvent, type DecisionContext } from './decision-context';
import { assertBucketExists } from './object-decider';

export function decidePutObjectLockConfiguration(
  bucket: BucketRecord | undefined,
  command: { bucket: string; defaultRetention?: DefaultRetention },
  context: DecisionContext,
): BucketObjectLockConfigured {
  assertBucketExists(bucket, command.bucket);
  // S3 lets a versioned bucket take Object Lock later; never an unversioned or suspended one.
  if (!bucket.objectLock && bucket.versioning !== 'Enabled') {
    throw s3Error('InvalidBucketState', 'Versioning must be Enabled on the bucket to apply an Object Lock configuration.');
  }
  return newEvent('BucketObjectLockConfigured', context, {
    bucket: command.bucket,
    ...(command.defaultRetention ? { defaultRetention: command.defaultRetention } : {}),
  });
}

/** The version a retention or legal-hold request is about: the named one, or the current one. */
export function lockTarget(
  bucket: BucketRecord | undefined,
  name: string,
  versions: readonly ObjectVersion[],
  key: string,
  versionId: string | undefined,
  method: 'GET' | 'PUT' = 'PUT',
): ObjectVersion {
  assertBucketExists(bucket, name);
  assertObjectLockEnabled(bucket);
  const version = versionId === undefined ? versions[0] : versions.find((v) => v.versionId === versionId);
  if (!version) {
    if (versionId === undefined || versionId === NULL_VERSION_ID) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: name });
    throw s3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
  }
  if (version.deleteMarker) throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: 'DeleteMarker' });
  return version;
}

export function decidePutObjectRetention(
  bucket: BucketRecord | undefined,
  versions: readonly ObjectVersion[],
  command: { bucket: string; key: string; versionId?: string; retention?: Retention; bypassGovernance: boolean },
  context: DecisionContext,
): ObjectRetentionSet {
  const version = lockTarget(bucket, command.bucket, versions, command.key, command.versionId);
  assertRetentionChange(version.retention, command.retention, { bypassGovernance: command.bypassGovernance }, context.time);
  return newEvent('ObjectRetentionSet', context, {
    bucket: command.bucket,
    key: command.key,
    versionId: version.versionId,
    ...(command.retention ? { retention: command.retention } : {}),
  });
}

export function decidePutObjectLegalHold(
  bucket: BucketRecord | undefined,
  versions: readonly ObjectVersion[],
  command: { bucket: string; key: string; versionId?: string; on: boolean },
  context: DecisionContext,
): ObjectLegalHoldSet {
  const version = lockTarget(bucket, command.bucket, versions, command.key, command.versionId);
  return newEvent('ObjectLegalHoldSet', context, { bucket: command.bucket, key: command.key, versionId: version.versionId, on: command.on });
}
