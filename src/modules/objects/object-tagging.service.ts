/**
 * Object tags: read from the version, changed by ObjectTaggingPut / ObjectTaggingDeleted
 * events decided under the key's lock, like every other change to a version.
 */
import { Injectable } from '@nestjs/common';
import type { BucketRecord } from '../../domain/bucket';
import { decisionContext, type DecisionContext, type RequestContext } from '../../domain/deciders/decision-context';
import { assertBucketExists } from '../../domain/deciders/object-decider';
import { decideDeleteObjectTagging, decidePutObjectTagging, targetVersion } from '../../domain/deciders/tagging-decider';
import type { CairnEvent } from '../../domain/events';
import type { ObjectVersion } from '../../domain/object-version';
import { assertValidObjectKey } from '../../domain/rules/names';
import type { Tag } from '../../domain/rules/tagging';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { decideOnKey } from './decide-on-key';

export interface ObjectTarget {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

export interface TaggedVersion {
  readonly bucket: BucketRecord;
  readonly versionId: string;
  readonly tags: readonly Tag[];
}

@Injectable()
export class ObjectTaggingService {
  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
  ) {}

  async getObjectTagging(target: ObjectTarget): Promise<TaggedVersion> {
    assertValidObjectKey(target.key);
    const metadata = this.set.metadata();
    const bucket = await metadata.getBucket(target.bucket);
    assertBucketExists(bucket, target.bucket);
    const version = targetVersion(await metadata.versionsOf(target.bucket, target.key), target, 'GET');
    return { bucket, versionId: version.versionId, tags: version.tags ?? [] };
  }

  /** Resolves with the version id the tags were put on. */
  putObjectTagging(context: RequestContext, target: ObjectTarget, tags: readonly Tag[]): Promise<TaggedVersion> {
    return this.decide(target, 'PUT', (bucket, current, stamp) => decidePutObjectTagging(bucket, current, { ...target, tags }, decisionContext(stamp, context)));
  }

  deleteObjectTagging(context: RequestContext, target: ObjectTarget): Promise<TaggedVersion> {
    return this.decide(target, 'DELETE', (bucket, current, stamp) => decideDeleteObjectTagging(bucket, current, target, decisionContext(stamp, context)));
  }

  private decide(
    target: ObjectTarget,
    method: 'PUT' | 'DELETE',
    decide: (bucket: BucketRecord | undefined, current: readonly ObjectVersion[], stamp: Pick<DecisionContext, 'id' | 'time'>) => CairnEvent | undefined,
  ): Promise<TaggedVersion> {
    return decideOnKey(this.set, this.locks, target, (state, stamp) => decide(state.bucket, state.versions, stamp), async (_appended, state) => {
      assertBucketExists(state.bucket, target.bucket);
      const version = targetVersion(await this.set.metadata().versionsOf(target.bucket, target.key), target, method);
      return { bucket: state.bucket, versionId: version.versionId, tags: version.tags ?? [] };
    });
  }
}
