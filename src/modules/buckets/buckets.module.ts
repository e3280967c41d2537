import { Module } from '@nestjs/common';
import { BucketConfigService } from './bucket-config.service';
import { BucketService } from './bucket.service';

@Module({ providers: [BucketService, BucketConfigService], exports: [BucketService, BucketConfigService] })
export class BucketsModule {}
