/**
 * The first S3 slice driven by @aws-sdk/client-s3 v3 with its default settings (signed
 * payloads with x-amz-checksum-crc32 for buffers, aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER
 * for streams, checksum mode on GET).
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  paginateListBuckets,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { Readable } from 'node:stream';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { signedHeaders } from '../helpers/signed-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { serverForTests } from '../helpers/server-for-tests';
import { signedRequest } from '../helpers/signed-request';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('AWS SDK v3 against cairn', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started));

  it('creates, heads and lists buckets', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-basics' }));
    await s3.send(new HeadBucketCommand({ Bucket: 'sdk-basics' }));
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain('sdk-basics');
    // us-east-1 (the default region): creating a bucket one owns again succeeds and changes nothing.
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-basics', Key: 'kept', Body: 'still here' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-basics' }));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-basics' }))).Contents?.map((c) => c.Key)).toEqual(['kept']);
  });

  it('refuses bucket names S3 does not allow as InvalidBucketName, creating nothing', async () => {
    // Path-style, so that the SDK sends every name as given.
    for (const name of ['ab', 'a'.repeat(64), 'Upper-Case', 'under_score', '-leading-dash', 'trailing-dash-', 'two..dots', '192.168.5.4', 'xn--punycode', 'bucket-s3alias']) {
      const error = await s3ErrorOf(s3.send(new CreateBucketCommand({ Bucket: name })));
      expect([name, error.name, error.$metadata.httpStatusCode]).toEqual([name, 'InvalidBucketName', 400]);
    }
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toEqual(['sdk-basics']);
  });

  it('ListBuckets filters by prefix and region and pages with max-buckets and continuation tokens', async () => {
    const names = ['pages-a', 'pages-b', 'pages-c', 'pages-d', 'pages-e'];
    for (const name of names) await s3.send(new CreateBucketCommand({ Bucket: name }));
    const filtered = await s3.send(new ListBucketsCommand({ Prefix: 'pages-' }));
    expect(filtered.Buckets?.map((b) => b.Name)).toEqual(names);
    expect(filtered.Prefix).toBe('pages-');
    expect(filtered.ContinuationToken).toBeUndefined();
    expect(filtered.Buckets?.every((b) => b.BucketRegion === 'us-east-1')).toBe(true);

    const first = await s3.send(new ListBucketsCommand({ Prefix: 'pages-', MaxBuckets: 2 }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(['pages-a', 'pages-b']);
    expect(first.ContinuationToken).toBeDefined();
    const pages: string[][] = [];
    for await (const page of paginateListBuckets({ client: s3 }, { Prefix: 'pages-', MaxBuckets: 2 })) pages.push(page.Buckets!.map((b) => b.Name!));
    expect(pages).toEqual([['pages-a', 'pages-b'], ['pages-c', 'pages-d'], ['pages-e']]);

    expect((await s3.send(new ListBucketsCommand({ Prefix: 'pages-', BucketRegion: 'eu-west-1' }))).Buckets ?? []).toEqual([]);
    expect((await s3.send(new ListBucketsCommand({ Prefix: 'pages-', BucketRegion: 'us-east-1' }))).Buckets).toHaveLength(5);
    for (const MaxBuckets of [0, 10_001]) expect((await s3ErrorOf(s3.send(new ListBucketsCommand({ MaxBuckets })))).name, String(MaxBuckets)).toBe('InvalidArgument');
    expect((await s3ErrorOf(s3.send(new ListBucketsCommand({ ContinuationToken: 'bm90IG91cnM=' })))).name).toBe('InvalidArgument');
    for (const name of names) await s3.send(new DeleteBucketCommand({ Bucket: name }));
  });

  it('puts and gets objects of every size class byte for byte, with MD5 ETags', async () => {
    for (const size of [0, 1, 4096, 128 * 1024, 128 * 1024 + 1, 1024 * 1024, 5 * 1024 * 1024 + 3]) {
      const body = randomBytes(size);
      const key = `sizes/${size}`;
      const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk-basics', Key: key, Body: body }));
      expect(put.ETag).toBe(`"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basics', Key: key }));
      expect(got.ContentLength).toBe(size);
      expect(got.ETag).toBe(`"${md5(body)}"`);
      expect((await bytesOf(got.Body)).equals(body), `size ${size}`).toBe(true);
    }
  });

  it('accepts streaming uploads (aws-chunked with a trailing CRC32) and returns the checksum', async () => {
    const parts = [randomBytes(100_000), randomBytes(900_000), randomBytes(77)];
    const body = Buffer.concat(parts);
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-basics', Key: 'streamed', Body: Readable.from(parts), ContentLength: body.length }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basics', Key: 'streamed', ChecksumMode: 'ENABLED' }));
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    expect(got.ChecksumCRC32).toBeDefined();
  });

  it('serves ranges and HEAD with metadata', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    await s3.send(
      new PutObjectCommand({ Bucket: 'sdk-basics', Key: 'ranged', Body: body, ContentType: 'image/png', Metadata: { camera: 'x100', 'taken-at': 'dawn' } }),
    );
    const range = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basics', Key: 'ranged', Range: 'bytes=1048570-1048590' }));
    expect(range.ContentRange).toBe(`bytes 1048570-1048590/${body.length}`);
    expect((await bytesOf(range.Body)).equals(body.subarray(1048570, 1048591))).toBe(true);
    const suffix = await s3.send(new GetObjectCommand({ Bucket: 'sdk-basics', Key: 'ranged', Range: 'bytes=-10' }));
    expect((await bytesOf(suffix.Body)).equals(body.subarray(body.length - 10))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-basics', Key: 'ranged' }));
    expect(head).toMatchObject({ ContentLength: body.length, ContentType: 'image/png', Metadata: { camera: 'x100', 'taken-at': 'dawn' } });
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-basics', Key: 'ranged', Range: `bytes=${body.length}-` })))).name).toBe('InvalidRange');
  });

  it('stores the longest key and bucket name S3 allows', async () => {
    const bucket = 'b'.repeat(63);
    const key = 'k/'.repeat(200) + 'é'.repeat(312); // 400 + 624 = 1024 bytes
    expect(Buffer.byteLength(key)).toBe(1024);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'longest' }));
    expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body)).toString()).toBe('longest');
    const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(Contents?.map((c) => c.Key)).toEqual([key]);
    expect((await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key + 'x', Body: 'too long' })))).name).toBe('KeyTooLongError');
  });

  it('lists with prefix, delimiter, max-keys, continuation token and start-after', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-list' }));
    const keys = [...Array.from({ length: 25 }, (_, i) => `docs/${String(i).padStart(2, '0')}.txt`), 'a/1', 'a/2', 'b/1', 'top', 'weird key+%20é'];
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: 'sdk-list', Key, Body: Key }))));

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', MaxKeys: 7, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
      pages++;
    } while (token);
    expect(seen).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(pages).toBe(5);

    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Delimiter: '/' }));
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/', 'docs/']);
    expect(rolled.Contents?.map((c) => c.Key)).toEqual(['top', 'weird key+%20é']);

    const under = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Prefix: 'docs/', StartAfter: 'docs/20.txt' }));
    expect(under.Contents?.map((c) => c.Key)).toEqual(['docs/21.txt', 'docs/22.txt', 'docs/23.txt', 'docs/24.txt']);
    expect(under.KeyCount).toBe(4);
  });

  it('deletes objects and buckets, with the errors S3 gives', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-delete' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-delete', Key: 'only', Body: 'x' }));
    expect((await s3ErrorOf(s3.send(new DeleteBucketCommand({ Bucket: 'sdk-delete' })))).name).toBe('BucketNotEmpty');
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-delete', Key: 'only' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-delete', Key: 'never-existed' })); // 204 all the same
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-delete', Key: 'only' })))).name).toBe('NoSuchKey');
    await s3.send(new DeleteBucketCommand({ Bucket: 'sdk-delete' }));
    expect((await s3ErrorOf(s3.send(new HeadBucketCommand({ Bucket: 'sdk-delete' })))).$metadata.httpStatusCode).toBe(404);
    expect((await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: 'sdk-delete', Key: 'k', Body: 'x' })))).name).toBe('NoSuchBucket');
  });

  it('refuses x-amz-expected-bucket-owner naming another owner with 403 AccessDenied, changing nothing; the owner ListBuckets reports passes', async () => {
    const bucket = 'sdk-owner-guard';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'source', Body: 'original' }));
    const ownerId = (await s3.send(new ListBucketsCommand({}))).Owner?.ID;
    expect(ownerId).toMatch(/^[0-9a-f]{64}$/);
    const otherAccount = '111122223333';

    const refused = [
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded', Body: 'x', ExpectedBucketOwner: otherAccount })),
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'source', ExpectedBucketOwner: otherAccount })),
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'source', ExpectedBucketOwner: otherAccount })),
      s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/source`, ExpectedSourceBucketOwner: otherAccount })),
      s3.send(new DeleteBucketCommand({ Bucket: bucket, ExpectedBucketOwner: otherAccount })),
    ];
    for (const error of await Promise.all(refused.map((request) => s3ErrorOf(request)))) {
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    }
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((c) => c.Key);
    expect(keys).toEqual(['source']);

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded', Body: 'y', ExpectedBucketOwner: ownerId }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/source`, ExpectedBucketOwner: ownerId, ExpectedSourceBucketOwner: ownerId }));
    const copy = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy', ExpectedBucketOwner: ownerId }));
    expect(await bytesOf(copy.Body)).toEqual(Buffer.from('original'));

    // ListBuckets and CreateBucket have no such parameter: the header means nothing there, as in AWS.
    const guard = { 'x-amz-expected-bucket-owner': otherAccount };
    expect((await signedRequest(server, 'GET', '/', { headers: guard })).status).toBe(200);
    expect((await signedRequest(server, 'PUT', '/sdk-owner-guard-created', { headers: guard })).status).toBe(200);
  });

  it('puts x-amz-request-id on every response, errors included', async () => {
    const error = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-basics', Key: 'missing' })));
    expect(error.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    const ok = await s3.send(new ListBucketsCommand({}));
    expect(ok.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
  });
});

describe('authentication failures', () => {
  let server: CairnServer;
  beforeAll(async () => {
    server = await CairnServer.start();
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'auth' }));
    s3.destroy();
  });
  afterAll(async () => server?.dispose());

  const attempt = async (client: S3Client) => {
    const error = await s3ErrorOf(client.send(new PutObjectCommand({ Bucket: 'auth', Key: 'intruder', Body: 'x' })));
    client.destroy();
    return error;
  };

  it('refuses an unknown access key with InvalidAccessKeyId', async () => {
    const error = await attempt(sdkClient(server, { credentials: { accessKeyId: 'nobody', secretAccessKey: 'whatever-secret' } }));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidAccessKeyId', 403]);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const { ACCESS_KEY } = await import('../helpers/server');
    const error = await attempt(sdkClient(server, { credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'wrong-secret-key' } }));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
  });

  it('refuses a clock 20 minutes off with RequestTimeTooSkewed', async () => {
    const error = await attempt(sdkClient(server, { systemClockOffset: 20 * 60 * 1000, maxAttempts: 1 }));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['RequestTimeTooSkewed', 403]);
  });

  it('refuses a session token (cairn issues no temporary credentials) with 400 InvalidToken, in a header or a presigned URL', async () => {
    const { ACCESS_KEY, SECRET_KEY } = await import('../helpers/server');
    const credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, sessionToken: 'a-token-nobody-issued' };
    const error = await attempt(sdkClient(server, { credentials }));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidToken', 400]);
    const presigner = sdkClient(server, { credentials });
    const url = await getSignedUrl(presigner, new PutObjectCommand({ Bucket: 'auth', Key: 'intruder' }), { expiresIn: 300 });
    presigner.destroy();
    expect(url).toContain('X-Amz-Security-Token=');
    const response = await fetch(url, { method: 'PUT', body: 'x' });
    expect([response.status, await response.text()]).toEqual([400, expect.stringContaining('<Code>InvalidToken</Code>')]);
  });

  it('signs a repeated header as its values joined by a bare comma, as SigV4 does', async () => {
    // Signed as one header `x-amz-meta-fruit:apple,pear`, sent as two.
    const headers = await signedHeaders(server, 'PUT', '/auth/repeated', { headers: { 'x-amz-meta-fruit': 'apple,pear' } });
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port: server.port, method: 'PUT', path: '/auth/repeated', headers: { ...headers, 'x-amz-meta-fruit': ['apple', 'pear'], 'content-length': '1' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end('x');
    });
    expect(status).toBe(200);
    const s3 = sdkClient(server);
    await s3.send(new DeleteObjectCommand({ Bucket: 'auth', Key: 'repeated' }));
    s3.destroy();
  });

  it('stored nothing for any refused request', async () => {
    const s3 = sdkClient(server);
    const { KeyCount } = await s3.send(new ListObjectsV2Command({ Bucket: 'auth' }));
    s3.destroy();
    expect(KeyCount).toBe(0);
  });
});
