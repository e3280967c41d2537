/**
 * The other ways to authenticate: SigV4 presigned URLs, SigV2 (header and presigned) and
 * Expect: 100-continue answered only after authentication. Real clients produce every
 * signature: SDK v3's presigner, boto3, minio-js, the aws cli.
 */
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { awsCliEnv, minioClient, sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { tempDir } from '../helpers/temp-dirs';

const run = promisify(execFile);
const BUCKET = 'auth-forms';

/** Runs a boto3 snippet with `s3` bound to a client for the server (extra Config kwargs in `config`). */
async function boto3(server: CairnServer, config: string, body: string): Promise<string> {
  const script = [
    'import boto3, json, sys, urllib.request',
    'from botocore.config import Config',
    `s3 = boto3.client('s3', endpoint_url='${server.endpoint}', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='${SECRET_KEY}', region_name='us-east-1', config=Config(${config}))`,
    body,
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script], { env: { ...process.env, ...awsCliEnv() } });
  return stdout.trim();
}

/** The S3 error code of an error response body. */
async function errorCode(response: Response): Promise<string> {
  return /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] ?? `(none, status ${response.status})`;
}

describe('presigned URLs, SigV2 and Expect: 100-continue', () => {
  let server: CairnServer;
  let s3: S3Client;
  let work: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    work = tempDir('cairn-auth-');
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
    work?.remove();
  });

  describe('SigV4 presigned (SDK v3 presigner + fetch)', () => {
    it('PUTs, GETs, HEADs and DELETEs through presigned URLs', async () => {
      const key = 'presigned/sdk é+ file.txt';
      const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });
      expect(putUrl).toContain('X-Amz-Signature=');
      // The presigner signs the CRC32 of the empty body it had into the URL; AWS ignores checksum
      // query parameters, and so does cairn, or no real body could be uploaded through it.
      expect(putUrl).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D');
      const put = await fetch(putUrl, { method: 'PUT', body: 'hello presigned' });
      expect(put.status).toBe(200);

      const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key, ResponseContentType: 'text/x-test' }), { expiresIn: 300 });
      const got = await fetch(getUrl);
      expect([got.status, await got.text()]).toEqual([200, 'hello presigned']);

      const headUrl = await getSignedUrl(s3, new HeadObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });
      const head = await fetch(headUrl, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-length')]).toEqual([200, '15']);

      const deleteUrl = await getSignedUrl(s3, new DeleteObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });
      expect((await fetch(deleteUrl, { method: 'DELETE' })).status).toBe(204);
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).name).toBe('NotFound');
    });

    it('applies the x-amz-* headers the presigner moved into the query: metadata, tagging, storage class', async () => {
      const key = 'presigned/with-metadata';
      const command = new PutObjectCommand({ Bucket: BUCKET, Key: key, Metadata: { Origin: 'scanner 7' }, Tagging: 'project=alpha', StorageClass: 'REDUCED_REDUNDANCY' });
      const url = await getSignedUrl(s3, command, { expiresIn: 300 });
      // The presigner signs only Host; the rest rides in the query, as a browser upload sends it.
      expect(url).toContain('x-amz-meta-origin=scanner%207');
      expect(url).toContain('x-amz-tagging=project%3Dalpha');
      const put = await fetch(url, { method: 'PUT', body: 'scanned page' });
      expect(put.status).toBe(200);

      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect([head.Metadata, head.StorageClass, head.ContentLength]).toEqual([{ origin: 'scanner 7' }, 'REDUCED_REDUNDANCY', 12]);
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
      expect(tags.TagSet).toEqual([{ Key: 'project', Value: 'alpha' }]);
    });

    it('refuses an expired URL (AccessDenied) and stores nothing', async () => {
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned/expired' }), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 120_000),
      });
      const response = await fetch(url, { method: 'PUT', body: 'late' });
      expect(response.status).toBe(403);
      const body = await response.text();
      expect(body).toContain('<Code>AccessDenied</Code>');
      expect(body).toContain('Request has expired');
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'presigned/expired' })))).name).toBe('NotFound');
    });

    it('refuses a tampered signature, a tampered key and X-Amz-Expires over a week', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned/real', Body: 'x' }));
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'presigned/real' }), { expiresIn: 300 });
      const signature = /X-Amz-Signature=([0-9a-f]{64})/.exec(url)![1]!;
      const flipped = url.replace(signature, (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1));
      const tampered = await fetch(flipped);
      expect([tampered.status, await errorCode(tampered)]).toEqual([403, 'SignatureDoesNotMatch']);
      const otherKey = await fetch(url.replace('presigned/real', 'presigned/other'));
      expect([otherKey.status, await errorCode(otherKey)]).toEqual([403, 'SignatureDoesNotMatch']);
      const tooLong = await fetch(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801'));
      expect([tooLong.status, await errorCode(tooLong)]).toEqual([400, 'AuthorizationQueryParametersError']);
      const noDate = await fetch(url.replace(/X-Amz-Date=[^&]+&?/, ''));
      expect([noDate.status, await errorCode(noDate)]).toEqual([400, 'AuthorizationQueryParametersError']);
      // A presigned URL and an Authorization header at once: AWS accepts only one mechanism.
      const both = await fetch(url, { headers: { authorization: `AWS ${ACCESS_KEY}:c2lnbmF0dXJl` } });
      expect([both.status, await errorCode(both)]).toEqual([400, 'InvalidArgument']);
      // Unsigned requests stay refused.
      const anonymous = await fetch(`${server.endpoint}/${BUCKET}/presigned/real`);
      expect([anonymous.status, await errorCode(anonymous)]).toEqual([403, 'AccessDenied']);
    });
  });

  it('boto3 presigned URLs with s3v4 work for PUT and GET', async () => {
    const out = await boto3(
      server,
      "signature_version='s3v4'",
      [
        `put = s3.generate_presigned_url('put_object', Params={'Bucket': '${BUCKET}', 'Key': 'boto/v4.txt'}, ExpiresIn=300)`,
        "assert 'X-Amz-Signature' in put, put",
        "urllib.request.urlopen(urllib.request.Request(put, data=b'boto v4', method='PUT'))",
        `get = s3.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'boto/v4.txt'}, ExpiresIn=300)`,
        'print(urllib.request.urlopen(get).read().decode())',
      ].join('\n'),
    );
    expect(out).toBe('boto v4');
  });

  it('boto3 default presigned URLs (SigV2 in boto3 1.43) and SigV2-signed requests work', async () => {
    const out = await boto3(
      server,
      '',
      [
        `put = s3.generate_presigned_url('put_object', Params={'Bucket': '${BUCKET}', 'Key': 'boto/v2.txt', 'ContentType': 'text/plain'}, ExpiresIn=300)`,
        "assert 'AWSAccessKeyId=' in put and 'X-Amz-Signature' not in put, put",
        // V2 signs Content-Type: the PUT must send the one that was presigned.
        "urllib.request.urlopen(urllib.request.Request(put, data=b'boto v2', method='PUT', headers={'Content-Type': 'text/plain'}))",
        `get = s3.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'boto/v2.txt', 'ResponseContentType': 'text/x-v2'}, ExpiresIn=300)`,
        'r = urllib.request.urlopen(get)',
        // The response-* override is part of the V2 signature (applying it is GetObject's business).
        'print(r.read().decode())',
      ].join('\n'),
    );
    expect(out).toBe('boto v2');

    // Header-signed SigV2 (Authorization: AWS key:signature) for the ordinary API calls.
    const v2 = await boto3(
      server,
      "signature_version='s3'",
      [
        `s3.put_object(Bucket='${BUCKET}', Key='boto/v2 header+key.txt', Body=b'v2 header', ContentType='text/plain', Metadata={'Colour': 'blue'})`,
        `o = s3.get_object(Bucket='${BUCKET}', Key='boto/v2 header+key.txt')`,
        `keys = [c['Key'] for c in s3.list_objects(Bucket='${BUCKET}', Prefix='boto/')['Contents']]`,
        `s3.delete_object(Bucket='${BUCKET}', Key='boto/v2.txt')`,
        "print(json.dumps([o['Body'].read().decode(), o['Metadata'], keys]))",
      ].join('\n'),
    );
    expect(JSON.parse(v2)).toEqual(['v2 header', { colour: 'blue' }, ['boto/v2 header+key.txt', 'boto/v2.txt', 'boto/v4.txt']]);
  });

  it('boto3 SigV2 with a wrong secret and an expired V2 URL are refused', async () => {
    const url = `${server.endpoint}/${BUCKET}/boto/v4.txt?AWSAccessKeyId=${ACCESS_KEY}&Expires=${Math.floor(Date.now() / 1000) - 10}&Signature=abc%3D`;
    const expired = await fetch(url);
    expect([expired.status, await errorCode(expired)]).toEqual([403, 'AccessDenied']);
    const script = [
      'import boto3',
      'from botocore.config import Config',
      `s3 = boto3.client('s3', endpoint_url='${server.endpoint}', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='wrong', region_name='us-east-1', config=Config(signature_version='s3', retries={'max_attempts': 1}))`,
      'try:',
      `    s3.get_object(Bucket='${BUCKET}', Key='boto/v4.txt')`,
      'except Exception as e:',
      "    print(e.response['Error']['Code'])",
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script], { env: { ...process.env, ...awsCliEnv() } });
    expect(stdout.trim()).toBe('SignatureDoesNotMatch');
  });

  it('boto3 SigV2 with its clock 20 minutes off is refused with RequestTimeTooSkewed', async () => {
    const script = [
      'import boto3, time, botocore.auth',
      'from email.utils import formatdate',
      'from botocore.config import Config',
      // The client's clock, not the server's, is wrong: its V2 Date header is 20 minutes old.
      'botocore.auth.HmacV1Auth._get_date = lambda self: formatdate(time.time() - 1200, usegmt=True)',
      `s3 = boto3.client('s3', endpoint_url='${server.endpoint}', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='${SECRET_KEY}', region_name='us-east-1', config=Config(signature_version='s3', retries={'max_attempts': 1}))`,
      'try:',
      `    s3.put_object(Bucket='${BUCKET}', Key='boto/skewed', Body=b'late')`,
      "    print('stored')",
      'except Exception as e:',
      "    print(e.response['Error']['Code'])",
    ].join('\n');
    const { stdout } = await run('python3', ['-c', script], { env: { ...process.env, ...awsCliEnv() } });
    expect(stdout.trim()).toBe('RequestTimeTooSkewed');
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'boto/skewed' })))).name).toBe('NotFound');
  });

  it('minio-js presignedPutObject / presignedGetObject work with fetch', async () => {
    const minio = minioClient(server);
    const put = await minio.presignedPutObject(BUCKET, 'minio/presigned.txt', 300);
    expect((await fetch(put, { method: 'PUT', body: 'from minio presign' })).status).toBe(200);
    const get = await minio.presignedGetObject(BUCKET, 'minio/presigned.txt', 300);
    const response = await fetch(get);
    expect([response.status, await response.text()]).toEqual([200, 'from minio presign']);
  });

  it('aws s3 presign URLs work, SigV2 by default and SigV4 when configured', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cli/presign.txt', Body: 'cli presign' }));
    const config = path.join(work.path, 'v4-config');
    writeFileSync(config, '[default]\ns3 =\n    signature_version = s3v4\n');
    for (const [env, marker] of [
      [{}, 'AWSAccessKeyId='],
      [{ AWS_CONFIG_FILE: config }, 'X-Amz-Signature='],
    ] as const) {
      const { stdout } = await run('aws', ['s3', 'presign', `s3://${BUCKET}/cli/presign.txt`, '--endpoint-url', server.endpoint, '--expires-in', '300'], {
        env: { ...process.env, ...awsCliEnv(), ...env },
      });
      const url = stdout.trim();
      expect(url).toContain(marker);
      const response = await fetch(url);
      expect([response.status, await response.text()]).toEqual([200, 'cli presign']);
    }
  });

  describe('Expect: 100-continue', () => {
    /** A raw PUT with Expect: 100-continue; the body is only sent on 100 Continue. */
    function expectingPut(headers: Record<string, string>, key: string, body: Buffer): Promise<{ status: number; continued: boolean; text: string }> {
      return new Promise((resolve, reject) => {
        let continued = false;
        const request = http.request(
          { host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${BUCKET}/${key}`, headers: { ...headers, expect: '100-continue', 'content-length': body.length } },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (d: string) => (text += d));
            response.on('end', () => resolve({ status: response.statusCode!, continued, text }));
          },
        );
        request.on('continue', () => {
          continued = true;
          request.end(body);
        });
        request.on('error', reject);
        request.flushHeaders();
      });
    }

    async function signedHeaders(key: string, secret: string, length: number): Promise<Record<string, string>> {
      const signer = new SignatureV4({ credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: secret }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
      const signed = await signer.sign(
        new HttpRequest({
          method: 'PUT',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: server.port,
          path: `/${BUCKET}/${key}`,
          headers: { host: `127.0.0.1:${server.port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(length) },
        }),
      );
      return signed.headers as Record<string, string>;
    }

    it('a wrong signature gets 403 without 100 Continue, and the body is never sent', async () => {
      const body = Buffer.from('must never arrive');
      const result = await expectingPut(await signedHeaders('expect/denied', 'not-the-secret', body.length), 'expect/denied', body);
      expect(result.continued).toBe(false);
      expect(result.status).toBe(403);
      expect(result.text).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'expect/denied' })))).name).toBe('NotFound');
    });

    it('a good signature gets 100 Continue, then 200 once the body is stored', async () => {
      const body = Buffer.from('sent after 100 Continue');
      const result = await expectingPut(await signedHeaders('expect/ok', SECRET_KEY, body.length), 'expect/ok', body);
      expect([result.continued, result.status]).toEqual([true, 200]);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'expect/ok' }));
      expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    });

    it('a malformed Authorization header is refused before 100 Continue, too', async () => {
      const body = Buffer.from('x');
      const result = await expectingPut({ ...(await signedHeaders('k', SECRET_KEY, 1)), authorization: 'AWS4-HMAC-SHA256 nonsense' }, 'k', body);
      expect([result.continued, result.status]).toEqual([false, 400]);
    });

    it('an expectation other than 100-continue is ignored: the request gets its S3 answer, with a request id', async () => {
      const body = Buffer.from('expected');
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'expect/other', Body: body }));
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'expect/other' }));
      const answer = await new Promise<{ status: number; requestId: unknown; body: Buffer }>((resolve, reject) => {
        const request = http.get(url, { headers: { expect: 'something-else' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, requestId: response.headers['x-amz-request-id'], body: Buffer.concat(chunks) }));
        });
        request.on('error', reject);
      });
      expect([answer.status, typeof answer.requestId, answer.body.equals(body)]).toEqual([200, 'string', true]);
    });
  });
});
