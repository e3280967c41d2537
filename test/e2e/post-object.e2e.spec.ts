/**
 * POST Object (browser-form uploads): policies signed by real clients (minio-js
 * presignedPostPolicy, boto3 generate_presigned_post with SigV4 and SigV2), posted as real
 * multipart/form-data with fetch; every policy violation is refused and stores nothing.
 */
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, PutObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as http from 'node:http';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { awsCliEnv, minioClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { checksumBase64, type ChecksumAlgorithm } from '../../src/infra/http/checksums';
import { serverForTests } from '../helpers/server-for-tests';

const run = promisify(execFile);
const BUCKET = 'post-forms';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

/** Posts the fields, then the file last (as browsers do). */
async function postForm(post: PresignedPost, file: Buffer, filename = 'upload.bin', extra: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...extra })) form.append(name, value);
  form.append('file', new Blob([file]), filename);
  return fetch(post.url, { method: 'POST', body: form, redirect: 'manual' });
}

async function errorCode(response: Response): Promise<string> {
  const text = await response.text();
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `(none, status ${response.status}: ${text})`;
}

async function boto3Post(server: CairnServer, signatureVersion: string, args: string): Promise<PresignedPost> {
  const script = [
    'import boto3, json',
    'from botocore.config import Config',
    `s3 = boto3.client('s3', endpoint_url='${server.endpoint}', aws_access_key_id='${ACCESS_KEY}', aws_secret_access_key='${SECRET_KEY}', region_name='us-east-1', config=Config(signature_version='${signatureVersion}'))`,
    `print(json.dumps(s3.generate_presigned_post(${args})))`,
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script], { env: { ...process.env, ...awsCliEnv() } });
  return JSON.parse(stdout) as PresignedPost;
}

