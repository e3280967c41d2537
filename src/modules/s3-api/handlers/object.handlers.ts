import { Injectable } from '@nestjs/common';
import { s3Error } from '../../../domain/errors';
import { checksumTypeOf, DEFAULT_CHECKSUM_ALGORITHM, NULL_VERSION_ID } from '../../../domain/object-version';
import { parsePartNumber, partChecksum, partsCount } from '../../../domain/rules/object-parts';
import { ServerConfig } from '../../../config/server-config';
import { assertOwnerOnlyAclHeaders } from '../../../domain/rules/acl';
import { aclHeadersOf } from '../acl-headers';
import { ownerOf } from '../s3-owner';
import { destinationTags, parseTaggingHeader } from '../../../domain/rules/tagging';
import { checksumHeaderName } from '../../../infra/http/checksums';
import { ObjectService, type ObjectRead, type PutObjectResult } from '../../objects/object.service';
import { readPreconditions, readWriteConditions } from '../conditional-headers';
import { parseCopySource, parseDirective } from '../copy-source';
import { applyResponseOverrides, objectHeaders, storageClassFrom, systemMetadataFrom, userMetadataFrom, websiteRedirectLocationFrom } from '../object-metadata';
import { requestedChecksumAlgorithm } from '../body-digests';
import { payloadOf } from '../request-body';
import { bucketOf, header, requestedVersionId, type S3Call } from '../s3-call';
import { ClientGone, type Headers } from '../s3-response';
import { renderCopyObjectResult } from '../xml/copy-object.xml';
import { lockHeaders, lockRequestFrom } from '../xml/object-lock.xml';
import { bodyDigestSent } from '../required-digest';
import { bypassesGovernance } from '../bypass-governance';
import { OBJECT_ATTRIBUTES, renderObjectAttributes, type ObjectAttribute } from '../xml/object-attributes.xml';
import { parseCount, parseLimit } from '../list-limits';
import { MAX_LIST_PARTS } from '../../objects/multipart.service';

@Injectable()
export class ObjectHandlers {
  constructor(
    private readonly objects: ObjectService,
    private readonly config: ServerConfig,
  ) {}

