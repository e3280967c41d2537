/**
 * Reading objects the way AWS does: conditional GET/HEAD (304 and 412 with AWS's
 * precedence), every Range form, partNumber on a single-part object and response-*
 * header overrides — with SDK v3, boto3 and raw signed requests.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { signedRequest } from '../helpers/signed-request';

const BUCKET = 'reads';

describe('object reads', () => {
  let server: CairnServer;
  let s3: S3Client;
  let etag: string;
  let lastModified: Date;
  const body = randomBytes(300 * 1024); // sharded (> 128 KiB)
  const small = Buffer.from('0123456789');

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    etag = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big', Body: body }))).ETag!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small', Body: small, ContentType: 'text/plain' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'empty', Body: Buffer.alloc(0) }));
    lastModified = (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big' }))).LastModified!;
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  describe('conditional GET and HEAD', () => {
    const hourBefore = () => new Date(lastModified.getTime() - 3600_000);
    const hourAfter = () => new Date(lastModified.getTime() + 3600_000);

    it('If-Match with the ETag returns the object; with another ETag 412 PreconditionFailed', async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big', IfMatch: etag }));
      expect((await bytesOf(got.Body)).equals(body)).toBe(true);
      const error = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big', IfMatch: '"0123"' })));
      expect(error.name).toBe('PreconditionFailed');
      expect(error.$metadata.httpStatusCode).toBe(412);
    });

    it('If-None-Match with the ETag is 304 with ETag and Last-Modified and no body', async () => {
      const response = await signedRequest(server, 'GET', `/${BUCKET}/big`, { headers: { 'if-none-match': etag } });
      expect(response.status).toBe(304);
      expect(response.headers.etag).toBe(etag);
      expect(response.headers['last-modified']).toBe(lastModified.toUTCString());
      expect(response.body.length).toBe(0);
      const head = await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big', IfNoneMatch: etag })));
      expect(head.$metadata.httpStatusCode).toBe(304);
    });

    it('If-Modified-Since: 304 when not modified since, the object when modified since or when the date is in the future', async () => {
      expect((await signedRequest(server, 'GET', `/${BUCKET}/small`, { headers: { 'if-modified-since': new Date().toUTCString() } })).status).toBe(304);
      // A date later than the server's clock is invalid (RFC 2616 14.25): ignored, as AWS ignores it.
      expect((await signedRequest(server, 'GET', `/${BUCKET}/small`, { headers: { 'if-modified-since': hourAfter().toUTCString() } })).status).toBe(200);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small', IfModifiedSince: hourBefore() }));
      expect((await bytesOf(got.Body)).equals(small)).toBe(true);
    });

    it('If-Unmodified-Since: 412 when modified since, the object otherwise', async () => {
      const error = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small', IfUnmodifiedSince: hourBefore() })));
      expect(error.name).toBe('PreconditionFailed');
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'small', IfUnmodifiedSince: hourAfter() }));
      expect(head.ContentLength).toBe(small.length);
    });

    it("follows AWS's precedence: If-Match true beats If-Unmodified-Since false (200)", async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small', IfMatch: etagOf(small), IfUnmodifiedSince: hourBefore() }));
      expect((await bytesOf(got.Body)).equals(small)).toBe(true);
    });

    it("follows AWS's precedence: If-None-Match false + If-Modified-Since true is 304", async () => {
      const response = await signedRequest(server, 'GET', `/${BUCKET}/big`, {
        headers: { 'if-none-match': etag, 'if-modified-since': hourBefore().toUTCString() },
      });
      expect(response.status).toBe(304);
    });

    it('412 on GET carries PreconditionFailed error XML naming the condition', async () => {
      const response = await signedRequest(server, 'GET', `/${BUCKET}/big`, { headers: { 'if-match': '"nope"' } });
      expect(response.status).toBe(412);
      const xml = response.body.toString();
      expect(xml).toContain('<Code>PreconditionFailed</Code>');
      expect(xml).toContain('<Condition>If-Match</Condition>');
    });

    it('HEAD answers a failed precondition with 412 and no body', async () => {
      const response = await signedRequest(server, 'HEAD', `/${BUCKET}/small`, { headers: { 'if-match': '"nope"' } });
      expect(response.status).toBe(412);
      expect(response.body.length).toBe(0);
      const error = await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'small', IfMatch: '"nope"' })));
      expect(error.$metadata.httpStatusCode).toBe(412);
    });

    it('a missing key is 404 NoSuchKey before any precondition', async () => {
      const error = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing', IfMatch: '"x"' })));
      expect(error.name).toBe('NoSuchKey');
    });
  });

  describe('Range', () => {
    const get = (range: string) => signedRequest(server, 'GET', `/${BUCKET}/big`, { headers: { range } });
    const size = body.length;

    it('first-last, open-ended and suffix forms', async () => {
      const cases: [string, number, number][] = [
        ['bytes=0-0', 0, 0],
        ['bytes=100-199', 100, 199],
        ['bytes=200000-', 200000, size - 1],
        ['bytes=-500', size - 500, size - 1],
      ];
      for (const [range, start, end] of cases) {
        const response = await get(range);
        expect(response.status, range).toBe(206);
        expect(response.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
        expect(response.headers['content-length']).toBe(String(end - start + 1));
        expect(response.body.equals(body.subarray(start, end + 1)), range).toBe(true);
      }
    });

    it('a last byte beyond the size, or a suffix longer than the object, is clamped', async () => {
      const beyond = await get(`bytes=${size - 10}-${size + 1000}`);
      expect(beyond.status).toBe(206);
      expect(beyond.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
      const suffix = await get(`bytes=-${size * 2}`);
      expect(suffix.headers['content-range']).toBe(`bytes 0-${size - 1}/${size}`);
      expect(suffix.body.equals(body)).toBe(true);
    });

    it('an unsatisfiable range is 416 InvalidRange with Content-Range bytes */size', async () => {
      const response = await get(`bytes=${size}-`);
      expect(response.status).toBe(416);
      expect(response.headers['content-range']).toBe(`bytes */${size}`);
      expect(response.body.toString()).toContain('<Code>InvalidRange</Code>');
      const error = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small', Range: 'bytes=10-20' })));
      expect(error.name).toBe('InvalidRange');
    });

    it('a suffix range of an empty object is 200 with the empty object; a range from an offset is 416', async () => {
      const suffix = await signedRequest(server, 'GET', `/${BUCKET}/empty`, { headers: { range: 'bytes=-1' } });
      expect([suffix.status, suffix.headers['content-length'], suffix.headers['content-range'], suffix.body.length]).toEqual([200, '0', undefined, 0]);
      const offset = await signedRequest(server, 'GET', `/${BUCKET}/empty`, { headers: { range: 'bytes=0-0' } });
      expect([offset.status, offset.headers['content-range']]).toEqual([416, 'bytes */0']);
    });

    it('If-Range: the range when it names this object (strong ETag, Last-Modified), else 200 with the whole object', async () => {
      const ranged = (ifRange: string, method = 'GET') => signedRequest(server, method, `/${BUCKET}/big`, { headers: { range: 'bytes=100-199', 'if-range': ifRange } });
      for (const holds of [etag, lastModified.toUTCString()]) {
        const response = await ranged(holds);
        expect([response.status, response.headers['content-range']], holds).toEqual([206, `bytes 100-199/${size}`]);
        expect(response.body.equals(body.subarray(100, 200)), holds).toBe(true);
      }
      // Another object's ETag, a weak ETag, another second, a value that is no validator.
      const stale = ['"0123456789abcdef0123456789abcdef"', `W/${etag}`, new Date(lastModified.getTime() - 1000).toUTCString(), 'not a validator'];
      for (const ifRange of stale) {
        const response = await ranged(ifRange);
        expect([response.status, response.headers['content-range'], response.headers['content-length']], ifRange).toEqual([200, undefined, String(size)]);
        expect(response.body.equals(body), ifRange).toBe(true);
      }
      const head = await ranged('"0123456789abcdef0123456789abcdef"', 'HEAD');
      expect([head.status, head.headers['content-length']]).toEqual([200, String(size)]);
      // Without a Range, If-Range changes nothing; a stale one lifts an unsatisfiable Range too.
      const whole = await signedRequest(server, 'GET', `/${BUCKET}/big`, { headers: { 'if-range': etag } });
      expect([whole.status, whole.body.equals(body)]).toEqual([200, true]);
      const unsatisfiable = await signedRequest(server, 'GET', `/${BUCKET}/big`, { headers: { range: `bytes=${size}-`, 'if-range': '"stale"' } });
      expect([unsatisfiable.status, unsatisfiable.body.equals(body)]).toEqual([200, true]);
    });

    it('several ranges or invalid syntax are ignored: 200 with the whole object', async () => {
      for (const range of ['bytes=0-1,5-6', 'bytes=abc', 'bytes=9-1', 'pages=1-2']) {
        const response = await get(range);
        expect(response.status, range).toBe(200);
        expect(response.headers['content-range']).toBeUndefined();
        expect(response.body.equals(body), range).toBe(true);
      }
    });
  });

  describe('partNumber on a single-part object', () => {
    it('partNumber=1 is 206 with the whole object and no x-amz-mp-parts-count', async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big', PartNumber: 1 }));
      expect(got.$metadata.httpStatusCode).toBe(206);
      expect(got.ContentRange).toBe(`bytes 0-${body.length - 1}/${body.length}`);
      expect(got.PartsCount).toBeUndefined();
      expect((await bytesOf(got.Body)).equals(body)).toBe(true);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'small', PartNumber: 1 }));
      expect(head.$metadata.httpStatusCode).toBe(206);
      expect(head.ContentLength).toBe(small.length);
    });

    it('partNumber=2 is 416 InvalidPartNumber; 0 or non-numbers are 400 InvalidArgument', async () => {
      const error = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big', PartNumber: 2 })));
      expect(error.name).toBe('InvalidPartNumber');
      expect(error.$metadata.httpStatusCode).toBe(416);
      for (const partNumber of ['0', 'x', '10001']) {
        const response = await signedRequest(server, 'GET', `/${BUCKET}/big`, { query: { partNumber } });
        expect(response.status, partNumber).toBe(400);
        expect(response.body.toString()).toContain('<Code>InvalidArgument</Code>');
      }
    });

    it('partNumber with a Range header is 400 InvalidRequest', async () => {
      const response = await signedRequest(server, 'GET', `/${BUCKET}/big`, { query: { partNumber: '1' }, headers: { range: 'bytes=0-1' } });
      expect(response.status).toBe(400);
      expect(response.body.toString()).toContain('<Code>InvalidRequest</Code>');
    });
  });

  describe('response-* overrides', () => {
    it('GET returns the overriding headers instead of the stored ones (SDK v3)', async () => {
      const got = await s3.send(
        new GetObjectCommand({
          Bucket: BUCKET,
          Key: 'small',
          ResponseContentType: 'application/json',
          ResponseContentLanguage: 'fr',
          ResponseExpires: new Date('2030-01-01T00:00:00Z'),
          ResponseCacheControl: 'no-cache',
          ResponseContentDisposition: 'attachment; filename="x.json"',
          ResponseContentEncoding: 'identity',
        }),
      );
      expect(got.ContentType).toBe('application/json');
      expect(got.ContentLanguage).toBe('fr');
      expect(got.CacheControl).toBe('no-cache');
      expect(got.ContentDisposition).toBe('attachment; filename="x.json"');
      expect(got.ContentEncoding).toBe('identity');
      expect(got.ExpiresString ?? got.Expires?.toUTCString()).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
      expect((await bytesOf(got.Body)).equals(small)).toBe(true);
      // The stored metadata is unchanged.
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'small' }))).ContentType).toBe('text/plain');
    });

    it('refuses an override that cannot be a header value as InvalidArgument', async () => {
      const response = await signedRequest(server, 'GET', `/${BUCKET}/small`, { query: { 'response-content-disposition': 'attachment; filename="日本.txt"' } });
      expect(response.status).toBe(400);
      const xml = response.body.toString();
      expect(xml).toContain('<Code>InvalidArgument</Code>');
      expect(xml).toContain('<Message>Header value cannot be represented using ISO-8859-1.</Message>');
      expect(xml).toContain('<ArgumentName>response-content-disposition</ArgumentName>');
      expect(xml).toContain('<ArgumentValue>attachment; filename=&quot;日本.txt&quot;</ArgumentValue>');
    });

    it('boto3 get_object honours ResponseContentType and ResponseContentDisposition', () => {
      const out = python(`
r = s3.get_object(Bucket='${BUCKET}', Key='small', ResponseContentType='image/gif', ResponseContentDisposition='inline')
print(r['ContentType'], r['ContentDisposition'], r['Body'].read().decode())
`);
      expect(out.trim()).toBe('image/gif inline 0123456789');
    });
  });

  it('boto3 sees 304 on a matching If-None-Match and 412 on a failing If-Match', () => {
    const out = python(`
from botocore.exceptions import ClientError
for kwargs in [dict(IfNoneMatch=${JSON.stringify(etag)}), dict(IfMatch='"nope"')]:
    try:
        s3.get_object(Bucket='${BUCKET}', Key='big', **kwargs)
        print('ok')
    except ClientError as e:
        print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
`);
    expect(out.trim().split('\n')).toEqual(['304 304', 'PreconditionFailed 412']);
  });

  function python(code: string): string {
    const script = `import boto3\nfrom botocore.config import Config\ns3 = boto3.client('s3', endpoint_url='${server.endpoint}', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='${SECRET_KEY}', region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}))\n${code}`;
    return execFileSync('python3', ['-c', script], { encoding: 'utf8', env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
  }
});

function etagOf(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}
