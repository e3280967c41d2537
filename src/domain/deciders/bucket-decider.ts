import type { BucketRecord } from '../bucket';
import { s3Error } from '../errors';
import type { BucketCreated, BucketDeleted } from '../events';
import { assertValidBucketName } from '../rules/names';
import { newEvent, type DecisionContext } from './decision-context';

export function decideCreateBucket(
  existing: BucketRecord | undefined,
  command: { bucket: string; region: string; objectLockEnabled?: boolean },
  context: DecisionContext,
): BucketCreated {
  assertValidBucketName(command.bucket);
  // cairn has a single owner (the root user), so an existing bucket is always "yours".
  if (existing) throw s3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: command.bucket });
  return newEvent('BucketCreated', context, {
    bucket: command.bucket,
    region: command.region,
    ...(command.objectLockEnabled ? { objectLockEnabled: true as const } : {}),
  });
}

export function decideDeleteBucket(
  existing: BucketRecord | undefined,
  state: { hasObjects: boolean },
  command: { bucket: string },
  context: DecisionContext,
): BucketDeleted {
  if (!existing) throw s3Error('NoSuchBucket', undefined, { BucketName: command.bucket });
  if (state.hasObjects) throw s3Error('BucketNotEmpty', undefined, { BucketName: command.bucket });
  return newEvent('BucketDeleted', context, { bucket: command.bucket });
}
