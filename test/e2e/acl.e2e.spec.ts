/**
 * ACLs on a single-owner store: Get*Acl answer the owner's FULL_CONTROL as AWS renders it;
 * Put*Acl accept what changes nothing and refuse the rest as NotImplemented.
 */
import {
  CreateBucketCommand,
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

  it('refuses anything that would grant others access as NotImplemented', async () => {
    expect((await s3ErrorOf(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, ACL: 'public-read' })))).name).toBe('NotImplemented');
    expect((await s3ErrorOf(s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'obj', ACL: 'public-read-write' })))).name).toBe('NotImplemented');
    expect((await s3ErrorOf(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' })))).name).toBe(
      'NotImplemented',
    );
    const { Owner, Grants } = await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }));
    const everyone = { Grantee: { Type: 'Group' as const, URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' as const };
    expect((await s3ErrorOf(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, AccessControlPolicy: { Owner, Grants: [...Grants!, everyone] } })))).name).toBe(
      'NotImplemented',
    );
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
    expect(refused.stderr).toContain('NotImplemented');

    const result = await boto3(server, `a = s3.get_object_acl(Bucket='${BUCKET}', Key='obj')\nprint(json.dumps([a['Owner']['ID'], a['Grants'][0]['Grantee']['Type'], a['Grants'][0]['Permission']]))`);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([owner.ID, 'CanonicalUser', 'FULL_CONTROL']);
  });
});
