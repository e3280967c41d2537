/**
 * Bucket CORS: the configuration with SDK v3, boto3 and the aws cli, unauthenticated
 * preflights answered from its rules, and CORS headers on actual responses.
 */
import { CreateBucketCommand, DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, PutObjectCommand, type CORSRule, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../helpers/cli-tools';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { md5Base64, signedFetch } from '../helpers/signed-fetch';

const BUCKET = 'cors-bucket';
const APP = 'https://app.example.com';

const RULES = [
  {
    ID: 'app',
    AllowedOrigins: [APP],
    AllowedMethods: ['GET', 'PUT', 'HEAD'],
    AllowedHeaders: ['content-type', 'x-amz-*'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'],
    MaxAgeSeconds: 3000,
  },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
];

describe('bucket CORS', () => {
  let server: CairnServer;
  let s3: S3Client;

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'pic.png', Body: 'png' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  const preflight = (path: string, headers: Record<string, string>) => fetch(`${server.endpoint}${path}`, { method: 'OPTIONS', headers });

  it('NoSuchCORSConfiguration before one is put; a preflight then gets 403', async () => {
    expect((await s3ErrorOf(s3.send(new GetBucketCorsCommand({ Bucket: BUCKET })))).name).toBe('NoSuchCORSConfiguration');
    const response = await preflight(`/${BUCKET}/pic.png`, { origin: APP, 'access-control-request-method': 'GET' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>CORSResponse</Code>');
  });

  it('PutBucketCors and GetBucketCors round-trip the rules', async () => {
    await s3.send(new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: RULES } }));
    const { CORSRules } = await s3.send(new GetBucketCorsCommand({ Bucket: BUCKET }));
    expect(CORSRules).toEqual([
      RULES[0],
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ]);
  });

  it('answers a matching preflight without authentication, from the first matching rule', async () => {
    const response = await preflight(`/${BUCKET}/uploads/new.png`, {
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type, X-Amz-Date',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, PUT, HEAD');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type, X-Amz-Date');
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag, x-amz-request-id');
    expect(response.headers.get('access-control-max-age')).toBe('3000');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toContain('Origin');

    const anyOrigin = await preflight(`/${BUCKET}/pic.png`, { origin: 'https://elsewhere.test', 'access-control-request-method': 'GET' });
    expect(anyOrigin.status).toBe(200);
    expect(anyOrigin.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses preflights no rule allows (403 CORSResponse) and malformed ones (400)', async () => {
    const refused: Record<string, string>[] = [
      { origin: 'https://elsewhere.test', 'access-control-request-method': 'PUT' },
      { origin: APP, 'access-control-request-method': 'DELETE' },
      { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' },
    ];
    for (const headers of refused) {
      const response = await preflight(`/${BUCKET}/pic.png`, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      const body = await response.text();
      expect(body).toContain('<Code>CORSResponse</Code>');
      expect(body).toContain('This CORS request is not allowed.');
    }
    const noOrigin = await preflight(`/${BUCKET}/pic.png`, { 'access-control-request-method': 'GET' });
    expect(noOrigin.status).toBe(400);
    const noMethod = await preflight(`/${BUCKET}/pic.png`, { origin: APP });
    expect(noMethod.status).toBe(400);
    const noBucket = await preflight('/no-such-cors-bucket/x', { origin: APP, 'access-control-request-method': 'GET' });
    expect(noBucket.status).toBe(404);
  });

  it('adds CORS headers to actual responses whose Origin matches, errors included', async () => {
    const get = await signedFetch(server, { method: 'GET', path: `/${BUCKET}/pic.png`, headers: { origin: APP } });
    expect(get.status).toBe(200);
    expect(get.body).toBe('png');
    expect(get.headers.get('access-control-allow-origin')).toBe(APP);
    expect(get.headers.get('access-control-expose-headers')).toBe('ETag, x-amz-request-id');

    const unsigned = await fetch(`${server.endpoint}/${BUCKET}/pic.png`, { headers: { origin: APP } });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('access-control-allow-origin')).toBe(APP);

    const stranger = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}/x`, headers: { origin: 'https://elsewhere.test' }, body: 'x' });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const noOrigin = await signedFetch(server, { method: 'GET', path: `/${BUCKET}/pic.png` });
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses invalid configurations as AWS does, keeping the current one', async () => {
    const put = (CORSRules: CORSRule[]) => s3ErrorOf(s3.send(new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules } })));
    const unsupported = await put([{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }]);
    expect(unsupported.name).toBe('InvalidRequest');
    expect(unsupported.message).toBe('Found unsupported HTTP method in CORS config. Unsupported method is PATCH');
    expect((await put([{ AllowedOrigins: ['https://*.*.example'], AllowedMethods: ['GET'] }])).name).toBe('InvalidRequest');
    // Not a header name: it could never be sent back in Access-Control-Expose-Headers.
    const notAName = await put([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['x-€'] }]);
    expect([notAName.name, notAName.message]).toEqual(['InvalidRequest', 'ExposeHeader "x-€" is not a valid HTTP header name.']);
    const body = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>';
    const noMethod = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}`, query: { cors: '' }, headers: { 'content-md5': md5Base64(body) }, body });
    expect(noMethod.status).toBe(400);
    expect(noMethod.body).toContain('<Code>MalformedXML</Code>');
    const noDigest = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}`, query: { cors: '' }, body });
    expect(noDigest.body).toContain('Missing required header for this request: Content-MD5');
    expect((await s3.send(new GetBucketCorsCommand({ Bucket: BUCKET }))).CORSRules).toHaveLength(2);
  });

  it('boto3 put/get_bucket_cors and aws cli get-bucket-cors / delete-bucket-cors', async () => {
    const result = await boto3(
      server,
      [
        `s3.put_bucket_cors(Bucket='${BUCKET}', CORSConfiguration={'CORSRules': [{'AllowedOrigins': ['https://boto.test'], 'AllowedMethods': ['POST'], 'AllowedHeaders': ['*']}]})`,
        `r = s3.get_bucket_cors(Bucket='${BUCKET}')['CORSRules']`,
        'print(json.dumps(r))',
      ].join('\n'),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ AllowedOrigins: ['https://boto.test'], AllowedMethods: ['POST'], AllowedHeaders: ['*'] }]);
    const pre = await preflight(`/${BUCKET}/form`, { origin: 'https://boto.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-anything' });
    expect(pre.status).toBe(200);

    const got = await awsCli(server, ['s3api', 'get-bucket-cors', '--bucket', BUCKET]);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).CORSRules[0].AllowedOrigins).toEqual(['https://boto.test']);
    const deleted = await awsCli(server, ['s3api', 'delete-bucket-cors', '--bucket', BUCKET]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await s3ErrorOf(s3.send(new GetBucketCorsCommand({ Bucket: BUCKET })))).name).toBe('NoSuchCORSConfiguration');
    await s3.send(new DeleteBucketCorsCommand({ Bucket: BUCKET })); // deleting nothing is fine, as in AWS
  });
});