/** A SigV4-signed form for hand-made policies (the way a web page's backend signs them). */
function signedForm(server: CairnServer, conditions: unknown[], expiration = new Date(Date.now() + 600_000), secret = SECRET_KEY): PresignedPost {
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const credential = `${ACCESS_KEY}/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const policy = Buffer.from(
    JSON.stringify({
      expiration: expiration.toISOString(),
      conditions: [...conditions, { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': amzDate }],
    }),
  ).toString('base64');
  let key: Buffer | string = `AWS4${secret}`;
  for (const part of [amzDate.slice(0, 8), 'us-east-1', 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(policy).digest('hex');
  return {
    url: `${server.endpoint}/${BUCKET}`,
    fields: { policy, 'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': credential, 'x-amz-date': amzDate, 'x-amz-signature': signature },
  };
}

describe('POST Object (browser-form uploads)', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });

  const absent = async (key: string) => expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).name).toBe('NotFound');

  it('minio-js presignedPostPolicy: a form upload with content type, metadata and a size range', async () => {
    const minio = minioClient(server);
    const policy = minio.newPostPolicy();
    policy.setBucket(BUCKET);
    policy.setKey('minio/form.txt');
    policy.setExpires(new Date(Date.now() + 600_000));
    policy.setContentType('text/plain');
    policy.setContentLengthRange(1, 1024);
    policy.setUserMetaData({ colour: 'green' });
    const { postURL, formData } = await minio.presignedPostPolicy(policy);
    const body = Buffer.from('hello from a browser form');
    const response = await postForm({ url: postURL, fields: formData as Record<string, string> }, body);
    expect(response.status, await response.clone().text()).toBe(204);
    expect(response.headers.get('etag')).toBe(`"${md5(body)}"`);

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'minio/form.txt' }));
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ colour: 'green' });

    const tooBig = await postForm({ url: postURL, fields: formData as Record<string, string> }, randomBytes(1025));
    expect([tooBig.status, await errorCode(tooBig)]).toEqual([400, 'EntityTooLarge']);
    const empty = await postForm({ url: postURL, fields: formData as Record<string, string> }, Buffer.alloc(0));
    expect([empty.status, await errorCode(empty)]).toEqual([400, 'EntityTooSmall']);
  });

  it('boto3 generate_presigned_post with SigV4: ${filename} in the key and success_action_status 201', async () => {
    const post = await boto3Post(
      server,
      's3v4',
      `'${BUCKET}', 'boto4/\${filename}', Fields={'success_action_status': '201'}, Conditions=[{'success_action_status': '201'}, ['starts-with', '$key', 'boto4/']], ExpiresIn=600`,
    );
    expect(post.fields['x-amz-signature']).toBeDefined();
    const body = randomBytes(300 * 1024); // larger than the inline limit: streamed to shard files
    const response = await postForm(post, body, 'photo.jpg');
    const xml = await response.text();
    expect(response.status, xml).toBe(201);
    expect(xml).toContain('<PostResponse>');
    expect(xml).toContain('<Bucket>post-forms</Bucket>');
    expect(xml).toContain('<Key>boto4/photo.jpg</Key>');
    expect(xml).toContain(`<ETag>&quot;${md5(body)}&quot;</ETag>`);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'boto4/photo.jpg' }));
    expect(got.ContentLength).toBe(body.length);
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
  });

  it('boto3 generate_presigned_post with SigV2 (AWSAccessKeyId, signature) and success_action_status 200', async () => {
    const post = await boto3Post(
      server,
      's3',
      `'${BUCKET}', 'boto2/file.txt', Fields={'success_action_status': '200'}, Conditions=[{'success_action_status': '200'}], ExpiresIn=600`,
    );
    expect(post.fields.AWSAccessKeyId).toBe(ACCESS_KEY);
    const response = await postForm(post, Buffer.from('v2 form'));
    expect(response.status, await response.clone().text()).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'boto2/file.txt' }));
    expect((await bytesOf(got.Body)).toString()).toBe('v2 form');
  });

  it('success_action_redirect answers 303 with bucket, key and etag in the query', async () => {
    const post = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', 'redirect/'], ['starts-with', '$success_action_redirect', 'https://example.com/']]);
    const body = Buffer.from('redirected');
    const response = await postForm(post, body, 'r.txt', { key: 'redirect/r.txt', success_action_redirect: 'https://example.com/done?x=1' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('https://example.com/done');
    expect(Object.fromEntries(location.searchParams)).toEqual({ x: '1', bucket: BUCKET, key: 'redirect/r.txt', etag: `"${md5(body)}"` });
  });

  it('answers Expect: 100-continue on a form upload and stores the file', async () => {
    const post = signedForm(server, [{ bucket: BUCKET }, ['eq', '$key', 'expect/form.txt']]);
    const boundary = 'cairnFormBoundary';
    const parts = Object.entries({ ...post.fields, key: 'expect/form.txt' }).map(
      ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
    const body = Buffer.from(
      `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\nContent-Type: text/plain\r\n\r\nform body after 100\r\n--${boundary}--\r\n`,
    );
    const result = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const request = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: `/${BUCKET}`,
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length, expect: '100-continue' },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode!, continued }));
        },
      );
      request.on('continue', () => {
        continued = true;
        request.end(body);
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(result).toEqual({ status: 204, continued: true });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'expect/form.txt' }));
    expect((await bytesOf(got.Body)).toString()).toBe('form body after 100');
  });

  it('a client that disconnects mid-file leaves nothing stored and no staged shards behind', async () => {
    const post = signedForm(server, [{ bucket: BUCKET }, ['eq', '$key', 'aborted/big']]);
    const boundary = 'cairnAbortBoundary';
    const fields = Object.entries({ ...post.fields, key: 'aborted/big' })
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('');
    const head = `${fields}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big"\r\n\r\n`;
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /${BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${head}`,
    );
    socket.write(randomBytes(2 * 1024 * 1024)); // past the read-ahead: the file is streaming to shard files
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();

    const staged = () => server.drives.flatMap((drive) => readdirSync(drive, { recursive: true, encoding: 'utf8' }).filter((p) => p.split('/').includes('tmp') && p.endsWith('.shard')));
    const deadline = Date.now() + 5000;
    while (staged().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(staged()).toEqual([]);
    await absent('aborted/big');
  });

  it('a form posted to a bucket that does not exist is NoSuchBucket', async () => {
    const post = signedForm(server, [{ bucket: 'no-such-bucket' }, ['starts-with', '$key', '']]);
    const response = await postForm({ ...post, url: `${server.endpoint}/no-such-bucket` }, Buffer.from('x'), 'a', { key: 'k' });
    expect([response.status, await errorCode(response)]).toEqual([404, 'NoSuchBucket']);
  });

  describe('refuses policy violations, storing nothing', () => {
    it('a key outside the allowed prefix (AccessDenied, Policy Condition failed)', async () => {
      const post = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', 'uploads/']]);
      const response = await postForm(post, Buffer.from('x'), 'a', { key: 'elsewhere/a' });
      const text = await response.text();
      expect(response.status).toBe(403);
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('Invalid according to Policy: Policy Condition failed: [&quot;starts-with&quot;,&quot;$key&quot;,&quot;uploads/&quot;]');
      await absent('elsewhere/a');
    });

    it('a policy for another bucket, an expired policy, and a field the policy does not name', async () => {
      const other = await postForm(signedForm(server, [{ bucket: 'another-bucket' }, ['starts-with', '$key', '']]), Buffer.from('x'), 'a', { key: 'v/other' });
      expect([other.status, await errorCode(other)]).toEqual([403, 'AccessDenied']);
      const expiredForm = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', '']], new Date(Date.now() - 1000));
      const expired = await postForm(expiredForm, Buffer.from('x'), 'a', { key: 'v/expired' });
      const text = await expired.text();
      expect([expired.status, text.includes('Policy expired')]).toEqual([403, true]);
      const extra = await postForm(signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', '']]), Buffer.from('x'), 'a', { key: 'v/extra', 'x-amz-meta-sneaky': '1' });
      expect([extra.status, await errorCode(extra)]).toEqual([403, 'AccessDenied']);
      for (const key of ['v/other', 'v/expired', 'v/extra']) await absent(key);
    });

    it('an acl field granting others is AccessControlListNotSupported (ACLs disabled); acl=private is stored', async () => {
      const post = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', 'acl/'], ['starts-with', '$acl', '']]);
      const shared = await postForm(post, Buffer.from('x'), 'a', { key: 'acl/public', acl: 'public-read' });
      expect([shared.status, await errorCode(shared)]).toEqual([400, 'AccessControlListNotSupported']);
      await absent('acl/public');
      const owned = await postForm(post, Buffer.from('x'), 'a', { key: 'acl/private', acl: 'private' });
      expect(owned.status).toBe(204);
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'acl/private' }))).ContentLength).toBe(1);
    });

    it('a tagging field tags the object; a malformed or invalid one is refused and stores nothing', async () => {
      const post = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', 'tagged/'], ['starts-with', '$tagging', '']]);
      const tagging = (tags: string) => `<Tagging><TagSet>${tags}</TagSet></Tagging>`;
      const tagged = await postForm(post, Buffer.from('x'), 'a', {
        key: 'tagged/ok',
        tagging: tagging('<Tag><Key>project</Key><Value>cairn</Value></Tag><Tag><Key>tier</Key><Value>hot data</Value></Tag>'),
      });
      expect(tagged.status).toBe(204);
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tagged/ok' }))).TagSet).toEqual([
        { Key: 'project', Value: 'cairn' },
        { Key: 'tier', Value: 'hot data' },
      ]);
      const refusals: [string, string][] = [
        ['<Tagging><TagSet><Tag><Key>cut', 'MalformedXML'],
        [tagging('<Tag><Key>aws:reserved</Key><Value>v</Value></Tag>'), 'InvalidTag'],
        [tagging('<Tag><Key>twice</Key><Value>1</Value></Tag><Tag><Key>twice</Key><Value>2</Value></Tag>'), 'InvalidTag'],
      ];
      for (const [document, code] of refusals) {
        const refused = await postForm(post, Buffer.from('x'), 'a', { key: 'tagged/refused', tagging: document });
        expect([refused.status, await errorCode(refused)], document).toEqual([400, code]);
      }
      await absent('tagged/refused');
    });

    it('a bad signature (SignatureDoesNotMatch) and a tampered policy', async () => {
      const wrongSecret = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', '']], undefined, 'not-the-secret');
      const bad = await postForm(wrongSecret, Buffer.from('x'), 'a', { key: 'sig/bad' });
      expect([bad.status, await errorCode(bad)]).toEqual([403, 'SignatureDoesNotMatch']);
      const good = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', 'sig/only/']]);
      const widened = Buffer.from(Buffer.from(good.fields.policy!, 'base64').toString().replace('sig/only/', '')).toString('base64');
      const tampered = await postForm({ ...good, fields: { ...good.fields, policy: widened } }, Buffer.from('x'), 'a', { key: 'sig/tampered' });
      expect([tampered.status, await errorCode(tampered)]).toEqual([403, 'SignatureDoesNotMatch']);
      await absent('sig/bad');
      await absent('sig/tampered');
    });

    it('a file over content-length-range larger than the read-ahead is cut off with EntityTooLarge', async () => {
      const post = signedForm(server, [{ bucket: BUCKET }, ['eq', '$key', 'big/over'], ['content-length-range', 0, 200 * 1024]]);
      const response = await postForm(post, randomBytes(1024 * 1024), 'big', { key: 'big/over' });
      expect([response.status, await errorCode(response)]).toEqual([400, 'EntityTooLarge']);
      await absent('big/over');
    });

    it('malformed forms: no file, no key, no policy, an invalid policy document, not multipart', async () => {
      const post = signedForm(server, [{ bucket: BUCKET }, ['starts-with', '$key', '']]);
      const noFile = new FormData();
      for (const [name, value] of Object.entries({ ...post.fields, key: 'm/nofile' })) noFile.append(name, value);
      const missing = await fetch(post.url, { method: 'POST', body: noFile });
      expect([missing.status, await errorCode(missing)]).toEqual([400, 'IncorrectNumberOfFilesInPostRequest']);

      const noKey = await postForm(post, Buffer.from('x'));
      expect([noKey.status, await errorCode(noKey)]).toEqual([400, 'InvalidArgument']);

      const anonymous = await postForm({ url: post.url, fields: { key: 'm/anon' } }, Buffer.from('x'));
      expect([anonymous.status, await errorCode(anonymous)]).toEqual([403, 'AccessDenied']);

      const garbage = Buffer.from('not json').toString('base64');
      const signature = createHmac('sha1', SECRET_KEY).update(garbage).digest('base64');
      const invalid = await postForm({ url: post.url, fields: { key: 'm/invalid', AWSAccessKeyId: ACCESS_KEY, policy: garbage, signature } }, Buffer.from('x'));
      expect([invalid.status, await errorCode(invalid)]).toEqual([400, 'InvalidPolicyDocument']);

      const broken = await fetch(post.url, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nnonsense' });
      expect([broken.status, await errorCode(broken)]).toEqual([400, 'MalformedPOSTRequest']);

      const oversized = await postForm(post, Buffer.from('x'), 'a', { key: 'm/huge', 'x-ignore-padding': 'p'.repeat(21 * 1024) });
      expect([oversized.status, await errorCode(oversized)]).toEqual([400, 'MaxPostPreDataLengthExceeded']);
      for (const key of ['m/nofile', 'm/anon', 'm/invalid', 'm/huge']) await absent(key);
    });
  });

  describe('checksum fields: x-amz-checksum-algorithm, x-amz-checksum-*, Content-MD5', () => {
    const ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
    const md5Base64 = (b: Buffer) => createHash('md5').update(b).digest('base64');
    /** A form for one key whose policy allows every checksum field and Content-MD5. */
    const checksumForm = (key: string) =>
      signedForm(server, [
        { bucket: BUCKET },
        ['eq', '$key', key],
        ['starts-with', '$content-md5', ''],
        ['starts-with', '$x-amz-checksum-algorithm', ''],
        ...ALGORITHMS.map((a) => ['starts-with', `$x-amz-checksum-${a.toLowerCase()}`, '']),
      ]);
    const headChecksums = async (key: string) => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      return { CRC32: head.ChecksumCRC32, CRC32C: head.ChecksumCRC32C, CRC64NVME: head.ChecksumCRC64NVME, SHA1: head.ChecksumSHA1, SHA256: head.ChecksumSHA256 };
    };

    it('verifies and stores the checksum a form declares, for every algorithm, inline and sharded, with Content-MD5', async () => {
      for (const [i, algorithm] of ALGORITHMS.entries()) {
        const key = `sum/ok-${algorithm}`;
        const body = randomBytes(i % 2 === 0 ? 1000 : 300 * 1024); // small (inline) and larger than the read-ahead
        const value = checksumBase64(algorithm, body);
        const response = await postForm(checksumForm(key), body, 'f', {
          key,
          'Content-MD5': md5Base64(body),
          'x-amz-checksum-algorithm': algorithm,
          [`x-amz-checksum-${algorithm.toLowerCase()}`]: value,
        });
        expect(response.status, await response.clone().text()).toBe(204);
        expect(response.headers.get(`x-amz-checksum-${algorithm.toLowerCase()}`)).toBe(value);
        expect((await headChecksums(key))[algorithm]).toBe(value);
        const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        expect((await bytesOf(got.Body)).equals(body)).toBe(true);
      }
    });

    it('computes the checksum of the algorithm named alone, and takes a value without the algorithm field', async () => {
      const body = Buffer.from('checksum me');
      const named = await postForm(checksumForm('sum/named'), body, 'f', { key: 'sum/named', 'x-amz-checksum-algorithm': 'sha256' });
      expect(named.status, await named.clone().text()).toBe(204);
      expect(await headChecksums('sum/named')).toEqual({ SHA256: createHash('sha256').update(body).digest('base64') });
      const valueOnly = await postForm(checksumForm('sum/value-only'), body, 'f', { key: 'sum/value-only', 'x-amz-checksum-crc32c': checksumBase64('CRC32C', body) });
      expect(valueOnly.status, await valueOnly.clone().text()).toBe(204);
      expect(await headChecksums('sum/value-only')).toEqual({ CRC32C: checksumBase64('CRC32C', body) });
    });

    it('into a bucket with a default retention, a form must carry Content-MD5 or a checksum, as a PutObject must', async () => {
      const bucket = 'locked-forms';
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
      await s3.send(
        new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }),
      );
      const form = (key: string) => ({
        ...signedForm(server, [{ bucket }, ['eq', '$key', key], ['starts-with', '$content-md5', '']]),
        url: `${server.endpoint}/${bucket}`,
      });
      const body = randomBytes(500);
      const bare = await postForm(form('bare'), body, 'f', { key: 'bare' });
      expect([bare.status, await errorCode(bare)]).toEqual([400, 'InvalidRequest']);
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'bare' })))).$metadata.httpStatusCode).toBe(404);
      const withMd5 = await postForm(form('with-md5'), body, 'f', { key: 'with-md5', 'Content-MD5': md5Base64(body) });
      expect(withMd5.status, await withMd5.clone().text()).toBe(204);
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'with-md5' }))).ObjectLockMode).toBe('GOVERNANCE');
    });

    it('gives a form without checksum fields the default CRC64NVME, as a PutObject', async () => {
      const body = randomBytes(2000);
      const response = await postForm(checksumForm('sum/default'), body, 'f', { key: 'sum/default' });
      expect(response.status, await response.clone().text()).toBe(204);
      const crc64 = new Crc64NvmeJs();
      crc64.update(body);
      const expected = Buffer.from(await crc64.digest()).toString('base64');
      expect(response.headers.get('x-amz-checksum-crc64nvme')).toBe(expected);
      expect(await headChecksums('sum/default')).toEqual({ CRC64NVME: expected });
    });

    it('refuses a checksum or Content-MD5 that does not match (BadDigest) and leaves the key as it was', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sum/existing', Body: 'the original' }));
      for (const size of [1000, 300 * 1024]) {
        const body = randomBytes(size);
        const other = randomBytes(size);
        const wrongCrc = await postForm(checksumForm('sum/existing'), body, 'f', { key: 'sum/existing', 'x-amz-checksum-crc32': checksumBase64('CRC32', other) });
        const text = await wrongCrc.text();
        expect([wrongCrc.status, /<Code>([^<]+)/.exec(text)?.[1]]).toEqual([400, 'BadDigest']);
        expect(text).toContain('The CRC32 you specified did not match the calculated checksum.');
        const wrongSha = await postForm(checksumForm('sum/fresh'), body, 'f', {
          key: 'sum/fresh',
          'x-amz-checksum-algorithm': 'SHA256',
          'x-amz-checksum-sha256': checksumBase64('SHA256', other),
        });
        expect([wrongSha.status, await errorCode(wrongSha)]).toEqual([400, 'BadDigest']);
        const wrongMd5 = await postForm(checksumForm('sum/existing'), body, 'f', { key: 'sum/existing', 'Content-MD5': md5Base64(other) });
        expect([wrongMd5.status, await errorCode(wrongMd5)]).toEqual([400, 'BadDigest']);
      }
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'sum/existing' }));
      expect((await bytesOf(got.Body)).toString()).toBe('the original');
      await absent('sum/fresh');
    });

    it('refuses malformed checksum fields before storing anything (InvalidDigest, InvalidRequest)', async () => {
      const body = Buffer.from('never stored');
      const cases: Array<[Record<string, string>, string, string]> = [
        [{ 'Content-MD5': 'not-an-md5' }, 'InvalidDigest', ''],
        [{ 'x-amz-checksum-crc32': 'abc' }, 'InvalidRequest', 'Value for x-amz-checksum-crc32 header is invalid.'],
        [{ 'x-amz-checksum-crc32': checksumBase64('CRC32', body), 'x-amz-checksum-sha1': checksumBase64('SHA1', body) }, 'InvalidRequest', 'Multiple checksum Types are not allowed.'],
        [{ 'x-amz-checksum-algorithm': 'SHA256', 'x-amz-checksum-crc32': checksumBase64('CRC32', body) }, 'InvalidRequest', 'does not match'],
        [{ 'x-amz-checksum-algorithm': 'MD5' }, 'InvalidRequest', 'Checksum algorithm provided is unsupported.'],
      ];
      for (const [fields, code, message] of cases) {
        const response = await postForm(checksumForm('sum/malformed'), body, 'f', { key: 'sum/malformed', ...fields });
        const text = await response.text();
        expect([response.status, /<Code>([^<]+)/.exec(text)?.[1]], JSON.stringify(fields)).toEqual([400, code]);
        expect(text).toContain(message);
      }
      await absent('sum/malformed');
    });

    it('a checksum field the policy does not name is an extra input field (AccessDenied)', async () => {
      const body = Buffer.from('x');
      const post = signedForm(server, [{ bucket: BUCKET }, ['eq', '$key', 'sum/unnamed']]);
      const response = await postForm(post, body, 'f', { key: 'sum/unnamed', 'x-amz-checksum-crc32': checksumBase64('CRC32', body) });
      expect([response.status, await errorCode(response)]).toEqual([403, 'AccessDenied']);
      await absent('sum/unnamed');
    });
  });
});
