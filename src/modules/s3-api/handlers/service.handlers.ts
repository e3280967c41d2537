import { Injectable } from '@nestjs/common';
import { assertValidMaxBuckets, pageOfBuckets } from '../../../domain/rules/bucket-listing';
import { BucketService } from '../../buckets/bucket.service';
import { ServerConfig } from '../../../config/server-config';
import { decodeContinuationToken, encodeContinuationToken } from '../continuation-token';
import { parseCount } from '../list-limits';
import type { S3Call } from '../s3-call';
import { ownerOf } from '../s3-owner';
import { renderListBuckets } from '../xml/buckets.xml';

@Injectable()
export class ServiceHandlers {
  constructor(
    private readonly buckets: BucketService,
    private readonly config: ServerConfig,
  ) {}

  /** ListBuckets, with AWS's prefix, bucket-region, max-buckets and continuation-token. */
  async listBuckets(call: S3Call): Promise<void> {
    const query = call.target.query;
    const maxBucketsParam = query.get('max-buckets');
    const maxBuckets = maxBucketsParam === undefined ? undefined : parseCount(maxBucketsParam, 'max-buckets', 0);
    if (maxBuckets !== undefined) assertValidMaxBuckets(maxBuckets);
    const token = query.get('continuation-token');
    const prefix = query.get('prefix');
    const page = pageOfBuckets(await this.buckets.listBuckets(), {
      prefix,
      after: token ? decodeContinuationToken(token) : undefined, // an empty token is no token
      region: query.get('bucket-region') || undefined,
      maxBuckets,
    });
    const nextToken = page.nextAfter === undefined ? undefined : encodeContinuationToken(page.nextAfter);
    call.response.xml(200, renderListBuckets(page.buckets, ownerOf(this.config.rootUser), { prefix, continuationToken: nextToken }));
  }
}
