import type { ChecksumType } from '../../../domain/multipart-upload';
import { parseTaggingHeader } from '../../../domain/rules/tagging';
import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../../../config/server-config';
import { s3Error } from '../../../domain/errors';
import { checksumTypeFor } from '../../../domain/deciders/multipart-decider';
import { NULL_VERSION_ID, type ChecksumValue } from '../../../domain/object-version';
import { MAX_LIST_UPLOADS } from '../../../domain/rules/upload-listing';
import { checksumHeaderName, parseChecksumAlgorithm } from '../../../infra/http/checksums';
import { MAX_LIST_PARTS, MultipartService } from '../../objects/multipart.service';
import { storageClassFrom, systemMetadataFrom, userMetadataFrom } from '../object-metadata';
import { payloadOf } from '../request-body';
import { MAX_DOCUMENT_BYTES, readSmallBody } from '../small-body';
import { bucketOf, header, objectLocation, type S3Call } from '../s3-call';
import { ownerOf } from '../s3-owner';
import { assertOwnerOnlyAclHeaders } from '../../../domain/rules/acl';
import { aclHeadersOf } from '../acl-headers';
import type { Headers } from '../s3-response';
import { renderCompleteMultipartUpload, renderCopyPartResult, renderInitiateMultipartUpload, renderListMultipartUploads, renderListParts } from '../xml/multipart.xml';
import { parseCompleteMultipartUpload } from '../xml/request-documents';
import { requestedChecksumAlgorithm } from '../body-digests';
import { readPreconditions, readWriteConditions } from '../conditional-headers';
import { parseCopySource } from '../copy-source';
import { wantsUrlEncoding } from '../encoding-type';
import { parseCount, parseLimit } from '../list-limits';
import { lockRequestFrom } from '../xml/object-lock.xml';
import { bodyDigestSent } from '../required-digest';

@Injectable()
export class MultipartHandlers {
  constructor(
    private readonly multipart: MultipartService,
    private readonly config: ServerConfig,
  ) {}

  async createMultipartUpload(call: S3Call): Promise<void> {
    const headers = call.request.headers;
    const checksumAlgorithm = requestedChecksumAlgorithm(header(call, 'x-amz-checksum-algorithm'));
    const typeHeader = checksumTypeHeader(call);
    const bucket = bucketOf(call);
    const key = call.target.key;
    const tagging = header(call, 'x-amz-tagging');
    assertOwnerOnlyAclHeaders(ownerOf(this.config.rootUser).id, aclHeadersOf(call));
    const uploadId = await this.multipart.createUpload(call.context, {
      bucket,
      key,
      system: systemMetadataFrom(headers),
      user: userMetadataFrom(headers),
      storageClass: storageClassFrom(headers),
      ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
      ...(typeHeader ? { checksumType: typeHeader } : {}),
      lock: lockRequestFrom(headers),
      ...(tagging !== undefined ? { tags: parseTaggingHeader(tagging) } : {}),
    });
    const response: Headers = checksumAlgorithm
      ? { 'x-amz-checksum-algorithm': checksumAlgorithm, 'x-amz-checksum-type': checksumTypeFor(checksumAlgorithm, typeHeader) }
      : {};
    call.response.xml(200, renderInitiateMultipartUpload(bucket, key, uploadId), response);
  }

  async uploadPart(call: S3Call): Promise<void> {
    const result = await this.multipart.uploadPart(call.context, {
      ...uploadOf(call),
      partNumber: partNumberOf(call),
      payloadFor: (defaultChecksum) => payloadOf(call, { lengthRequired: true, defaultChecksum }),
      digestSent: bodyDigestSent(call),
    });
    const response: Headers = { etag: `"${result.etag}"` };
    if (result.checksum) response[checksumHeaderName(result.checksum.algorithm)] = result.checksum.value;
    call.response.send(200, response);
  }

  async uploadPartCopy(call: S3Call): Promise<void> {
    const result = await this.multipart.uploadPartCopy(call.context, {
      ...uploadOf(call),
      partNumber: partNumberOf(call),
      source: parseCopySource(header(call, 'x-amz-copy-source')!),
      sourceConditions: readPreconditions(call, 'x-amz-copy-source-'),
      range: header(call, 'x-amz-copy-source-range'),
    });
    const response: Headers = result.sourceVersionId !== NULL_VERSION_ID ? { 'x-amz-copy-source-version-id': result.sourceVersionId } : {};
    if (result.checksum) response[checksumHeaderName(result.checksum.algorithm)] = result.checksum.value;
    call.response.xml(200, renderCopyPartResult(result), response);
  }

