import type { VersioningState } from './events';
import type { CorsRule } from './rules/cors';
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
}
