/** Get/Put/DeleteObjectTagging and Get/Put/DeleteBucketTagging. */
import { Injectable } from '@nestjs/common';
import { NULL_VERSION_ID } from '../../../domain/object-version';
import { BucketConfigService } from '../../buckets/bucket-config.service';
import { ObjectTaggingService, type TaggedVersion } from '../../objects/object-tagging.service';
import { assertBodyDigestSent } from '../required-digest';
import { bucketOf, objectTarget, type S3Call } from '../s3-call';
import type { Headers } from '../s3-response';
import { readSmallBody } from '../small-body';
import { parseTagging, renderTagging } from '../xml/tagging.xml';

@Injectable()
export class TaggingHandlers {
  constructor(
    private readonly objectTags: ObjectTaggingService,
    private readonly bucketConfig: BucketConfigService,
  ) {}

  async getObjectTagging(call: S3Call): Promise<void> {
    const tagged = await this.objectTags.getObjectTagging(objectTarget(call));
    call.response.xml(200, renderTagging(tagged.tags), versionHeader(tagged));
  }

  async putObjectTagging(call: S3Call): Promise<void> {
    const tags = parseTagging(await readSmallBody(call));
    const tagged = await this.objectTags.putObjectTagging(call.context, objectTarget(call), tags);
    call.response.send(200, versionHeader(tagged));
  }

  async deleteObjectTagging(call: S3Call): Promise<void> {
    const tagged = await this.objectTags.deleteObjectTagging(call.context, objectTarget(call));
    call.response.send(204, versionHeader(tagged));
  }

  async getBucketTagging(call: S3Call): Promise<void> {
    call.response.xml(200, renderTagging(await this.bucketConfig.getBucketTagging(bucketOf(call))));
  }

  async putBucketTagging(call: S3Call): Promise<void> {
    assertBodyDigestSent(call);
    const tags = parseTagging(await readSmallBody(call));
    await this.bucketConfig.putBucketTagging(call.context, bucketOf(call), tags);
    // AWS documents 204; MinIO answers 200, and minio-js accepts nothing else (SDKs take either).
    call.response.send(200, {});
  }

  async deleteBucketTagging(call: S3Call): Promise<void> {
    await this.bucketConfig.deleteBucketTagging(call.context, bucketOf(call));
    call.response.send(204, {});
  }
}

/** x-amz-version-id names the version when the bucket has versioning (never the null version of an unversioned bucket). */
function versionHeader(tagged: TaggedVersion): Headers {
  return tagged.bucket.versioning !== 'Unversioned' || tagged.versionId !== NULL_VERSION_ID ? { 'x-amz-version-id': tagged.versionId } : {};
}