  async completeMultipartUpload(call: S3Call): Promise<void> {
    const bucket = bucketOf(call);
    const key = call.target.key;
    const conditions = readWriteConditions(call);
    // Its x-amz-checksum-* header is the whole object's checksum, not the document's.
    const parts = parseCompleteMultipartUpload(await readSmallBody(call, MAX_DOCUMENT_BYTES, { checksumHeaders: false }));
    const expectedChecksum = wholeObjectChecksum(call);
    const expectedChecksumType = checksumTypeHeader(call);
    const expectedSize = objectSizeHeader(call);
    const result = await this.multipart.completeUpload(call.context, {
      bucket,
      key,
      uploadId: uploadIdOf(call),
      parts,
      ...(expectedChecksum ? { expectedChecksum } : {}),
      ...(expectedChecksumType ? { expectedChecksumType } : {}),
      ...(expectedSize !== undefined ? { expectedSize } : {}),
      ...(conditions ? { conditions } : {}),
    });
    const response: Headers = {};
    if (result.versionId !== NULL_VERSION_ID) response['x-amz-version-id'] = result.versionId;
    const location = objectLocation(call, this.config.endpoint, key);
    call.response.xml(200, renderCompleteMultipartUpload({ location, bucket, key, etag: result.etag, checksum: result.checksum }), response);
  }

  async abortMultipartUpload(call: S3Call): Promise<void> {
    await this.multipart.abortUpload(call.context, uploadOf(call));
    call.response.send(204, {});
  }

  async listParts(call: S3Call): Promise<void> {
    const query = call.target.query;
    const partNumberMarker = parseCount(query.get('part-number-marker'), 'part-number-marker', 0);
    const maxParts = parseLimit(query.get('max-parts'), 'max-parts', MAX_LIST_PARTS);
    const bucket = bucketOf(call);
    const page = await this.multipart.listParts(bucket, call.target.key, uploadIdOf(call), { partNumberMarker, maxParts });
    call.response.xml(200, renderListParts(page, { bucket, partNumberMarker, maxParts }, ownerOf(this.config.rootUser)));
  }

  async listMultipartUploads(call: S3Call): Promise<void> {
    const query = call.target.query;
    const urlEncode = wantsUrlEncoding(query);
    const delimiter = query.get('delimiter') || undefined;
    const keyMarker = query.get('key-marker') || undefined;
    // AWS ignores upload-id-marker without key-marker.
    const uploadIdMarker = keyMarker !== undefined ? query.get('upload-id-marker') || undefined : undefined;
    const render = {
      bucket: bucketOf(call),
      prefix: query.get('prefix') ?? '',
      delimiter,
      keyMarker,
      uploadIdMarker,
      maxUploads: parseLimit(query.get('max-uploads'), 'max-uploads', MAX_LIST_UPLOADS),
      urlEncode,
    };
    const page = await this.multipart.listUploads(render.bucket, render);
    call.response.xml(200, renderListMultipartUploads(page, render, ownerOf(this.config.rootUser)));
  }
}

/** An x-amz-checksum-<algorithm> header on CompleteMultipartUpload: the client's checksum of the whole object. */
function wholeObjectChecksum(call: S3Call): ChecksumValue | undefined {
  for (const name of Object.keys(call.request.headers)) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm') continue;
    const algorithm = parseChecksumAlgorithm(name);
    if (algorithm) return { algorithm, value: header(call, name)! };
  }
  return undefined;
}

function uploadIdOf(call: S3Call): string {
  return call.target.query.get('uploadId') ?? '';
}

/** The upload a part or completion request names: bucket, key and ?uploadId. */
function uploadOf(call: S3Call): { bucket: string; key: string; uploadId: string } {
  return { bucket: bucketOf(call), key: call.target.key, uploadId: uploadIdOf(call) };
}

function partNumberOf(call: S3Call): number {
  const value = call.target.query.get('partNumber') ?? '';
  if (!/^\d{1,5}$/.test(value)) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: value });
  }
  return Number(value);
}

/** x-amz-mp-object-size (CompleteMultipartUpload): the size the client expects the object to have. */
function objectSizeHeader(call: S3Call): number | undefined {
  const value = header(call, 'x-amz-mp-object-size');
  if (value === undefined) return undefined;
  if (!/^\d{1,19}$/.test(value.trim())) throw s3Error('InvalidRequest', 'Value for x-amz-mp-object-size header is invalid.');
  return Number(value.trim());
}

/** x-amz-checksum-type (CreateMultipartUpload, CompleteMultipartUpload): COMPOSITE or FULL_OBJECT. */
function checksumTypeHeader(call: S3Call): ChecksumType | undefined {
  const value = header(call, 'x-amz-checksum-type')?.toUpperCase();
  if (value !== undefined && value !== 'COMPOSITE' && value !== 'FULL_OBJECT') throw s3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
  return value;
}
