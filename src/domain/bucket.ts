import type { VersioningState } from './events';

/** A bucket as the bucket projection holds it. */
export interface BucketRecord {
  readonly name: string;
  readonly createdAt: number;
  /** The BucketCreated event. */
  readonly eventId: string;
  readonly region: string;
  readonly versioning: VersioningState;
}
