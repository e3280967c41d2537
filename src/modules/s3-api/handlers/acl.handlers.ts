/**
 * Get/PutBucketAcl and Get/PutObjectAcl. ACLs are disabled (one owner, every bucket
 * BucketOwnerEnforced); these answer like AWS for such a bucket: the owner's FULL_CONTROL is
 * read back, and only requests that keep it that way are accepted (src/domain/rules/acl.ts).
 */
import { Injectable } from '@nestjs/common';
import { ServerConfig } from '../../../config/server-config';
import { s3Error } from '../../../domain/errors';
import { assertOwnerOnlyAclHeaders, assertOwnerOnlyGrants } from '../../../domain/rules/acl';
import { aclHeadersOf } from '../acl-headers';
import { BucketService } from '../../buckets/bucket.service';
import { ObjectService } from '../../objects/object.service';
import { bucketOf, requestedVersionId, type S3Call } from '../s3-call';
import { ownerOf, type Owner } from '../s3-owner';
import { readSmallBody } from '../small-body';
import { parseAccessControlPolicy, renderOwnerOnlyAcl } from '../xml/acl.xml';

@Injectable()
export class AclHandlers {
  private readonly owner: Owner;

  constructor(
    private readonly buckets: BucketService,
    private readonly objects: ObjectService,
    config: ServerConfig,
  ) {
    this.owner = ownerOf(config.rootUser);
  }

  async getBucketAcl(call: S3Call): Promise<void> {
    await this.buckets.getBucket(bucketOf(call));
    call.response.xml(200, renderOwnerOnlyAcl(this.owner));
  }

  async putBucketAcl(call: S3Call): Promise<void> {
    await this.buckets.getBucket(bucketOf(call));
    await this.assertOwnerOnly(call);
    call.response.send(200, {});
  }

  async getObjectAcl(call: S3Call): Promise<void> {
    await this.findObject(call);
    call.response.xml(200, renderOwnerOnlyAcl(this.owner));
  }

  async putObjectAcl(call: S3Call): Promise<void> {
    await this.findObject(call);
    await this.assertOwnerOnly(call);
    call.response.send(200, {});
  }

  /** The object (or version) must exist: NoSuchKey / NoSuchVersion otherwise, as AWS. */
  private async findObject(call: S3Call): Promise<void> {
    await this.objects.getObject(bucketOf(call), call.target.key, { versionId: requestedVersionId(call) });
  }

  /** A canned ACL, x-amz-grant-* headers, or an AccessControlPolicy body: one of them, changing nothing. */
  private async assertOwnerOnly(call: S3Call): Promise<void> {
    const acl = aclHeadersOf(call);
    const body = await readSmallBody(call);
    if (acl.canned !== undefined || acl.grantHeaders.length > 0) {
      if (body.length > 0) throw s3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants or an ACL body is not allowed');
      assertOwnerOnlyAclHeaders(this.owner.id, acl);
      return;
    }
    if (body.length === 0) throw s3Error('MissingSecurityHeader', 'Your request was missing a required header', { MissingHeaderName: 'x-amz-acl' });
    assertOwnerOnlyGrants(this.owner.id, parseAccessControlPolicy(body));
  }
}
