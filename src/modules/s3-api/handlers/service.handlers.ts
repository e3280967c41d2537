import { Injectable } from '@nestjs/common';
import { BucketService } from '../../buckets/bucket.service';
import { ServerConfig } from '../../../config/server-config';
import type { S3Call } from '../s3-call';
import { ownerOf } from '../s3-owner';
import { renderListBuckets } from '../xml/buckets.xml';

@Injectable()
export class ServiceHandlers {
  constructor(
    private readonly buckets: BucketService,
    private readonly config: ServerConfig,
  ) {}

  async listBuckets(call: S3Call): Promise<void> {
    call.response.xml(200, renderListBuckets(await this.buckets.listBuckets(), ownerOf(this.config.rootUser)));
  }
}