  async putObject(call: S3Call): Promise<void> {
    const headers = call.request.headers;
    const storageClass = storageClassFrom(headers);
    const conditions = readWriteConditions(call);
    assertOwnerOnlyAclHeaders(ownerOf(this.config.rootUser).id, aclHeadersOf(call));
    const tagging = header(call, 'x-amz-tagging');
    const lock = lockRequestFrom(headers);
    const result = await this.objects.putObject(call.context, {
      bucket: bucketOf(call),
      key: call.target.key,
      payload: payloadOf(call, { lengthRequired: true, defaultChecksum: DEFAULT_CHECKSUM_ALGORITHM }),
      system: systemMetadataFrom(headers),
      user: userMetadataFrom(headers),
      storageClass,
      ...(conditions ? { conditions } : {}),
      tags: tagging === undefined ? undefined : parseTaggingHeader(tagging),
      ...(lock ? { lock } : {}),
      digestSent: bodyDigestSent(call),
    });
    const response: Headers = { etag: `"${result.etag}"`, 'x-amz-version-id': versionIdHeader(result) };
    if (result.checksum) {
      response[checksumHeaderName(result.checksum.algorithm)] = result.checksum.value;
      // A single PUT's checksum covers the whole body (AWS says so on the answer too).
      response['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    call.response.send(200, response);
  }

  /** PUT with x-amz-copy-source: the source's bytes re-written under the destination key. */
  async copyObject(call: S3Call): Promise<void> {
    const headers = call.request.headers;
    const source = parseCopySource(header(call, 'x-amz-copy-source')!);
    const metadataDirective = parseDirective(header(call, 'x-amz-metadata-directive'), 'metadata');
    const taggingDirective = parseDirective(header(call, 'x-amz-tagging-directive'), 'tagging');
    const taggingHeader = header(call, 'x-amz-tagging');
    const storageClass = storageClassFrom(headers);
    const conditions = readWriteConditions(call);
    const checksumAlgorithm = requestedChecksumAlgorithm(header(call, 'x-amz-checksum-algorithm'));
    assertOwnerOnlyAclHeaders(ownerOf(this.config.rootUser).id, aclHeadersOf(call));
    const result = await this.objects.copyObject(call.context, {
      source,
      bucket: bucketOf(call),
      key: call.target.key,
      sourceConditions: readPreconditions(call, 'x-amz-copy-source-'),
      metadataDirective,
      storageClass,
      // COPY: the source's tags; REPLACE: x-amz-tagging (or none).
      tags: (sourceTags) => destinationTags(sourceTags, taggingDirective, taggingHeader),
      lock: lockRequestFrom(headers),
      system: metadataDirective === 'REPLACE' ? systemMetadataFrom(headers) : {},
      user: metadataDirective === 'REPLACE' ? userMetadataFrom(headers) : {},
      websiteRedirectLocation: websiteRedirectLocationFrom(header(call, 'x-amz-website-redirect-location')),
      ...(conditions ? { conditions } : {}),
      ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
    });
    const response: Headers = { 'x-amz-version-id': versionIdHeader(result) };
    if (result.sourceVersionId !== undefined) response['x-amz-copy-source-version-id'] = result.sourceVersionId;
    call.response.xml(200, renderCopyObjectResult(result), response);
  }

  async getObject(call: S3Call): Promise<void> {
    const read = await this.find(call);
    if (read.notModified) return this.notModified(call, read);
    const headers = this.headersFor(call, read);
    const status = read.range ? 206 : 200;
    let started = false;
    await read.pipe(
      async (chunks) => {
        if (!started) {
          started = true;
          call.response.writeHead(status, headers);
        }
        await call.response.write(chunks);
        // A client that left stops the read: no more blocks fetched, decoded and hashed for nobody.
        if (call.response.connectionGone) throw new ClientGone();
      },
      // S3Response.write resolves once the socket has taken the chunks.
      { sinkReleasesChunks: true },
    );
    // A zero-length object (or range) never calls the sink.
    if (!started) call.response.writeHead(status, headers);
    call.response.end();
  }

  async headObject(call: S3Call): Promise<void> {
    const read = await this.find(call);
    if (read.notModified) return this.notModified(call, read);
    call.response.writeHead(read.range ? 206 : 200, this.headersFor(call, read));
    call.response.end();
  }

  /** GET ?attributes with x-amz-object-attributes: metadata about the object without its bytes. */
  async getObjectAttributes(call: S3Call): Promise<void> {
    const wanted = requestedAttributes(header(call, 'x-amz-object-attributes'));
    const { bucket, version } = await this.objects.objectVersion(bucketOf(call), call.target.key, requestedVersionId(call));
    const headers: Headers = { 'last-modified': new Date(version.lastModified).toUTCString() };
    if (bucket.versioning !== 'Unversioned') headers['x-amz-version-id'] = version.versionId;
    const page = {
      partNumberMarker: parseCount(header(call, 'x-amz-part-number-marker'), 'x-amz-part-number-marker', 0),
      maxParts: parseLimit(header(call, 'x-amz-max-parts'), 'x-amz-max-parts', MAX_LIST_PARTS),
    };
    call.response.xml(200, renderObjectAttributes(version, wanted, page), headers);
  }

  async deleteObject(call: S3Call): Promise<void> {
    const ifMatch = header(call, 'if-match');
    const result = await this.objects.deleteObject(call.context, bucketOf(call), call.target.key, requestedVersionId(call), {
      bypassGovernance: bypassesGovernance(call),
      ...(ifMatch !== undefined ? { ifMatch } : {}),
    });
    const headers: Headers = {};
    if (result.deleteMarker) headers['x-amz-delete-marker'] = 'true';
    if (result.versionId !== undefined) headers['x-amz-version-id'] = result.versionId;
    call.response.send(204, headers);
  }

  private find(call: S3Call): Promise<ObjectRead> {
    const partNumber = parsePartNumber(call.target.query.get('partNumber'));
    return this.objects.getObject(bucketOf(call), call.target.key, {
      versionId: requestedVersionId(call),
      range: header(call, 'range'),
      ifRange: header(call, 'if-range'),
      partNumber,
      conditions: readPreconditions(call),
    });
  }

  /** 304: no body, but the validators the client compares (ETag, Last-Modified). */
  private notModified(call: S3Call, read: ObjectRead): void {
    const headers: Headers = { etag: `"${read.version.etag}"`, 'last-modified': new Date(read.version.lastModified).toUTCString() };
    if (read.bucket.versioning !== 'Unversioned') headers['x-amz-version-id'] = read.version.versionId;
    call.response.writeHead(304, headers);
    call.response.end();
  }

  private headersFor(call: S3Call, read: ObjectRead): Headers {
    const { version, range } = read;
    // Added to objectHeaders' own literal: a spread followed by more fields is V8's slow path.
    const headers = Object.assign(objectHeaders(version), lockHeaders(version));
    const partNumber = call.target.query.get('partNumber');
    if (range) {
      headers['content-length'] = range.end - range.start + 1;
      headers['content-range'] = `bytes ${range.start}-${range.end}/${version.size}`;
    } else {
      headers['content-length'] = version.size;
    }
    if (version.checksum && header(call, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
      // A part has a checksum of its own; any other range none.
      const checksum = partNumber !== undefined ? partChecksum(version, Number(partNumber)) : range ? undefined : version.checksum;
      if (checksum) {
        headers[checksumHeaderName(checksum.algorithm)] = checksum.value;
        headers['x-amz-checksum-type'] = checksumTypeOf(version.checksum);
      }
    }
    if (read.bucket.versioning !== 'Unversioned') headers['x-amz-version-id'] = version.versionId;
    // AWS: the part count comes back only when a part was asked for, and only for multipart objects.
    if (partNumber !== undefined) headers['x-amz-mp-parts-count'] = partsCount(version);
    applyResponseOverrides(headers, call.target.query);
    return headers;
  }
}


/** The x-amz-version-id of a write's answer: none for the null version (headers left undefined are not sent). */
function versionIdHeader(result: PutObjectResult): string | undefined {
  return result.versionId !== NULL_VERSION_ID ? result.versionId : undefined;
}

/** The x-amz-object-attributes list; unknown names are InvalidArgument, none at all InvalidRequest. */
function requestedAttributes(value: string | undefined): Set<ObjectAttribute> {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw s3Error('InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
  }
  const wanted = new Set<ObjectAttribute>();
  for (const name of names) {
    if (!(OBJECT_ATTRIBUTES as readonly string[]).includes(name)) throw s3Error('InvalidArgument', 'Invalid attribute name specified.', { ArgumentName: 'x-amz-object-attributes', ArgumentValue: name });
    wanted.add(name as ObjectAttribute);
  }
  return wanted;
}
