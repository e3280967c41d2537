import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../../../config/server-config';
import { s3Error } from '../../../domain/errors';
import { assertWellFormedVersionId } from '../../../domain/rules/version-ids';
import { MAX_LIST_KEYS } from '../../../domain/rules/listing';
import { BucketConfigService } from '../../buckets/bucket-config.service';
import { ObjectService } from '../../objects/object.service';
import { readSmallBody } from '../small-body';
import { bucketOf, type S3Call } from '../s3-call';
import { ownerOf } from '../s3-owner';
import { renderListVersions } from '../xml/list-versions.xml';
import { parseVersioningConfiguration, renderVersioningConfiguration } from '../xml/versioning.xml';
import { wantsUrlEncoding } from '../encoding-type';
import { parseLimit } from '../list-limits';

/** PutBucketVersioning, GetBucketVersioning and ListObjectVersions. */
@Injectable()
export class VersioningHandlers {
  constructor(
    private readonly bucketConfig: BucketConfigService,
    private readonly objects: ObjectService,
    private readonly config: ServerConfig,
  ) {}

  async putBucketVersioning(call: S3Call): Promise<void> {
    const status = parseVersioningConfiguration(await readSmallBody(call));
    await this.bucketConfig.putBucketVersioning(call.context, bucketOf(call), status);
    call.response.send(200, {});
  }

  async getBucketVersioning(call: S3Call): Promise<void> {
    const bucket = await this.bucketConfig.getBucket(bucketOf(call));
    call.response.xml(200, renderVersioningConfiguration(bucket.versioning));
  }

  async listObjectVersions(call: S3Call): Promise<void> {
    const query = call.target.query;
    const urlEncode = wantsUrlEncoding(query);
    const keyMarker = query.get('key-marker') || undefined;
    const versionIdMarker = query.get('version-id-marker') || undefined;
    if (versionIdMarker !== undefined && keyMarker === undefined) {
      throw s3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
    }
    if (versionIdMarker !== undefined) assertWellFormedVersionId(versionIdMarker, 'version-id-marker');
    const render = {
      bucket: bucketOf(call),
      prefix: query.get('prefix') ?? '',
      delimiter: query.get('delimiter') || undefined,
      keyMarker,
      versionIdMarker,
      maxKeys: parseLimit(query.get('max-keys'), 'max-keys', MAX_LIST_KEYS),
      urlEncode,
    };
    const page = await this.objects.listVersions(render.bucket, render);
    call.response.xml(
      200,
      renderListVersions(page.versions, {
        ...render,
        keyMarker: keyMarker ?? '',
        versionIdMarker: versionIdMarker ?? '',
        owner: ownerOf(this.config.rootUser),
        isTruncated: page.isTruncated,
        nextKeyMarker: page.nextKeyMarker,
        nextVersionIdMarker: page.nextVersionIdMarker,
        commonPrefixes: page.commonPrefixes,
      }),
    );
  }
}
