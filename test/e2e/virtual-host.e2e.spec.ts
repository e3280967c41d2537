/**
 * Virtual-host style addressing: with CAIRN_DOMAIN set, `bucket.domain[:port]` in the Host
 * header names the bucket, and the bare domain is the service (ListBuckets). SDK v3 with
 * forcePathStyle false signs the virtual host itself, so every answer here also proves the
 * server took the bucket from the Host header when checking the signature.
 *
 * `*.localhost` does not resolve through the system resolver here, so the SDK's agent gets a
 * lookup that sends every `localhost` name to 127.0.0.1; the Host header stays as the SDK set it.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';

const BUCKET = 'vhost-bucket';

/** Resolves `localhost` and `*.localhost` to 127.0.0.1 (the server listens there only). */
const toLoopback: LookupFunction = (hostname, options, callback) => {
  if (hostname !== 'localhost' && !hostname.endsWith('.localhost')) {
    callback(new Error(`unexpected host ${hostname}`) as NodeJS.ErrnoException, '', 4);
    return;
  }
  if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/** A GET through the loopback lookup: status and body. */
function get(agent: http.Agent, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        let body = '';
        response.on('data', (d: Buffer) => (body += d.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      })
      .on('error', reject);
  });
}

describe('virtual-host style addressing (CAIRN_DOMAIN)', () => {
  let server: CairnServer;
  let agent: http.Agent;
  let vhost: S3Client;
  let pathStyle: S3Client;
  const hostsSeen: string[] = [];

  beforeAll(async () => {
    server = await CairnServer.start({ env: { CAIRN_DOMAIN: 'localhost' } });
    agent = new http.Agent({ lookup: toLoopback, keepAlive: true });
    vhost = new S3Client({
      endpoint: `http://localhost:${server.port}`,
      region: 'us-east-1',
      forcePathStyle: false,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    // Record the Host each request was sent to, so the test knows the SDK really used virtual hosts.
    vhost.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname?: string; path?: string };
        hostsSeen.push(`${request.hostname}${request.path}`);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHost' },
    );
    pathStyle = sdkClient(server);
  });
  afterAll(async () => {
    vhost?.destroy();
    agent?.destroy();
    pathStyle?.destroy();
    await server?.dispose();
  });

  it('creates a bucket at bucket.localhost and finds it with HeadBucket', async () => {
    await vhost.send(new CreateBucketCommand({ Bucket: BUCKET }));
    expect(hostsSeen.at(-1)).toBe(`${BUCKET}.localhost/`);
    await vhost.send(new HeadBucketCommand({ Bucket: BUCKET }));
    // The same bucket, path-style on the same server.
    await pathStyle.send(new HeadBucketCommand({ Bucket: BUCKET }));
  });

  it('puts, gets, lists and deletes objects by virtual host, keys keeping every byte', async () => {
    const keys = ['plain.txt', 'dir/nested key+plus.txt', 'ünïcödé/☃.bin', 'trailing/'];
    for (const key of keys) await vhost.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
    expect(hostsSeen.at(-1)).toBe(`${BUCKET}.localhost/trailing/`);

    for (const key of keys) {
      const got = await vhost.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect((await bytesOf(got.Body)).toString()).toBe(`body of ${key}`);
      // Stored under the same key a path-style client sees.
      const viaPath = await pathStyle.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect((await bytesOf(viaPath.Body)).toString()).toBe(`body of ${key}`);
    }

    const listed = await vhost.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const prefixed = await vhost.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    expect(prefixed.Contents?.map((o) => o.Key)).toEqual(['plain.txt']);
    expect(prefixed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/', 'trailing/', 'ünïcödé/']);

    await vhost.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'dir/nested key+plus.txt' }));
    const error = await s3ErrorOf(pathStyle.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/nested key+plus.txt' })));
    expect(error.name).toBe('NoSuchKey');
    expect(hostsSeen.every((h) => h.startsWith(`${BUCKET}.localhost/`) || h.startsWith('localhost/'))).toBe(true);
  });

  it('lists buckets at the bare domain', async () => {
    await pathStyle.send(new CreateBucketCommand({ Bucket: 'vhost-other' }));
    const listed = await vhost.send(new ListBucketsCommand({}));
    expect(hostsSeen.at(-1)).toBe('localhost/');
    expect(listed.Buckets?.map((b) => b.Name)).toEqual([BUCKET, 'vhost-other']);
  });

  it('answers NoSuchBucket for a virtual host naming a bucket that does not exist', async () => {
    const error = await s3ErrorOf(vhost.send(new GetObjectCommand({ Bucket: 'vhost-missing', Key: 'k' })));
    expect(error.name).toBe('NoSuchBucket');
    expect(hostsSeen.at(-1)).toBe('vhost-missing.localhost/k');
  });

  it('completes a multipart upload with a virtual-host Location', async () => {
    const body = Buffer.from('multipart by virtual host');
    const { UploadId } = await vhost.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/obj' }));
    const part = await vhost.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp/obj', UploadId, PartNumber: 1, Body: body }));
    const done = await vhost.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/obj', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(done.Location).toBe(`http://${BUCKET}.localhost:${server.port}/mp/obj`);
    const md5 = createHash('md5').update(createHash('md5').update(body).digest()).digest('hex');
    expect(done.ETag).toBe(`"${md5}-1"`);
    const got = await vhost.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp/obj' }));
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
  });

  it('accepts a SigV2 presigned URL at a virtual host (V2 signs the bucket into the resource)', async () => {
    await vhost.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'v2/signed.txt', Body: 'signed the old way' }));
    const presign = (resource: string, secret = SECRET_KEY) => {
      const expires = Math.floor(Date.now() / 1000) + 300;
      const signature = createHmac('sha1', secret).update(`GET\n\n\n${expires}\n${resource}`).digest('base64');
      return `AWSAccessKeyId=${ACCESS_KEY}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
    };
    const url = `http://${BUCKET}.localhost:${server.port}/v2/signed.txt`;
    const ok = await get(agent, `${url}?${presign(`/${BUCKET}/v2/signed.txt`)}`);
    expect(ok).toEqual({ status: 200, body: 'signed the old way' });
    const wrong = await get(agent, `${url}?${presign(`/${BUCKET}/v2/signed.txt`, 'not-the-secret')}`);
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
