/**
 * Object Lock on versions: PutObjectRetention and PutObjectLegalHold decided under the key's
 * lock like every other change to a version; their GETs read the version.
 */
import { Injectable } from '@nestjs/common';
import { decisionContext, type RequestContext } from '../../domain/deciders/decision-context';
import { decidePutObjectLegalHold, decidePutObjectRetention, lockTarget } from '../../domain/deciders/object-lock-decider';
import { s3Error } from '../../domain/errors';
import type { CairnEvent } from '../../domain/events';
import type { ObjectVersion } from '../../domain/object-version';
import { assertValidObjectKey } from '../../domain/rules/names';
import type { Retention } from '../../domain/rules/object-lock';
import type { BucketRecord } from '../../domain/bucket';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { decideOnKey } from './decide-on-key';
import type { ObjectTarget } from './object-tagging.service';

@Injectable()
export class ObjectLockService {
  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
  ) {}

  async getRetention(target: ObjectTarget): Promise<Retention> {
    const version = await this.find(target);
    if (!version.retention) throw s3Error('NoSuchObjectLockConfiguration', undefined, { Key: target.key });
    return version.retention;
  }

  /** ON or OFF as last set; a version whose hold was never set has no configuration (404, as AWS). */
  async getLegalHold(target: ObjectTarget): Promise<boolean> {
    const { legalHold } = await this.find(target);
    if (legalHold === undefined) throw s3Error('NoSuchObjectLockConfiguration', undefined, { Key: target.key });
    return legalHold;
  }

  putRetention(context: RequestContext, target: ObjectTarget, retention: Retention | undefined, bypassGovernance: boolean): Promise<void> {
    return this.decide(target, (bucket, versions, stamp) =>
      decidePutObjectRetention(bucket, versions, { ...target, ...(retention ? { retention } : {}), bypassGovernance }, decisionContext(stamp, context)),
    );
  }

  putLegalHold(context: RequestContext, target: ObjectTarget, on: boolean): Promise<void> {
    return this.decide(target, (bucket, versions, stamp) => decidePutObjectLegalHold(bucket, versions, { ...target, on }, decisionContext(stamp, context)));
  }

  private async find(target: ObjectTarget): Promise<ObjectVersion> {
    assertValidObjectKey(target.key);
    const metadata = this.set.metadata();
    const bucket = await metadata.getBucket(target.bucket);
    return lockTarget(bucket, target.bucket, await metadata.versionsOf(target.bucket, target.key), target.key, target.versionId, 'GET');
  }

  private async decide(
    target: ObjectTarget,
    decide: (bucket: BucketRecord | undefined, versions: readonly ObjectVersion[], stamp: { id: string; time: number }) => CairnEvent,
  ): Promise<void> {
    await decideOnKey(this.set, this.locks, target, (state, stamp) => decide(state.bucket, state.versions, stamp), () => undefined);
  }
}
