import type { VersioningState } from './events';
import type { CorsRule } from './rules/cors';
import type { ObjectLockConfiguration } from './rules/object-lock';
import type { Tag } from './rules/tagging';

/** A bucket as the bucket projection holds it. */
export interface BucketRecord {
  readonly name: string;
  readonly createdAt: number;
  /** The BucketCreated event. */
  readonly eventId: string;
  readonly region: string;
  readonly versioning: VersioningState;
  /** Bucket tags (PutBucketTagging); absent when none. */
  readonly tags?: readonly Tag[];
  /** CORS rules (PutBucketCors); absent when none. */
  readonly cors?: readonly CorsRule[];
  /** Object Lock: set at creation (x-amz-bucket-object-lock-enabled) and never removed. */
  readonly objectLock?: ObjectLockConfiguration;
}
