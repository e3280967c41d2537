import { Injectable } from '@nestjs/common';
import { isS3Error, s3Error } from '../../../domain/errors';
import { assertObjectOwnership, assertOwnerOnlyAclHeaders } from '../../../domain/rules/acl';
import { aclHeadersOf } from '../acl-headers';
import { assertLocationConstraint, recreatingOwnBucketSucceeds } from '../../../domain/rules/bucket-region';
import { MAX_LIST_KEYS } from '../../../domain/rules/listing';
import { ServerConfig } from '../../../config/server-config';
import { BucketService } from '../../buckets/bucket.service';
import { ObjectService } from '../../objects/object.service';
import { readSmallBody } from '../small-body';
import { bucketOf, header, type S3Call } from '../s3-call';
import { ownerOf } from '../s3-owner';
import { parseCreateBucketConfiguration } from '../xml/request-documents';
import { renderLocation } from '../xml/buckets.xml';
import { renderListObjectsV1, renderListObjectsV2, type ListRender } from '../xml/list-objects.xml';
import { wantsUrlEncoding } from '../encoding-type';
import { parseLimit } from '../list-limits';
import { decodeContinuationToken, encodeContinuationToken } from '../continuation-token';

@Injectable()
export class BucketHandlers {
  constructor(
    private readonly buckets: BucketService,
    private readonly objects: ObjectService,
    private readonly config: ServerConfig,
  ) {}

  async createBucket(call: S3Call): Promise<void> {
    const bucket = bucketOf(call);
    assertObjectOwnership(header(call, 'x-amz-object-ownership'));
    assertOwnerOnlyAclHeaders(ownerOf(this.config.rootUser).id, aclHeadersOf(call), 'InvalidBucketAclWithObjectOwnership');
    const body = await readSmallBody(call);
    const location = body.length > 0 ? parseCreateBucketConfiguration(body).locationConstraint : undefined;
    if (location && this.config.regionEnforced) assertLocationConstraint(location, this.config.region);
    const objectLock = header(call, 'x-amz-bucket-object-lock-enabled')?.toLowerCase();
    if (objectLock !== undefined && objectLock !== 'true' && objectLock !== 'false') {
      throw s3Error('InvalidArgument', 'x-amz-bucket-object-lock-enabled must be true or false', { ArgumentName: 'x-amz-bucket-object-lock-enabled' });
    }
    try {
      await this.buckets.createBucket(call.context, bucket, { objectLockEnabled: objectLock === 'true' });
    } catch (error) {
      const alreadyMine = isS3Error(error) && error.code === 'BucketAlreadyOwnedByYou';
      if (!alreadyMine || !recreatingOwnBucketSucceeds(this.config.region)) throw error;
      // Asking for Object Lock on a bucket without it is no repeat of its creation: a 200 would
      // tell the client its objects will be protected when they will not.
      if (objectLock === 'true' && !(await this.buckets.getBucket(bucket)).objectLock) throw error;
    }
    call.response.send(200, { location: `/${bucket}` });
  }

  async deleteBucket(call: S3Call): Promise<void> {
    await this.buckets.deleteBucket(call.context, bucketOf(call));
    call.response.send(204, {});
  }

  async headBucket(call: S3Call): Promise<void> {
    const bucket = await this.buckets.getBucket(bucketOf(call));
    call.response.send(200, { 'x-amz-bucket-region': bucket.region });
  }

  async getBucketLocation(call: S3Call): Promise<void> {
    const bucket = await this.buckets.getBucket(bucketOf(call));
    call.response.xml(200, renderLocation(bucket.region));
  }

  async listObjects(call: S3Call): Promise<void> {
    const query = call.target.query;
    // AWS refuses V2's start point on a V1 listing rather than list from the start.
    if (query.has('start-after')) {
      throw s3Error('InvalidArgument', 'startAfter only supported in REST.GET.BUCKET with list-type=2', { ArgumentName: 'start-after' });
    }
    const marker = query.get('marker') ?? '';
    const render = this.listRender(call);
    const page = await this.objects.listObjects(render.bucket, {
      prefix: render.prefix,
      delimiter: render.delimiter,
      after: marker === '' ? undefined : marker,
      maxKeys: render.maxKeys,
    });
    call.response.xml(200, renderListObjectsV1(page, { ...render, owner: ownerOf(this.config.rootUser) }, marker));
  }

  async listObjectsV2(call: S3Call): Promise<void> {
    const query = call.target.query;
    const continuationToken = query.get('continuation-token');
    const startAfter = query.get('start-after');
    const render = this.listRender(call);
    // An empty token is no token (AWS lists from the start and echoes it).
    const after = continuationToken ? decodeContinuationToken(continuationToken) : startAfter || undefined;
    const page = await this.objects.listObjects(render.bucket, { prefix: render.prefix, delimiter: render.delimiter, after, maxKeys: render.maxKeys });
    const owner = query.get('fetch-owner') === 'true' ? ownerOf(this.config.rootUser) : undefined;
    call.response.xml(
      200,
      renderListObjectsV2(
        page,
        { ...render, owner },
        {
          continuationToken,
          nextContinuationToken: page.isTruncated && page.last !== undefined ? encodeContinuationToken(page.last) : undefined,
          startAfter,
        },
      ),
    );
  }

  private listRender(call: S3Call): ListRender {
    const query = call.target.query;
    const urlEncode = wantsUrlEncoding(query);
    const delimiter = query.get('delimiter');
    return {
      bucket: bucketOf(call),
      prefix: query.get('prefix') ?? '',
      delimiter: delimiter === '' ? undefined : delimiter,
      maxKeys: parseLimit(query.get('max-keys'), 'max-keys', MAX_LIST_KEYS),
      urlEncode,
    };
  }
}
