/**
 * Bucket configuration kept on the bucket record: tags and CORS rules. Each change is one
 * event, decided under the bucket's exclusive lock.
 */
import { Injectable } from '@nestjs/common';
import type { BucketRecord } from '../../domain/bucket';
import { decideDeleteBucketCors, decidePutBucketCors } from '../../domain/deciders/cors-decider';
import { decisionContext, type DecisionContext, type RequestContext } from '../../domain/deciders/decision-context';
import { assertBucketExists, decidePutBucketVersioning } from '../../domain/deciders/object-decider';
import { decidePutObjectLockConfiguration } from '../../domain/deciders/object-lock-decider';
import type { DefaultRetention, ObjectLockConfiguration } from '../../domain/rules/object-lock';
import { decideDeleteBucketTagging, decidePutBucketTagging } from '../../domain/deciders/tagging-decider';
import { s3Error } from '../../domain/errors';
import type { CairnEvent } from '../../domain/events';
import { decisionState } from '../../domain/projections/projection';
import type { CorsRule } from '../../domain/rules/cors';
import type { Tag } from '../../domain/rules/tagging';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';

@Injectable()
export class BucketConfigService {
  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
  ) {}

  async getBucket(name: string): Promise<BucketRecord> {
    const bucket = await this.set.metadata().getBucket(name);
    assertBucketExists(bucket, name);
    return bucket;
  }

  /** The bucket's record if it exists (no error): for CORS headers on any request. */
  findBucket(name: string): Promise<BucketRecord | undefined> {
    return this.set.metadata().getBucket(name);
  }

  async getBucketTagging(name: string): Promise<readonly Tag[]> {
    const bucket = await this.getBucket(name);
    if (!bucket.tags) throw s3Error('NoSuchTagSet', undefined, { BucketName: name });
    return bucket.tags;
  }

  putBucketTagging(context: RequestContext, name: string, tags: readonly Tag[]): Promise<void> {
    return this.decide(name, (bucket, stamp) => decidePutBucketTagging(bucket, { bucket: name, tags }, decisionContext(stamp, context)));
  }

  deleteBucketTagging(context: RequestContext, name: string): Promise<void> {
    return this.decide(name, (bucket, stamp) => decideDeleteBucketTagging(bucket, { bucket: name }, decisionContext(stamp, context)));
  }

  putBucketVersioning(context: RequestContext, name: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    return this.decide(name, (bucket, stamp) => decidePutBucketVersioning(bucket, { bucket: name, status }, decisionContext(stamp, context)));
  }

  async getBucketCors(name: string): Promise<readonly CorsRule[]> {
    const bucket = await this.getBucket(name);
    if (!bucket.cors) throw s3Error('NoSuchCORSConfiguration', undefined, { BucketName: name });
    return bucket.cors;
  }

  putBucketCors(context: RequestContext, name: string, rules: readonly CorsRule[]): Promise<void> {
    return this.decide(name, (bucket, stamp) => decidePutBucketCors(bucket, { bucket: name, rules }, decisionContext(stamp, context)));
  }

  deleteBucketCors(context: RequestContext, name: string): Promise<void> {
    return this.decide(name, (bucket, stamp) => decideDeleteBucketCors(bucket, { bucket: name }, decisionContext(stamp, context)));
  }

  putObjectLockConfiguration(context: RequestContext, name: string, config: { defaultRetention?: DefaultRetention }): Promise<void> {
    return this.decide(name, (bucket, stamp) => decidePutObjectLockConfiguration(bucket, { bucket: name, ...config }, decisionContext(stamp, context)));
  }

  async getObjectLockConfiguration(name: string): Promise<ObjectLockConfiguration> {
    const bucket = await this.getBucket(name);
    if (!bucket.objectLock) throw s3Error('ObjectLockConfigurationNotFoundError', undefined, { BucketName: name });
    return bucket.objectLock;
  }

  private async decide(name: string, decide: (bucket: BucketRecord | undefined, stamp: Pick<DecisionContext, 'id' | 'time'>) => CairnEvent | undefined): Promise<void> {
    const release = await this.locks.lockBucket(name);
    try {
      const existing = await this.set.metadata().getBucket(name);
      await this.set.appendEvent((stamp) => decide(existing, stamp), { state: decisionState(name, existing) });
    } finally {
      release();
    }
  }
}
