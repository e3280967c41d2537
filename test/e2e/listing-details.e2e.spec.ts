/**
 * Listing details real clients depend on: keys with XML-special, unicode and space
 * characters round-trip through SDK v3 (raw XML), minio-js, the aws cli and boto3
 * (encoding-type=url); fetch-owner; v1 NextMarker only with a delimiter; what
 * encoding-type=url encodes.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../helpers/cli-tools';
import { minioClient, sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { signedFetch } from '../helpers/signed-fetch';
import { compareUtf8 } from '../../src/domain/rules/utf8-order';

const BUCKET = 'listing-details';
const KEYS = [`xml/a&b<c>"d'e`, 'ünï/cødé 日本.txt', 'space dir/plus+sign', 'percent%20literal', 'emoji/😀', 'tilde~star*', 'cr\rkey'].sort(compareUtf8);

describe('listing details', () => {
  let server: CairnServer;
  let s3: S3Client;

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await Promise.all(KEYS.map((Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }))));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  it('SDK v3 lists every key exactly, v1 and v2', async () => {
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((c) => c.Key)).toEqual(KEYS);
    expect((await s3.send(new ListObjectsCommand({ Bucket: BUCKET }))).Contents?.map((c) => c.Key)).toEqual(KEYS);
  });

  it('minio-js lists every key exactly (v2, recursive)', async () => {
    const keys: string[] = [];
    for await (const item of minioClient(server).listObjectsV2(BUCKET, '', true)) keys.push((item as { name: string }).name);
    expect(keys).toEqual(KEYS);
  });

  it('boto3 and the aws cli (encoding-type=url, decoded by botocore) list every key exactly', async () => {
    const result = await boto3(server, `print(json.dumps([c['Key'] for c in s3.list_objects_v2(Bucket='${BUCKET}')['Contents']]))`);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(KEYS);
    const cli = await awsCli(server, ['s3api', 'list-objects', '--bucket', BUCKET, '--output', 'json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).Contents.map((c: { Key: string }) => c.Key)).toEqual(KEYS);
  });

  it('fetch-owner=true returns the owner in v2 (and only then)', async () => {
    const withOwner = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, FetchOwner: true, MaxKeys: 1 }));
    expect(withOwner.Contents?.[0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(withOwner.Contents?.[0].Owner?.DisplayName).toBeDefined();
    const without = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1 }));
    expect(without.Contents?.[0].Owner).toBeUndefined();
  });

  it('v1 refuses start-after (a v2 parameter) with InvalidArgument, as S3 does, instead of listing from the start', async () => {
    const v1 = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { 'start-after': KEYS[0] } });
    expect(v1.status, v1.body).toBe(400);
    expect(v1.body).toContain('<Code>InvalidArgument</Code>');
    expect(v1.body).toContain('<ArgumentName>start-after</ArgumentName>');
  });

  it('v1 returns NextMarker only when a delimiter is given', async () => {
    const plain = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: 2 }));
    expect(plain.IsTruncated).toBe(true);
    expect(plain.NextMarker).toBeUndefined();
    const delimited = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, MaxKeys: 2, Delimiter: '/' }));
    expect(delimited.IsTruncated).toBe(true);
    expect(delimited.NextMarker).toBeDefined();
  });

  it('encoding-type=url encodes Key, Prefix, StartAfter, Delimiter (v2) and Marker, NextMarker (v1)', async () => {
    const v2 = await signedFetch(server, {
      method: 'GET',
      path: `/${BUCKET}`,
      query: { 'list-type': '2', 'encoding-type': 'url', prefix: 'ünï/', 'start-after': 'ünï/a b', delimiter: ' ' },
    });
    expect(v2.status).toBe(200);
    expect(v2.body).toContain('<Prefix>%C3%BCn%C3%AF/</Prefix>');
    expect(v2.body).toContain('<StartAfter>%C3%BCn%C3%AF/a+b</StartAfter>');
    expect(v2.body).toContain('<Delimiter>+</Delimiter>');
    expect(v2.body).toContain('<EncodingType>url</EncodingType>');
    expect(v2.body).toContain('<CommonPrefixes><Prefix>%C3%BCn%C3%AF/c%C3%B8d%C3%A9+</Prefix></CommonPrefixes>');

    const v1 = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { 'encoding-type': 'url', marker: 'xml/a&', 'max-keys': '1' } });
    expect(v1.body).toContain('<Marker>xml/a%26</Marker>');
    expect(v1.body).toContain('<Key>xml/a%26b%3Cc%3E%22d%27e</Key>');
    const delimited = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { 'encoding-type': 'url', marker: 'space', delimiter: '/', 'max-keys': '1' } });
    expect(delimited.body).toContain('<IsTruncated>true</IsTruncated>');
    expect(delimited.body).toContain('<CommonPrefixes><Prefix>space+dir/</Prefix></CommonPrefixes>');
    expect(delimited.body).toContain('<NextMarker>space+dir/</NextMarker>');

    const bogus = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { 'encoding-type': 'base64' } });
    expect(bogus.status).toBe(400);
    expect(bogus.body).toContain('<Code>InvalidArgument</Code>');
  });

  it('answers markers, start-afters and prefixes longer than any key (over LMDB\'s key limit) as S3 does, not with a 500', async () => {
    const bucket = 'long-markers';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // `after` is cut to 1,022 bytes plus a 3-byte character across byte 1,024: the seek lands
    // before it, and only the keys after it may come back.
    const stem = 'k' + 'x'.repeat(1021);
    const after = `${stem}€${'z'.repeat(4000)}`;
    const before = `${stem}a`; // 1,023 bytes, sorts before `after`
    const past = `k${'x'.repeat(1020)}y`; // sorts after it
    for (const Key of [before, past, 'l']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: before }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'l' }));

    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: after }));
    expect(v2.Contents?.map((c) => c.Key)).toEqual([past, 'l']);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: after }));
    expect(v1.Contents?.map((c) => c.Key)).toEqual([past, 'l']);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: after }));
    expect(versions.Versions?.map((v) => v.Key)).toEqual([past, 'l']);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: after }));
    expect(uploads.Uploads?.map((u) => u.Key)).toEqual(['l']);

    // A prefix no key can have: an empty page.
    const longPrefix = 'k'.repeat(5000);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: longPrefix }))).KeyCount).toBe(0);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: longPrefix }))).Versions).toBeUndefined();
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: longPrefix }))).Uploads).toBeUndefined();
  });

  it('takes an empty continuation-token as none: the listing starts at the beginning and echoes it', async () => {
    const v2 = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', 'continuation-token': '' } });
    expect(v2.status, v2.body).toBe(200);
    expect(v2.body).toContain('<ContinuationToken></ContinuationToken>');
    expect(v2.body).toContain(`<KeyCount>${KEYS.length}</KeyCount>`);
    const buckets = await signedFetch(server, { method: 'GET', path: '/', query: { 'continuation-token': '' } });
    expect(buckets.status, buckets.body).toBe(200);
    expect(buckets.body).toContain(`<Name>${BUCKET}</Name>`);
  });
});
