import { Injectable } from '@nestjs/common';
import { NULL_VERSION_ID } from '../../../domain/object-version';
import { assertAcceptableCannedAclOnWrite } from '../../../domain/rules/acl';
import { parseTaggingHeader } from '../../../domain/rules/tagging';
import { checksumHeaderName } from '../../../infra/http/checksums';
import { ObjectService, type ObjectRead } from '../../objects/object.service';
import { objectHeaders, systemMetadataFrom, userMetadataFrom } from '../object-metadata';
import { payloadOf } from '../request-body';
import { bucketOf, header, type S3Call } from '../s3-call';
import type { Headers } from '../s3-response';

@Injectable()
export class ObjectHandlers {
  constructor(private readonly objects: ObjectService) {}

  async putObject(call: S3Call): Promise<void> {
    const headers = call.request.headers;
    assertAcceptableCannedAclOnWrite(header(call, 'x-amz-acl'));
    const tagging = header(call, 'x-amz-tagging');
    const result = await this.objects.putObject(call.context, {
      bucket: bucketOf(call),
      key: call.target.key,
      payload: payloadOf(call),
      system: systemMetadataFrom(headers),
      user: userMetadataFrom(headers),
      tags: tagging === undefined ? undefined : parseTaggingHeader(tagging),
    });
    const response: Headers = { etag: `"${result.etag}"` };
    if (result.versionId !== NULL_VERSION_ID) response['x-amz-version-id'] = result.versionId;
    if (result.checksum) response[checksumHeaderName(result.checksum.algorithm)] = result.checksum.value;
    call.response.send(200, response);
  }

  async getObject(call: S3Call): Promise<void> {
    const read = await this.find(call);
    const headers = this.headersFor(call, read);
    let started = false;
    await read.pipe(async (chunks) => {
      if (!started) {
        started = true;
        call.response.writeHead(read.range ? 206 : 200, headers);
      }
      await call.response.write(chunks);
    });
    // A zero-length object (or range) never calls the sink.
    if (!started) call.response.writeHead(read.range ? 206 : 200, headers);
    call.response.end();
  }

  async headObject(call: S3Call): Promise<void> {
    const read = await this.find(call);
    call.response.writeHead(read.range ? 206 : 200, this.headersFor(call, read));
    call.response.end();
  }

  async deleteObject(call: S3Call): Promise<void> {
    await this.objects.deleteObject(call.context, bucketOf(call), call.target.key, call.target.query.get('versionId'));
    call.response.send(204, {});
  }

  private find(call: S3Call): Promise<ObjectRead> {
    return this.objects.getObject(bucketOf(call), call.target.key, {
      versionId: call.target.query.get('versionId'),
      range: header(call, 'range'),
    });
  }

  private headersFor(call: S3Call, read: ObjectRead): Headers {
    const { version, range } = read;
    const headers = objectHeaders(version);
    if (range) {
      headers['content-length'] = range.end - range.start + 1;
      headers['content-range'] = `bytes ${range.start}-${range.end}/${version.size}`;
    } else {
      headers['content-length'] = version.size;
      if (version.checksum && header(call, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
        headers[checksumHeaderName(version.checksum.algorithm)] = version.checksum.value;
      }
    }
    if (read.bucket.versioning !== 'Unversioned') headers['x-amz-version-id'] = version.versionId;
    return headers;
  }
}
