/**
 * CopyObject with every client that has it: SDK v3 CopyObjectCommand, the aws cli
 * (`s3 cp s3://… s3://…` and `s3api copy-object`), minio-js copyObject and boto3 copy_object.
 * Inline (≤ 128 KiB) and sharded sources, across buckets, onto itself, with directives and
 * x-amz-copy-source-if-* conditions.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { awsCliEnv, minioClient, sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { signedRequest } from '../helpers/signed-request';

const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;
const AWS = (() => {
  try {
    return execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim() || 'aws';
  } catch {
    return 'aws';
  }
})();

describe('CopyObject', () => {
  let server: CairnServer;
  let s3: S3Client;
  let minio: Minio.Client;
  const inline = randomBytes(5000);
  const sharded = randomBytes(1024 * 1024 + 12345);

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    minio = minioClient(server);
    for (const Bucket of ['src', 'dst']) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'inline.bin', Body: inline, ContentType: 'image/jpeg', Metadata: { owner: 'ann' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'dir/sharded é+?.bin', Body: sharded, ChecksumAlgorithm: 'CRC32C', Metadata: { owner: 'bob' } }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  async function bytes(Bucket: string, Key: string): Promise<Buffer> {
    return bytesOf((await s3.send(new GetObjectCommand({ Bucket, Key }))).Body);
  }

  describe('SDK v3', () => {
    it('copies an inline object across buckets with its metadata (COPY is the default)', async () => {
      const result = await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'inline-copy', CopySource: 'src/inline.bin' }));
      expect(result.CopyObjectResult?.ETag).toBe(md5(inline));
      expect(result.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
      expect((await bytes('dst', 'inline-copy')).equals(inline)).toBe(true);
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'inline-copy' }));
      expect(head.ContentType).toBe('image/jpeg');
      expect(head.Metadata).toEqual({ owner: 'ann' });
    });

    it('copies a sharded object with a URL-encoded key and returns its checksum in CopyObjectResult', async () => {
      const result = await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'sharded-copy', CopySource: encodeURIComponent('src/dir/sharded é+?.bin').replace(/%2F/g, '/') }));
      expect(result.CopyObjectResult?.ETag).toBe(md5(sharded));
      expect(result.CopyObjectResult?.ChecksumCRC32C).toBeDefined();
      expect((await bytes('dst', 'sharded-copy')).equals(sharded)).toBe(true);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'dst', Key: 'sharded-copy', ChecksumMode: 'ENABLED' }));
      expect(got.ChecksumCRC32C).toBe(result.CopyObjectResult?.ChecksumCRC32C);
      await bytesOf(got.Body);
    });

    it('REPLACE takes the metadata from the request instead of the source', async () => {
      await s3.send(
        new CopyObjectCommand({ Bucket: 'dst', Key: 'replaced', CopySource: 'src/inline.bin', MetadataDirective: 'REPLACE', ContentType: 'text/plain', Metadata: { owner: 'cy' } }),
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'replaced' }));
      expect(head.ContentType).toBe('text/plain');
      expect(head.Metadata).toEqual({ owner: 'cy' });
    });

    it('stores x-amz-website-redirect-location and returns it; a copy takes the request\'s, never the source\'s', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'redirecting', Body: 'x', WebsiteRedirectLocation: '/elsewhere.html' }));
      const redirectOf = async (Bucket: string, Key: string) => (await s3.send(new HeadObjectCommand({ Bucket, Key }))).WebsiteRedirectLocation;
      expect(await redirectOf('src', 'redirecting')).toBe('/elsewhere.html');
      expect((await s3.send(new GetObjectCommand({ Bucket: 'src', Key: 'redirecting' }))).WebsiteRedirectLocation).toBe('/elsewhere.html');
      await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'redirect-dropped', CopySource: 'src/redirecting' }));
      expect(await redirectOf('dst', 'redirect-dropped')).toBeUndefined();
      await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'redirect-given', CopySource: 'src/redirecting', WebsiteRedirectLocation: 'https://example.com/' }));
      expect(await redirectOf('dst', 'redirect-given')).toBe('https://example.com/');
      // Onto itself, a new redirect is a change: allowed under COPY.
      await s3.send(new CopyObjectCommand({ Bucket: 'src', Key: 'redirecting', CopySource: 'src/redirecting', WebsiteRedirectLocation: '/moved.html' }));
      expect(await redirectOf('src', 'redirecting')).toBe('/moved.html');
    });

    it('refuses a website redirect that is neither a path nor an http(s) URL, or is over 2 KB, with 400 InvalidRedirectLocation, on every write, changing nothing', async () => {
      for (const location of ['not-a-url', 'ftp://example.com/x', 'relative/path.html', `/${'r'.repeat(2048)}`]) {
        // Sent one at a time: a rejection nobody awaits yet would be reported as unhandled.
        const refusals = [
          () => s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'bad-redirect', Body: 'x', WebsiteRedirectLocation: location })),
          () => s3.send(new CopyObjectCommand({ Bucket: 'src', Key: 'bad-redirect', CopySource: 'src/redirecting', WebsiteRedirectLocation: location })),
          () => s3.send(new CreateMultipartUploadCommand({ Bucket: 'src', Key: 'bad-redirect', WebsiteRedirectLocation: location })),
        ];
        for (const refusal of refusals) {
          const error = await s3ErrorOf(refusal());
          expect(error.name, location).toBe('InvalidRedirectLocation');
          expect(error.$metadata.httpStatusCode).toBe(400);
        }
      }
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'bad-redirect' })))).$metadata.httpStatusCode).toBe(404);
      expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'src', Prefix: 'bad-redirect' }))).Uploads ?? []).toEqual([]);
      await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'bad-redirect', Body: 'x', WebsiteRedirectLocation: 'HTTP://example.com/upper' }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'bad-redirect' }))).WebsiteRedirectLocation).toBe('HTTP://example.com/upper');
      // Exactly 2 KB is stored.
      const longest = `/${'r'.repeat(2047)}`;
      await s3.send(new PutObjectCommand({ Bucket: 'src', Key: 'longest-redirect', Body: 'x', WebsiteRedirectLocation: longest }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'longest-redirect' }))).WebsiteRedirectLocation).toBe(longest);
    });

    it('copying onto itself needs REPLACE: COPY is 400 InvalidRequest and changes nothing', async () => {
      const error = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'src', Key: 'inline.bin', CopySource: 'src/inline.bin' })));
      expect(error.name).toBe('InvalidRequest');
      expect(error.message).toContain('trying to copy an object to itself without changing the object');
      await s3.send(new CopyObjectCommand({ Bucket: 'src', Key: 'inline.bin', CopySource: 'src/inline.bin', MetadataDirective: 'REPLACE', Metadata: { owner: 'dee' }, ContentType: 'image/jpeg' }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'inline.bin' }))).Metadata).toEqual({ owner: 'dee' });
      expect((await bytes('src', 'inline.bin')).equals(inline)).toBe(true);
    });

    it('a sharded object copied onto itself with REPLACE keeps its bytes', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'dst', Key: 'self-big', Body: sharded }));
      await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'self-big', CopySource: 'dst/self-big', MetadataDirective: 'REPLACE', Metadata: { v: '2' } }));
      expect((await bytes('dst', 'self-big')).equals(sharded)).toBe(true);
    });

    it('a missing source key is NoSuchKey, a missing source bucket NoSuchBucket, a missing destination bucket NoSuchBucket', async () => {
      expect((await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource: 'src/none' })))).name).toBe('NoSuchKey');
      expect((await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'x', CopySource: 'nobucket/k' })))).name).toBe('NoSuchBucket');
      expect((await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'nobucket', Key: 'x', CopySource: 'src/inline.bin' })))).name).toBe('NoSuchBucket');
      expect((await signedRequest(server, 'HEAD', '/dst/x')).status).toBe(404);
    });

    it('copies a named version (?versionId=null on an unversioned bucket); an unknown version is NoSuchVersion, a malformed one InvalidArgument', async () => {
      await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'by-version', CopySource: 'src/dir/sharded%20%C3%A9%2B%3F.bin?versionId=null' }));
      expect((await bytes('dst', 'by-version')).equals(sharded)).toBe(true);
      const unknown = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'by-version-2', CopySource: `src/inline.bin?versionId=${'0'.repeat(32)}` })));
      expect(unknown.name).toBe('NoSuchVersion');
      const malformed = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'by-version-2', CopySource: 'src/inline.bin?versionId=3sL4kqtJlcpXroDTDmJ' })));
      expect(malformed.name).toBe('InvalidArgument');
      expect((await signedRequest(server, 'HEAD', '/dst/by-version-2')).status).toBe(404);
    });

    it('x-amz-copy-source-if-* conditions: 412 PreconditionFailed when they fail, with AWS precedence', async () => {
      const etag = md5(inline);
      const lastModified = (await s3.send(new HeadObjectCommand({ Bucket: 'src', Key: 'inline.bin' }))).LastModified!;
      const before = new Date(lastModified.getTime() - 3600_000);
      const now = new Date(); // after the source's last modification, and not in the future
      const copy = (extra: Partial<ConstructorParameters<typeof CopyObjectCommand>[0]>) =>
        s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'conditional', CopySource: 'src/inline.bin', ...extra }));
      for (const failing of [{ CopySourceIfMatch: '"nope"' }, { CopySourceIfNoneMatch: etag }, { CopySourceIfUnmodifiedSince: before }, { CopySourceIfModifiedSince: now }]) {
        const error = await s3ErrorOf(copy(failing));
        expect(error.name, JSON.stringify(failing)).toBe('PreconditionFailed');
        expect(error.$metadata.httpStatusCode).toBe(412);
      }
      expect((await signedRequest(server, 'HEAD', '/dst/conditional')).status).toBe(404);
      // The error names the condition as AWS does.
      const refused = await signedRequest(server, 'PUT', '/dst/conditional', { headers: { 'x-amz-copy-source': '/src/inline.bin', 'x-amz-copy-source-if-match': '"nope"' } });
      expect(refused.body.toString()).toContain('<Condition>x-amz-copy-source-If-Match</Condition>');
      // An If-Modified-Since in the future is ignored, as AWS ignores it: copied.
      await copy({ CopySourceIfModifiedSince: new Date(Date.now() + 86400_000) });
      expect((await signedRequest(server, 'HEAD', '/dst/conditional')).status).toBe(200);
      // If-Match true + If-Unmodified-Since false: copied.
      await copy({ CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: before });
      // If-None-Match false + If-Modified-Since true: 412.
      expect((await s3ErrorOf(copy({ CopySourceIfNoneMatch: etag, CopySourceIfModifiedSince: before }))).name).toBe('PreconditionFailed');
      await copy({ CopySourceIfNoneMatch: '"other"', CopySourceIfModifiedSince: before });
      expect((await bytes('dst', 'conditional')).equals(inline)).toBe(true);
    });

    it('refuses a malformed copy source and an unknown metadata directive as InvalidArgument', async () => {
      const cases: Record<string, string>[] = [{ 'x-amz-copy-source': 'just-a-bucket' }, { 'x-amz-copy-source': 'src/inline.bin', 'x-amz-metadata-directive': 'MERGE' }];
      for (const headers of cases) {
        const response = await signedRequest(server, 'PUT', '/dst/bad', { headers });
        expect(response.status, JSON.stringify(headers)).toBe(400);
        expect(response.body.toString()).toContain('<Code>InvalidArgument</Code>');
      }
    });

    it('accepts x-amz-tagging-directive and answers CopyObjectResult with the source checksum (the SDK put a CRC32)', async () => {
      const response = await signedRequest(server, 'PUT', '/dst/tagged', { headers: { 'x-amz-copy-source': '/src/inline.bin', 'x-amz-tagging-directive': 'REPLACE' } });
      expect(response.status).toBe(200);
      expect(response.body.toString()).toMatch(/<CopyObjectResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/LastModified><ChecksumCRC32>[A-Za-z0-9+/=]+<\/ChecksumCRC32><ChecksumType>FULL_OBJECT<\/ChecksumType><\/CopyObjectResult>$/);
    });

    it('copies a multipart object with a COMPOSITE checksum (lib-storage\'s default), giving the copy a full-object one; x-amz-checksum-algorithm picks another', async () => {
      const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'src', Key: 'composite', ChecksumAlgorithm: 'CRC32' }));
      const uploaded = [];
      for (const [index, Body] of parts.entries()) {
        const part = await s3.send(new UploadPartCommand({ Bucket: 'src', Key: 'composite', UploadId, PartNumber: index + 1, Body, ChecksumAlgorithm: 'CRC32' }));
        uploaded.push({ PartNumber: index + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
      }
      const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'src', Key: 'composite', UploadId, MultipartUpload: { Parts: uploaded } }));
      expect(done.ChecksumCRC32).toMatch(/-2$/);
      const whole = Buffer.concat(parts);
      const crc32 = Buffer.alloc(4);
      crc32.writeUInt32BE(zlib.crc32(whole));

      const copy = await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'composite-copy', CopySource: 'src/composite' }));
      expect(copy.CopyObjectResult?.ChecksumCRC32).toBe(crc32.toString('base64'));
      expect((await bytes('dst', 'composite-copy')).equals(whole)).toBe(true);

      const sha = await s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'composite-sha', CopySource: 'src/composite', ChecksumAlgorithm: 'SHA256' }));
      expect(sha.CopyObjectResult?.ChecksumSHA256).toBe(createHash('sha256').update(whole).digest('base64'));
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'dst', Key: 'composite-sha', ChecksumMode: 'ENABLED' }));
      expect([head.ChecksumSHA256, head.ChecksumCRC32]).toEqual([sha.CopyObjectResult?.ChecksumSHA256, undefined]);
    });

    it('a conditional copy (If-None-Match: *) does not overwrite an existing destination', async () => {
      const error = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: 'dst', Key: 'inline-copy', CopySource: 'src/dir/sharded é+?.bin'.replace(/ /g, '%20').replace('+', '%2B').replace('?', '%3F'), IfNoneMatch: '*' })));
      expect(error.name).toBe('PreconditionFailed');
      expect((await bytes('dst', 'inline-copy')).equals(inline)).toBe(true);
    });
  });

  describe('other clients', () => {
    function aws(args: string[]): Promise<string> {
      return new Promise((resolve, reject) => {
        execFile(AWS, [...args, '--endpoint-url', server.endpoint], { env: { ...process.env, ...awsCliEnv() }, timeout: 60_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`aws ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
        );
      });
    }

    it('aws s3 cp s3://src/... s3://dst/... copies server-side', async () => {
      expect(await aws(['s3', 'cp', 's3://src/dir/sharded é+?.bin', 's3://dst/cli/cp.bin'])).toContain('copy: s3://src/dir/sharded é+?.bin to s3://dst/cli/cp.bin');
      expect((await bytes('dst', 'cli/cp.bin')).equals(sharded)).toBe(true);
    });

    it('aws s3api copy-object returns CopyObjectResult', async () => {
      const out = JSON.parse(await aws(['s3api', 'copy-object', '--bucket', 'dst', '--key', 'cli/api.bin', '--copy-source', 'src/inline.bin']));
      expect(out.CopyObjectResult.ETag).toBe(md5(inline));
      expect((await bytes('dst', 'cli/api.bin')).equals(inline)).toBe(true);
    });

    it('minio-js copyObject, with and without CopyConditions', async () => {
      const result = await minio.copyObject('dst', 'minio/copy.bin', '/src/dir/sharded é+?.bin');
      expect((result as { etag?: string }).etag).toBe(md5(sharded).slice(1, -1));
      expect((await bytes('dst', 'minio/copy.bin')).equals(sharded)).toBe(true);
      const conditions = new Minio.CopyConditions();
      conditions.setMatchETag('"nope"');
      await expect(minio.copyObject('dst', 'minio/conditional.bin', '/src/inline.bin', conditions)).rejects.toMatchObject({ code: 'PreconditionFailed' });
    });

    it('boto3 copy_object', () => {
      const script = `import boto3
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url='${server.endpoint}', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='${SECRET_KEY}', region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}))
r = s3.copy_object(Bucket='dst', Key='boto/copy.bin', CopySource={'Bucket': 'src', 'Key': 'dir/sharded é+?.bin'})
print(r['CopyObjectResult']['ETag'])
print(s3.head_object(Bucket='dst', Key='boto/copy.bin')['ContentLength'])`;
      const out = execFileSync('python3', ['-c', script], { encoding: 'utf8', env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
      expect(out.trim().split('\n')).toEqual([md5(sharded), String(sharded.length)]);
    });
  });
});
