/**
 * POST Object: a browser-form upload. The form carries its own credentials (a policy signed
 * with SigV4 or SigV2), so authentication happens here, once the fields before the file
 * have been read; the file then streams into the same write path as PutObject.
 */
import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../../../config/server-config';
import { s3Error } from '../../../domain/errors';
import { DEFAULT_CHECKSUM_ALGORITHM, NULL_VERSION_ID } from '../../../domain/object-version';
import { assertOwnerOnlyAclHeaders } from '../../../domain/rules/acl';
import { assertValidTagSet, type Tag } from '../../../domain/rules/tagging';
import { checkPostPolicy, parsePostPolicy } from '../../../domain/rules/post-policy';
import { verifyFormSignature } from '../../../infra/http/post-form-auth';
import { ObjectService, type PutObjectResult } from '../../objects/object.service';
import { checksumHeaderName } from '../../../infra/http/checksums';
import { declaredChecksum, parseContentMd5 } from '../body-digests';
import { formFilePayload } from '../form-file-payload';
import { storageClassFrom, systemMetadataFrom, userMetadataFrom } from '../object-metadata';
import { readPostForm, type PostForm } from '../post-form';
import { bucketOf, objectLocation, type S3Call } from '../s3-call';
import { ownerOf } from '../s3-owner';
import type { Headers } from '../s3-response';
import { renderPostResponse } from '../xml/post-response.xml';
import { parseTagging } from '../xml/tagging.xml';

/** Fields stored as the object's system metadata, as the same-named PUT headers would be. */
const METADATA_FIELDS = ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires', 'x-amz-website-redirect-location'];

@Injectable()
export class PostObjectHandlers {
  constructor(
    private readonly objects: ObjectService,
    private readonly config: ServerConfig,
  ) {}

  async postObject(call: S3Call): Promise<void> {
    const bucket = bucketOf(call);
    const form = await readPostForm(call.request);
    try {
      await this.store(call, bucket, form);
    } catch (error) {
      // Discard the rest of the body (bypassing the form parser) so the connection stays usable.
      call.request.unpipe();
      call.request.resume();
      throw error;
    }
  }

  private async store(call: S3Call, bucket: string, form: PostForm): Promise<void> {
    const accessKey = this.authenticate(form.fields);
    const template = form.fields.get('key');
    if (template === undefined) {
      throw s3Error('InvalidArgument', "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", {
        ArgumentName: 'key',
        ArgumentValue: '',
      });
    }
    const key = template.replaceAll('${filename}', form.filename);
    const fields = new Map(form.fields);
    fields.set('bucket', bucket);
    fields.set('key', key);
    const range = checkPostPolicy(parsePostPolicy(fields.get('policy')!), fields, new Date());
    assertOwnerOnlyAclHeaders(ownerOf(this.config.rootUser).id, { canned: fields.get('acl'), grantHeaders: [] });
    const contentMd5 = parseContentMd5(fields.get('content-md5'));
    const checksum = declaredChecksum(fields, fields.get('x-amz-checksum-algorithm'));
    const digests = { ...(contentMd5 ? { contentMd5 } : {}), ...(checksum ? { checksum } : { defaultChecksum: DEFAULT_CHECKSUM_ALGORITHM }) };

    const metadata: Record<string, string> = {};
    for (const [name, value] of fields) if (METADATA_FIELDS.includes(name) || name.startsWith('x-amz-meta-')) metadata[name] = value;
    const storageClass = storageClassFrom({ 'x-amz-storage-class': fields.get('x-amz-storage-class') });
    const tagging = fields.get('tagging');
    const result = await this.objects.putObject(
      { actor: accessKey, requestId: call.context.requestId },
      {
        bucket,
        key,
        payload: await formFilePayload(form.file, range, digests),
        system: systemMetadataFrom(metadata),
        user: userMetadataFrom(metadata),
        storageClass,
        tags: tagging === undefined ? undefined : tagsOfForm(tagging),
        digestSent: contentMd5 !== undefined || checksum?.value !== undefined,
      },
    );
    this.respond(call, fields, key, result);
  }

  private authenticate(fields: ReadonlyMap<string, string>): string {
    if (!fields.has('policy') && !fields.has('signature') && !fields.has('x-amz-signature')) {
      throw s3Error('AccessDenied', 'Anonymous requests are not allowed: sign the form policy with your access key.');
    }
    return verifyFormSignature(fields, {
      lookupSecret: (accessKey) => (accessKey === this.config.rootUser ? this.config.rootPassword : undefined),
      region: this.config.regionEnforced ? this.config.region : undefined,
    });
  }

  /** success_action_redirect (303), else success_action_status 200 / 201 (PostResponse XML) / 204 (the default). */
  private respond(call: S3Call, fields: ReadonlyMap<string, string>, key: string, result: PutObjectResult): void {
    const { etag, versionId, checksum } = result;
    const bucket = bucketOf(call);
    const headers: Headers = { etag: `"${etag}"` };
    if (versionId !== NULL_VERSION_ID) headers['x-amz-version-id'] = versionId;
    if (checksum) headers[checksumHeaderName(checksum.algorithm)] = checksum.value;
    const location = objectLocation(call, this.config.endpoint, key);

    const redirect = redirectUrl(fields.get('success_action_redirect') ?? fields.get('redirect'));
    if (redirect) {
      redirect.searchParams.set('bucket', bucket);
      redirect.searchParams.set('key', key);
      redirect.searchParams.set('etag', `"${etag}"`);
      call.response.send(303, { ...headers, location: redirect.toString() });
      return;
    }
    const status = fields.get('success_action_status');
    if (status === '201') {
      call.response.xml(201, renderPostResponse(location, bucket, key, etag), { ...headers, location });
    } else {
      call.response.send(status === '200' ? 200 : 204, { ...headers, location });
    }
  }
}

/** A redirect target AWS follows: an absolute http(s) URL; anything else is ignored. */
function redirectUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The form's `tagging` field: a Tagging document, as PutObjectTagging takes (AWS's POST field of that name). */
function tagsOfForm(document: string): Tag[] {
  const tags = parseTagging(Buffer.from(document, 'utf8'));
  assertValidTagSet(tags, 'object');
  return tags;
}
