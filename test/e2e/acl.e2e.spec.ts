/**
 * ACLs on a single-owner store whose buckets are all BucketOwnerEnforced (ACLs disabled, the
 * AWS default): Get*Acl answer the owner's FULL_CONTROL as AWS renders it; every request that
 * sets an ACL (Put*Acl, and the ACL headers of PutObject, CopyObject, CreateMultipartUpload
 * and CreateBucket) is accepted when it changes nothing and refused as AWS refuses it
 * otherwise, storing nothing.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  ListBucketsCommand,
  PutBucketAclCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../helpers/cli-tools';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { signedFetch } from '../helpers/signed-fetch';

const BUCKET = 'acl-bucket';

describe('ACLs', () => {
  let server: CairnServer;
  let s3: S3Client;
  let owner: { ID?: string; DisplayName?: string };

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ACL: 'private' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'obj', Body: 'x', ACL: 'bucket-owner-full-control' }));
    owner = (await s3.send(new ListBucketsCommand({}))).Owner!;
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  it('GetBucketAcl and GetObjectAcl: the owner (as ListBuckets names it) with FULL_CONTROL', async () => {
    for (const acl of [await s3.send(new GetBucketAclCommand({ Bucket: BUCKET })), await s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'obj' }))]) {
      expect(acl.Owner).toEqual(owner);
      expect(acl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: owner.ID, DisplayName: owner.DisplayName }, Permission: 'FULL_CONTROL' }]);
    }
  });

  it('renders the grantee with xsi:type exactly as AWS', async () => {
    const response = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { acl: '' } });
    expect(response.status).toBe(200);
    expect(response.body).toContain('<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner>');
    expect(response.body).toContain('<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">');
  });

  it('accepts a private canned ACL and the owner-only policy it read back', async () => {
    await s3.send(new PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' }));
    await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'obj', ACL: 'private' }));
    const { Owner, Grants } = await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketAclCommand({ Bucket: BUCKET, AccessControlPolicy: { Owner, Grants } }));
    await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'obj', AccessControlPolicy: { Owner, Grants } }));
  });

  it('accepts the owner FULL_CONTROL as a grant header on Put*Acl and PutObject', async () => {
    const ownerFull = `id="${owner.ID}"`;
    await s3.send(new PutBucketAclCommand({ Bucket: BUCKET, GrantFullControl: ownerFull }));
    await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'obj', GrantFullControl: ownerFull }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'granted', Body: 'g', GrantFullControl: ownerFull }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'granted' }))).ContentLength).toBe(1);
  });

  it('Put*Acl: anything that would grant others access is 400 AccessControlListNotSupported', async () => {
    const { Owner, Grants } = await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }));
    const everyone = { Grantee: { Type: 'Group' as const, URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' as const };
    const refusals = [
      () => s3.send(new PutBucketAclCommand({ Bucket: BUCKET, ACL: 'public-read' })),
      () => s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'obj', ACL: 'public-read-write' })),
      () => s3.send(new PutBucketAclCommand({ Bucket: BUCKET, GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })),
      () => s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'obj', GrantFullControl: 'id="someone-else"' })),
      () => s3.send(new PutBucketAclCommand({ Bucket: BUCKET, AccessControlPolicy: { Owner, Grants: [...Grants!, everyone] } })),
    ];
    for (const refusal of refusals) {
      const error = await s3ErrorOf(refusal());
      expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual(['AccessControlListNotSupported', 400, 'The bucket does not allow ACLs']);
    }
    expect((await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }))).Grants).toHaveLength(1);
  });

  it('PutObject, CopyObject and CreateMultipartUpload with an ACL granting others: AccessControlListNotSupported, nothing stored', async () => {
    const writes = [
      () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'shared/put', Body: 'x', ACL: 'public-read' })),
      () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'shared/grant', Body: 'x', GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })),
      () => s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'shared/copy', CopySource: `${BUCKET}/obj`, ACL: 'authenticated-read' })),
      () => s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'shared/upload', ACL: 'bucket-owner-read' })),
    ];
    for (const write of writes) expect((await s3ErrorOf(write())).name).toBe('AccessControlListNotSupported');
    for (const key of ['shared/put', 'shared/grant', 'shared/copy']) {
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).name).toBe('NotFound');
    }
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'shared/' }))).Uploads ?? []).toEqual([]);
    const both = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}/shared/both`, headers: { 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${owner.ID}"` }, body: 'x' });
    expect([both.status, /<Code>(\w+)</.exec(both.body)?.[1]]).toEqual([400, 'InvalidRequest']);
  });

  it('CreateBucket: an ACL granting others is InvalidBucketAclWithObjectOwnership, ObjectWriter ownership NotImplemented; neither creates the bucket', async () => {
    const publicBucket = await s3ErrorOf(s3.send(new CreateBucketCommand({ Bucket: 'acl-public-bucket', ACL: 'public-read' })));
    expect([publicBucket.name, publicBucket.$metadata.httpStatusCode]).toEqual(['InvalidBucketAclWithObjectOwnership', 400]);
    const writerOwned = await s3ErrorOf(s3.send(new CreateBucketCommand({ Bucket: 'acl-writer-bucket', ObjectOwnership: 'ObjectWriter' })));
    expect(writerOwned.name).toBe('NotImplemented');
    for (const Bucket of ['acl-public-bucket', 'acl-writer-bucket']) expect((await s3ErrorOf(s3.send(new HeadBucketCommand({ Bucket })))).name).toBe('NotFound');
    await s3.send(new CreateBucketCommand({ Bucket: 'acl-enforced-bucket', ObjectOwnership: 'BucketOwnerEnforced', ACL: 'private' }));
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'acl-enforced-bucket' }))).$metadata.httpStatusCode).toBe(200);
  });

  it('refuses unknown canned ACLs (InvalidArgument), bad policies (MalformedACLError), and a PutBucketAcl with nothing', async () => {
    const bad = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}/new-object`, headers: { 'x-amz-acl': 'everyone-welcome' }, body: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>InvalidArgument</Code>');
    expect((await signedFetch(server, { method: 'HEAD', path: `/${BUCKET}/new-object` })).status).toBe(404);

    const malformed = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}`, query: { acl: '' }, body: '<AccessControlPolicy><Owner>' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toContain('<Code>MalformedACLError</Code>');

    const empty = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}`, query: { acl: '' } });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('<Code>MissingSecurityHeader</Code>');
  });

  it('answers NoSuchKey and NoSuchBucket', async () => {
    expect((await s3ErrorOf(s3.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: 'missing' })))).name).toBe('NoSuchKey');
    expect((await s3ErrorOf(s3.send(new GetBucketAclCommand({ Bucket: 'no-such-acl-bucket' })))).name).toBe('NoSuchBucket');
  });

  it('aws cli get-bucket-acl / put-object-acl --acl private, and boto3 get_object_acl', async () => {
    const got = await awsCli(server, ['s3api', 'get-bucket-acl', '--bucket', BUCKET]);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).Grants[0].Permission).toBe('FULL_CONTROL');
    const put = await awsCli(server, ['s3api', 'put-object-acl', '--bucket', BUCKET, '--key', 'obj', '--acl', 'private']);
    expect(put.code, put.stderr).toBe(0);
    const refused = await awsCli(server, ['s3api', 'put-bucket-acl', '--bucket', BUCKET, '--acl', 'public-read']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('AccessControlListNotSupported');
    const publicPut = await awsCli(server, ['s3api', 'put-object', '--bucket', BUCKET, '--key', 'cli-public', '--acl', 'public-read']);
    expect(publicPut.code).not.toBe(0);
    expect(publicPut.stderr).toContain('AccessControlListNotSupported');
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cli-public' })))).name).toBe('NotFound');

    const result = await boto3(server, `a = s3.get_object_acl(Bucket='${BUCKET}', Key='obj')\nprint(json.dumps([a['Owner']['ID'], a['Grants'][0]['Grantee']['Type'], a['Grants'][0]['Permission']]))`);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([owner.ID, 'CanonicalUser', 'FULL_CONTROL']);
  });
});
