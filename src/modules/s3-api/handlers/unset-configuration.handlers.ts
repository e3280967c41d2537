/**
 * The bucket configurations cairn does not support, answered as never set on an existing
 * bucket (see unset-bucket-configurations.ts for which, and why).
 */
import { Injectable } from '@nestjs/common';
import { s3Error } from '../../../domain/errors';
import { BucketConfigService } from '../../buckets/bucket-config.service';
import { bucketOf, type S3Call } from '../s3-call';
import { UNSET_BUCKET_CONFIGURATIONS, type UnsetConfigurationOperation } from '../unset-bucket-configurations';

type Handler = (call: S3Call) => Promise<void>;

@Injectable()
export class UnsetConfigurationHandlers {
  constructor(private readonly bucketConfig: BucketConfigService) {}

  /** A handler for every GET and DELETE operation of the table, by operation name. */
  handlers(): Record<UnsetConfigurationOperation, Handler> {
    const handlers: Partial<Record<UnsetConfigurationOperation, Handler>> = {};
    for (const unset of UNSET_BUCKET_CONFIGURATIONS) {
      handlers[unset.get] = async (call) => {
        const bucket = bucketOf(call);
        await this.bucketConfig.getBucket(bucket); // NoSuchBucket first, as AWS
        const { answer } = unset;
        if ('missing' in answer) throw s3Error(answer.missing, undefined, { BucketName: bucket });
        call.response.xml(200, answer.document());
      };
      if ('delete' in unset) {
        handlers[unset.delete] = async (call) => {
          await this.bucketConfig.getBucket(bucketOf(call));
          call.response.send(204, {});
        };
      }
    }
    return handlers as Record<UnsetConfigurationOperation, Handler>;
  }
}
