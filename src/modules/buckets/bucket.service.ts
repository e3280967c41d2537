import { Injectable } from '@nestjs/common';
import type { BucketRecord } from '../../domain/bucket';
import { decideCreateBucket, decideDeleteBucket } from '../../domain/deciders/bucket-decider';
import { decisionContext, type RequestContext } from '../../domain/deciders/decision-context';
import { s3Error } from '../../domain/errors';
import { decisionState, releasedDataDirs } from '../../domain/projections/projection';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { ServerConfig } from '../../config/server-config';
import { ShardReclaimer } from '../storage/shard-reclaimer';

@Injectable()
export class BucketService {
  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
    private readonly config: ServerConfig,
    private readonly reclaimer: ShardReclaimer,
  ) {}

  async createBucket(context: RequestContext, name: string, options: { objectLockEnabled?: boolean } = {}): Promise<void> {
    const release = await this.locks.lockBucket(name);
    try {
      const existing = await this.set.metadata().getBucket(name);
      await this.set.appendEvent((stamp) => decideCreateBucket(existing, { bucket: name, region: this.config.region, ...options }, decisionContext(stamp, context)), {
        state: decisionState(name, existing),
      });
    } finally {
      release();
    }
  }

  async deleteBucket(context: RequestContext, name: string): Promise<void> {
    const release = await this.locks.lockBucket(name);
    try {
      const metadata = this.set.metadata();
      const existing = await metadata.getBucket(name);
      const hasObjects = existing ? await metadata.hasObjects(name) : false;
      // Uploads in progress are deleted with the bucket (their parts' shards reclaimed after).
      const uploads = existing ? await metadata.uploadsIn(name) : [];
      const parts = new Map(await Promise.all(uploads.map(async (u) => [u.uploadId, await metadata.partsOf(u.uploadId)] as const)));
      const appended = await this.set.appendEvent((stamp) => decideDeleteBucket(existing, { hasObjects }, { bucket: name }, decisionContext(stamp, context)), {
        state: { ...decisionState(name, existing), uploadsIn: () => uploads, partsOf: (id) => [...(parts.get(id) ?? [])] },
      });
      if (appended) this.reclaimer.reclaim(releasedDataDirs(appended.writes));
    } finally {
      release();
    }
  }

  async getBucket(name: string): Promise<BucketRecord> {
    const bucket = await this.set.metadata().getBucket(name);
    if (!bucket) throw s3Error('NoSuchBucket', undefined, { BucketName: name });
    return bucket;
  }

  listBuckets(): Promise<BucketRecord[]> {
    return this.set.metadata().listBuckets();
  }
}
