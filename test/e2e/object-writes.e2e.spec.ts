/**
 * Writing objects the way AWS does: conditional PutObject (If-None-Match: *, If-Match),
 * user metadata edge cases and storage classes, and GetObjectAttributes.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import * as http from 'node:http';
import * as net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { CairnServer } from '../helpers/server';
import { signedHeaders, signedRequest } from '../helpers/signed-request';
import { checksumBase64, type ChecksumAlgorithm } from '../../src/infra/http/checksums';
import { boto3 } from '../helpers/cli-tools';
import { serverForTests } from '../helpers/server-for-tests';
import { committedShards } from '../helpers/fault-tools';

const BUCKET = 'writes';
const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

describe('object writes', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });
  /** Every shard the drives hold (in segments or files), drive by drive. */
  const storedShards = () => Promise.all(server.drives.map((drive) => committedShards(drive)));

  it('a PUT without Content-Length (no body, or a chunked one) is 411 MissingContentLength and stores nothing, as AWS', async () => {
    for (const [key, framing] of [['no-length', ''], ['chunked', 'transfer-encoding: chunked\r\n']] as const) {
      const path = `/${BUCKET}/${key}`;
      const headers = await signedHeaders(server, 'PUT', path, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      const head = `PUT ${path} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}${framing}connection: close\r\n\r\n`;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(server.port, '127.0.0.1', () => socket.end(framing ? `${head}3\r\nabc\r\n0\r\n\r\n` : head));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer, key).toMatch(/^HTTP\/1\.1 411 /);
      expect(answer, key).toContain('<Code>MissingContentLength</Code>');
      expect((await signedRequest(server, 'HEAD', path)).status, key).toBe(404);
    }
  });

  it('a PutObject or UploadPart over 5 GiB, or a part without the checksum its upload needs, is refused at once, before its body, storing nothing', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'too-large-part' }));
    const composite = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'needs-checksum', ChecksumAlgorithm: 'SHA256' }));
    const cases = [
      ['too-large', {}, 5 * 1024 ** 3 + 1, 'EntityTooLarge'],
      ['too-large-part', { partNumber: '1', uploadId: UploadId! }, 5 * 1024 ** 3 + 1, 'EntityTooLarge'],
      ['needs-checksum', { partNumber: '1', uploadId: composite.UploadId! }, 64 * 1024 * 1024, 'InvalidRequest'],
    ] as const;
    for (const [key, query, length, code] of cases) {
      const path = `/${BUCKET}/${key}`;
      const headers = await signedHeaders(server, 'PUT', path, { query, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      const search = new URLSearchParams(query).toString();
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request(
          { host: '127.0.0.1', port: server.port, method: 'PUT', path: search ? `${path}?${search}` : path, headers: { ...headers, 'content-length': String(length) } },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        request.on('error', reject);
        request.write(Buffer.alloc(64 * 1024)); // and never the rest: the answer must not wait for it
      });
      expect(answer.status, key).toBe(400);
      expect(answer.body, key).toContain(`<Code>${code}</Code>`);
      if (code === 'EntityTooLarge') expect(answer.body, key).toContain('<MaxSizeAllowed>5368709120</MaxSizeAllowed>');
    }
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/too-large`)).status).toBe(404);
    expect((await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'too-large-part', UploadId }))).Parts ?? []).toEqual([]);
    expect((await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'needs-checksum', UploadId: composite.UploadId }))).Parts ?? []).toEqual([]);
  });

  describe('server-side encryption, which cairn does not do, is refused and stores nothing', () => {
    const key = Buffer.alloc(32, 7);
    const sseC = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': key.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(key).digest('base64'),
    };
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['SSE-C (over plain HTTP)', sseC, 400, 'InvalidRequest'],
      ['SSE-S3', { 'x-amz-server-side-encryption': 'AES256' }, 501, 'NotImplemented'],
      ['SSE-KMS', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'k1' }, 501, 'NotImplemented'],
      ['an unknown algorithm', { 'x-amz-server-side-encryption': 'BOGUS' }, 400, 'InvalidArgument'],
    ];
    it.each(cases)('%s on PutObject and CreateMultipartUpload', async (_name, headers, status, code) => {
      const put = await signedRequest(server, 'PUT', `/${BUCKET}/sse`, { headers, body: Buffer.from('secret') });
      expect([put.status, put.body.toString()]).toEqual([status, expect.stringContaining(`<Code>${code}</Code>`)]);
      const create = await signedRequest(server, 'POST', `/${BUCKET}/sse`, { query: { uploads: '' }, headers });
      expect([create.status, create.body.toString()]).toEqual([status, expect.stringContaining(`<Code>${code}</Code>`)]);
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/sse`)).status).toBe(404);
    });

    it('SSE-C headers on a GET are refused too (the bytes are never served as if decrypted)', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain-for-sse', Body: 'clear' }));
      const get = await signedRequest(server, 'GET', `/${BUCKET}/plain-for-sse`, { headers: sseC });
      expect([get.status, get.body.toString()]).toEqual([400, expect.stringContaining('<Code>InvalidRequest</Code>')]);
    });
  });

  it('a client that hangs up mid-PutObject leaves nothing stored or placed, and no error in the log', async () => {
    const key = 'hung-up';
    const placed = async () => JSON.stringify(await storedShards());
    const before = await placed();
    const headers = await signedHeaders(server, 'PUT', `/${BUCKET}/${key}`);
    const logBefore = server.output.length;
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${BUCKET}/${key}`, headers: { ...headers, 'content-length': String(4 * 1024 * 1024) } });
    request.on('error', () => {}); // the hang-up below
    request.write(randomBytes(2 * 1024 * 1024));
    for (let i = 0; i < 100 && (await placed()) === before; i++) await sleep(20);
    expect(await placed()).not.toBe(before); // the first blocks' shards have places on the drives
    request.destroy();

    // The upload's shards lose their places once it has been aborted; the old code logged its ERROR after that.
    for (let i = 0; i < 100 && (await placed()) !== before; i++) await sleep(50);
    expect(await placed()).toBe(before);
    await sleep(300);
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/${key}`)).status).toBe(404);
    expect(server.output.slice(logBefore)).not.toMatch(/ERROR|aborted/);
  });

  it('a client that hangs up mid-body of a small PutObject (read whole, inline) leaves nothing stored, and no error in the log', async () => {
    const key = 'hung-up-small';
    const headers = await signedHeaders(server, 'PUT', `/${BUCKET}/${key}`);
    const logBefore = server.output.length;
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${BUCKET}/${key}`, headers: { ...headers, 'content-length': '8192' } });
    request.on('error', () => {}); // the hang-up below
    request.write(randomBytes(1000));
    await sleep(200);
    request.destroy();
    await sleep(300);
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/${key}`)).status).toBe(404);
    expect(server.output.slice(logBefore)).not.toMatch(/ERROR|aborted/);
  });

  it.each([
    ['small (read whole, inline)', 8192, 1000],
    ['large (streamed into shards)', 4 * 1024 * 1024, 2 * 1024 * 1024],
  ])('a client that ends its side of the connection mid-body of a %s PutObject is answered 400 IncompleteBody, and nothing is stored or placed', async (_kind, declared, sent) => {
    const key = `half-closed-${declared}`;
    const placed = async () => JSON.stringify(await storedShards());
    const before = await placed();
    const headers = await signedHeaders(server, 'PUT', `/${BUCKET}/${key}`);
    const logBefore = server.output.length;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        const head = Object.entries({ ...headers, 'content-length': String(declared) }).map(([n, v]) => `${n}: ${v}\r\n`).join('');
        socket.write(`PUT /${BUCKET}/${key} HTTP/1.1\r\n${head}\r\n`);
        socket.write(randomBytes(sent), () => setTimeout(() => socket.end(), 200)); // FIN: no more bytes, still reading
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nx-amz-request-id: [0-9A-F]{16}\r\n/);
    expect(answer).toContain('<Code>IncompleteBody</Code>');
    for (let i = 0; i < 100 && (await placed()) !== before; i++) await sleep(50);
    expect(await placed()).toBe(before);
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/${key}`)).status).toBe(404);
    expect(server.output.slice(logBefore)).not.toMatch(/ERROR/);
  });

  describe('x-amz-sdk-checksum-algorithm must name the checksum the request carries, as AWS requires', () => {
    const body = Buffer.from('checked body');
    const crc32 = { 'x-amz-checksum-crc32': checksumBase64('CRC32', body) };
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no checksum at all', { 'x-amz-sdk-checksum-algorithm': 'CRC32' }, 'x-amz-sdk-checksum-algorithm specified, but no corresponding'],
      ['a checksum of another algorithm', { 'x-amz-sdk-checksum-algorithm': 'SHA256', ...crc32 }, 'Value for x-amz-sdk-checksum-algorithm header is invalid.'],
      ['an unknown algorithm', { 'x-amz-sdk-checksum-algorithm': 'MD5', ...crc32 }, 'Value for x-amz-sdk-checksum-algorithm header is invalid.'],
      [
        'a trailer of another algorithm',
        { 'x-amz-sdk-checksum-algorithm': 'CRC32C', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' },
        'Value for x-amz-sdk-checksum-algorithm header is invalid.',
      ],
      [
        'a trailer announced on a body that carries none',
        { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-trailer': 'x-amz-checksum-crc32' },
        'x-amz-sdk-checksum-algorithm specified, but no corresponding',
      ],
    ];
    it.each(cases)('%s: 400 InvalidRequest and nothing stored', async (_name, headers, message) => {
      const put = await signedRequest(server, 'PUT', `/${BUCKET}/sdk-checksum`, { headers, body });
      expect([put.status, put.body.toString()]).toEqual([400, expect.stringContaining('<Code>InvalidRequest</Code>')]);
      expect(put.body.toString()).toContain(message);
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/sdk-checksum`)).status).toBe(404);
    });

    it('the named checksum in a header (any letter case) is accepted and stored', async () => {
      const put = await signedRequest(server, 'PUT', `/${BUCKET}/sdk-checksum-ok`, { headers: { 'x-amz-sdk-checksum-algorithm': 'crc32', ...crc32 }, body });
      expect(put.status, put.body.toString()).toBe(200);
      const head = await signedRequest(server, 'HEAD', `/${BUCKET}/sdk-checksum-ok`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      expect(head.headers['x-amz-checksum-crc32']).toBe(crc32['x-amz-checksum-crc32']);
    });
  });

  describe('x-amz-trailer announces one checksum, as AWS requires', () => {
    const body = Buffer.from('trailed body');
    const crc32 = checksumBase64('CRC32', body);
    const crc32c = checksumBase64('CRC32C', body);
    /** An unsigned aws-chunked PUT of `body` in one chunk, with `trailers` after it. */
    const chunkedPut = (key: string, announced: string, trailers: Array<[string, string]>, headers: Record<string, string> = {}) =>
      signedRequest(server, 'PUT', `/${BUCKET}/${key}`, {
        headers: {
          'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(body.length),
          'x-amz-trailer': announced,
          ...headers,
        },
        body: Buffer.concat([
          Buffer.from(`${body.length.toString(16)}\r\n`),
          body,
          Buffer.from(`\r\n0\r\n${trailers.map(([name, value]) => `${name}:${value}\r\n`).join('')}\r\n`),
        ]),
      });

    it('one checksum trailer is verified and stored', async () => {
      const put = await chunkedPut('trailed-ok', 'x-amz-checksum-crc32', [['x-amz-checksum-crc32', crc32]]);
      expect(put.status, put.body.toString()).toBe(200);
      const head = await signedRequest(server, 'HEAD', `/${BUCKET}/trailed-ok`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      expect(head.headers['x-amz-checksum-crc32']).toBe(crc32);
    });

    const refusals: Array<[string, () => ReturnType<typeof chunkedPut>, string]> = [
      ['a trailer that is not a checksum', () => chunkedPut('trailed', 'x-amz-meta-note', [['x-amz-meta-note', 'hello']]), 'The value specified in the x-amz-trailer header is not supported'],
      [
        'two checksum trailers',
        () => chunkedPut('trailed', 'x-amz-checksum-crc32,x-amz-checksum-crc32c', [['x-amz-checksum-crc32', crc32], ['x-amz-checksum-crc32c', crc32c]]),
        'Multiple checksum Types are not allowed',
      ],
      [
        'a checksum header besides the trailer',
        () => chunkedPut('trailed', 'x-amz-checksum-crc32', [['x-amz-checksum-crc32', crc32]], { 'x-amz-checksum-crc32c': crc32c }),
        'Multiple checksum Types are not allowed',
      ],
    ];
    it.each(refusals)('%s: 400 InvalidRequest and nothing stored', async (_name, send, message) => {
      const put = await send();
      expect([put.status, put.body.toString()]).toEqual([400, expect.stringContaining('<Code>InvalidRequest</Code>')]);
      expect(put.body.toString()).toContain(message);
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/trailed`)).status).toBe(404);
    });
  });

  describe('conditional PutObject', () => {
    it('If-None-Match: * creates a new key, then is 412 PreconditionFailed and leaves the object alone', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
      const error = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once', Body: 'second', IfNoneMatch: '*' })));
      expect(error.name).toBe('PreconditionFailed');
      expect(error.$metadata.httpStatusCode).toBe(412);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'once' }));
      expect((await bytesOf(got.Body)).toString()).toBe('first');
    });

    it('If-None-Match: * on a large (sharded) body is refused too', async () => {
      const body = randomBytes(200 * 1024);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once-big', Body: body, IfNoneMatch: '*' }));
      const error = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'once-big', Body: randomBytes(200 * 1024), IfNoneMatch: '*' })));
      expect(error.name).toBe('PreconditionFailed');
      expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'once-big' }))).Body)).equals(body)).toBe(true);
    });

    it('of racing If-None-Match: * writers exactly one wins, and the object is the winner’s', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`writer ${i} `.repeat(100 + i)));
      const results = await Promise.allSettled(bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'race', Body, IfNoneMatch: '*' }))));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).name).toBe('PreconditionFailed');
      const got = await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'race' }))).Body);
      expect(got.equals(bodies[winners[0]])).toBe(true);
    });

    it('If-Match replaces the object when the ETag matches, 412 when it differs, 404 NoSuchKey when there is none', async () => {
      const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v1' }));
      const second = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v2', IfMatch: first.ETag }));
      expect(second.ETag).toBe(md5(Buffer.from('v2')));
      const stale = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas', Body: 'v3', IfMatch: first.ETag })));
      expect(stale.name).toBe('PreconditionFailed');
      const missing = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'nothing-here', Body: 'x', IfMatch: first.ETag })));
      expect(missing.name).toBe('NoSuchKey');
      expect(missing.$metadata.httpStatusCode).toBe(404);
      expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cas' }))).Body)).toString()).toBe('v2');
    });

    it('If-None-Match with an ETag (not *) is 501 NotImplemented on a write', async () => {
      const response = await signedRequest(server, 'PUT', `/${BUCKET}/etag-none-match`, { headers: { 'if-none-match': '"abc"' }, body: Buffer.from('x') });
      expect(response.status).toBe(501);
      expect(response.body.toString()).toContain('<Code>NotImplemented</Code>');
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/etag-none-match`)).status).toBe(404);
    });
  });

  describe('user metadata and storage class', () => {
    it('stores the system headers (Content-Type, -Encoding, -Disposition, -Language, Cache-Control, Expires) and returns them on GET and HEAD', async () => {
      const expires = new Date('2031-02-03T04:05:06Z');
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'system-headers',
          Body: 'x',
          ContentType: 'text/csv; charset=utf-8',
          ContentEncoding: 'identity',
          ContentDisposition: 'attachment; filename="report.csv"',
          ContentLanguage: 'de-CH',
          CacheControl: 'max-age=60, private',
          Expires: expires,
        }),
      );
      for (const read of [
        await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'system-headers' })),
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'system-headers' })),
      ]) {
        expect([read.ContentType, read.ContentEncoding, read.ContentDisposition, read.ContentLanguage, read.CacheControl, read.Expires?.toISOString()]).toEqual([
          'text/csv; charset=utf-8',
          'identity',
          'attachment; filename="report.csv"',
          'de-CH',
          'max-age=60, private',
          expires.toISOString(),
        ]);
      }
    });

    it('does not store an empty system header: the object reads as if it had not been sent (boto3 included)', async () => {
      const empty = { 'content-type': '', expires: '', 'content-language': '', 'cache-control': '', 'content-disposition': '', 'content-encoding': '' };
      const put = await signedRequest(server, 'PUT', `/${BUCKET}/empty-headers`, { headers: empty, body: Buffer.from('x') });
      expect(put.status).toBe(200);
      const head = await signedRequest(server, 'HEAD', `/${BUCKET}/empty-headers`);
      expect(head.headers['content-type']).toBe('binary/octet-stream');
      for (const name of Object.keys(empty).filter((name) => name !== 'content-type')) expect(head.headers[name], name).toBeUndefined();
      const read = await boto3(server, `r = s3.head_object(Bucket='${BUCKET}', Key='empty-headers')\nprint(r['ContentType'], r['ContentLength'], 'Expires' in r)`);
      expect([read.code, read.stdout.trim()]).toEqual([0, 'binary/octet-stream 1 False']);
    });

    it('folds metadata names to lowercase', async () => {
      const response = await signedRequest(server, 'PUT', `/${BUCKET}/meta-case`, { headers: { 'X-Amz-Meta-Camera-Model': 'X100V' }, body: Buffer.from('x') });
      expect(response.status).toBe(200);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta-case' }));
      expect(head.Metadata).toEqual({ 'camera-model': 'X100V' });
    });

    it('drops a metadata header with an empty name (x-amz-meta-) and keeps the others', async () => {
      const response = await signedRequest(server, 'PUT', `/${BUCKET}/meta-empty-name`, { headers: { 'x-amz-meta-': 'nameless', 'x-amz-meta-kept': 'yes' }, body: Buffer.from('x') });
      expect(response.status).toBe(200);
      const head = await signedRequest(server, 'HEAD', `/${BUCKET}/meta-empty-name`);
      expect(head.headers['x-amz-meta-']).toBeUndefined();
      expect(head.headers['x-amz-meta-kept']).toBe('yes');
    });

    it('stores RFC 2047 encoded non-ASCII values decoded and returns them encoded as =?UTF-8?B?...?=', async () => {
      const encoded = `=?UTF-8?B?${Buffer.from('café ☕').toString('base64')}?=`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'meta-utf8', Body: 'x', Metadata: { drink: encoded, plain: 'ascii' } }));
      const head = await signedRequest(server, 'HEAD', `/${BUCKET}/meta-utf8`);
      expect(head.headers['x-amz-meta-drink']).toBe(encoded);
      expect(head.headers['x-amz-meta-plain']).toBe('ascii');
      const qEncoded = '=?utf-8?Q?caf=C3=A9?=';
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'meta-q', Body: 'x', Metadata: { drink: qEncoded } }));
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/meta-q`)).headers['x-amz-meta-drink']).toBe(`=?UTF-8?B?${Buffer.from('café').toString('base64')}?=`);
    });

    it('refuses user metadata over 2 KB as MetadataTooLarge and accepts exactly 2 KB', async () => {
      const error = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'meta-big', Body: 'x', Metadata: { big: 'v'.repeat(2046) } })));
      expect(error.name).toBe('MetadataTooLarge');
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'meta-big', Body: 'x', Metadata: { big: 'v'.repeat(2045) } }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta-big' }))).Metadata?.big).toHaveLength(2045);
    });

    it('accepts x-amz-storage-class STANDARD and refuses an unknown class as InvalidStorageClass', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'standard', Body: 'x', StorageClass: 'STANDARD' }));
      const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'standard', ObjectAttributes: ['StorageClass'] }));
      expect(attributes.StorageClass).toBe('STANDARD');
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'standard' }))).StorageClass).toBeUndefined(); // AWS names only other classes
      const response = await signedRequest(server, 'PUT', `/${BUCKET}/bogus-class`, { headers: { 'x-amz-storage-class': 'SUPER_FAST' }, body: Buffer.from('x') });
      expect(response.status).toBe(400);
      expect(response.body.toString()).toContain('<Code>InvalidStorageClass</Code>');
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/bogus-class`)).status).toBe(404);
    });

    it('stores REDUCED_REDUNDANCY objects and reports the class on HEAD, GET, listings and attributes', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rrs/single', Body: 'reduced', StorageClass: 'REDUCED_REDUNDANCY' }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'rrs/single' }))).StorageClass).toBe('REDUCED_REDUNDANCY');
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'rrs/single' }));
      expect(got.StorageClass).toBe('REDUCED_REDUNDANCY');
      expect(await got.Body!.transformToString()).toBe('reduced');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'rrs/' }));
      expect(listed.Contents?.map((c) => [c.Key, c.StorageClass])).toEqual([['rrs/single', 'REDUCED_REDUNDANCY']]);
      const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'rrs/single', ObjectAttributes: ['StorageClass'] }));
      expect(attributes.StorageClass).toBe('REDUCED_REDUNDANCY');
    });

    it("stores AWS's instant-access classes (STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR) and reports each as written", async () => {
      const classes = ['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const;
      for (const StorageClass of classes) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `classes/${StorageClass}`, Body: StorageClass, StorageClass }));
        const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `classes/${StorageClass}` }));
        expect([got.StorageClass, await got.Body!.transformToString()]).toEqual([StorageClass, StorageClass]);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'classes/' }));
      expect(listed.Contents?.map((c) => c.StorageClass)).toEqual([...classes].sort());
    });

    it("refuses the archive classes, whose objects AWS serves only after a restore, and stores nothing", async () => {
      for (const StorageClass of ['GLACIER', 'DEEP_ARCHIVE'] as const) {
        const error = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'archive', Body: 'x', StorageClass })));
        expect(error.name).toBe('InvalidStorageClass');
      }
      expect((await signedRequest(server, 'HEAD', `/${BUCKET}/archive`)).status).toBe(404);
      const created = await s3ErrorOf(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'archive', StorageClass: 'GLACIER' })));
      expect(created.name).toBe('InvalidStorageClass');
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'archive' }));
      expect(uploads.Uploads ?? []).toEqual([]);
    });

    it('a multipart upload keeps the class it was created with', async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'rrs/multipart', StorageClass: 'REDUCED_REDUNDANCY' }));
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'rrs/multipart' }));
      expect(uploads.Uploads?.map((u) => u.StorageClass)).toEqual(['REDUCED_REDUNDANCY']);
      const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'rrs/multipart', UploadId, PartNumber: 1, Body: 'one part' }));
      await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'rrs/multipart', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
      );
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'rrs/multipart' }))).StorageClass).toBe('REDUCED_REDUNDANCY');
    });

    it('CopyObject takes x-amz-storage-class (STANDARD when absent), and a copy onto itself may change only the class', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rrs/source', Body: 'copied' }));
      await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'rrs/copy', CopySource: `${BUCKET}/rrs/source`, StorageClass: 'REDUCED_REDUNDANCY' }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'rrs/copy' }))).StorageClass).toBe('REDUCED_REDUNDANCY');
      await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'rrs/copy-of-copy', CopySource: `${BUCKET}/rrs/copy` }));
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'rrs/copy-of-copy' }))).StorageClass).toBeUndefined();

      await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'rrs/source', CopySource: `${BUCKET}/rrs/source`, StorageClass: 'REDUCED_REDUNDANCY' }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'rrs/source' }));
      expect(head.StorageClass).toBe('REDUCED_REDUNDANCY');
      const unchanged = await s3ErrorOf(
        s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'rrs/source', CopySource: `${BUCKET}/rrs/source`, StorageClass: 'REDUCED_REDUNDANCY' })),
      );
      expect(unchanged.name).toBe('InvalidRequest');
      expect(await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'rrs/source' }))).Body)).toEqual(Buffer.from('copied'));
    });
  });

  describe('conditional writes that meet a conflicting operation: 409 ConditionalRequestConflict', () => {
    const stagedShards = () =>
      server.drives.flatMap((drive) => readdirSync(drive, { recursive: true, encoding: 'utf8' }).filter((p) => p.split('/').includes('tmp') && p.endsWith('.shard')));
    /**
     * Whether the first block of `body` has reached a drive: in a staged shard file, or in a
     * segment file (data shard 0 of block 0 is the body's first bytes, as they are).
     */
    const bodyReachedDrives = (body: Buffer) =>
      stagedShards().length > 0 ||
      server.drives.some((drive) =>
        readdirSync(path.join(drive, 'segments'), { withFileTypes: true }).some((f) => f.isFile() && readFileSync(path.join(drive, 'segments', f.name)).includes(body.subarray(0, 256))),
      );

    /**
     * Starts a PUT with If-Match whose last byte is held back; once the server has checked the
     * condition and written the first blocks' shards, `meanwhile` runs, then the last byte goes.
     * Resolves with the answer.
     */
    async function putWhileSomethingHappens(bucket: string, key: string, ifMatch: string, meanwhile: () => Promise<unknown>) {
      const body = randomBytes(3 * 1024 * 1024);
      const headers = await signedHeaders(server, 'PUT', `/${bucket}/${key}`, { headers: { 'if-match': ifMatch } });
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${bucket}/${key}`, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        request.on('error', reject);
        request.write(body.subarray(0, body.length - 1));
        void (async () => {
          for (let i = 0; i < 200 && !bodyReachedDrives(body); i++) await sleep(25);
          expect(bodyReachedDrives(body)).toBe(true); // the condition was checked: the body is being written
          await meanwhile();
          request.end(body.subarray(body.length - 1));
        })().catch(reject);
      });
      return answer;
    }

    it('an If-Match PUT whose object is deleted while its body arrives is 409 and stores nothing', async () => {
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'conflict', Body: 'version one' }));
      const before = await storedShards();
      const response = await putWhileSomethingHappens(BUCKET, 'conflict', put.ETag!, () => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'conflict' })));
      expect(response.status, response.body).toBe(409);
      expect(response.body).toContain('<Code>ConditionalRequestConflict</Code>');
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'conflict' })))).name).toBe('NotFound');
      expect(stagedShards()).toEqual([]);
      expect(await storedShards()).toEqual(before);
    });

    it('on a versioned bucket a delete marker written meanwhile is a conflict too; an overwrite meanwhile is 412', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'writes-versioned' }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: 'writes-versioned', VersioningConfiguration: { Status: 'Enabled' } }));
      const put = await s3.send(new PutObjectCommand({ Bucket: 'writes-versioned', Key: 'k', Body: 'one' }));
      const marked = await putWhileSomethingHappens('writes-versioned', 'k', put.ETag!, () => s3.send(new DeleteObjectCommand({ Bucket: 'writes-versioned', Key: 'k' })));
      expect([marked.status, /<Code>([^<]+)/.exec(marked.body)?.[1]]).toEqual([409, 'ConditionalRequestConflict']);

      const again = await s3.send(new PutObjectCommand({ Bucket: 'writes-versioned', Key: 'k', Body: 'two' }));
      const overwritten = await putWhileSomethingHappens('writes-versioned', 'k', again.ETag!, () => s3.send(new PutObjectCommand({ Bucket: 'writes-versioned', Key: 'k', Body: 'three' })));
      expect([overwritten.status, /<Code>([^<]+)/.exec(overwritten.body)?.[1]]).toEqual([412, 'PreconditionFailed']);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'writes-versioned', Key: 'k' }));
      expect((await bytesOf(got.Body)).toString()).toBe('three');
    });
  });

  describe('conditional CompleteMultipartUpload', () => {
    async function uploadOnePart(key: string) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
      const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: `part of ${key}` }));
      return { UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } };
    }

    it('If-None-Match: * completes a new key, and is 412 once the key was written during the upload (the upload stays)', async () => {
      const first = await uploadOnePart('mp-once');
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-once', ...first, IfNoneMatch: '*' }));
      const second = await uploadOnePart('mp-once');
      const error = await s3ErrorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-once', ...second, IfNoneMatch: '*' })));
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
      expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp-once' }))).Body)).toString()).toBe('part of mp-once');
      // Not completed, so still there to complete without the condition.
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-once', ...second }));
    });

    it('If-Match completes over the object with that ETag only; no object is NoSuchKey', async () => {
      const current = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'mp-swap', Body: 'current' }));
      const stale = await uploadOnePart('mp-swap');
      const mismatch = await s3ErrorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-swap', ...stale, IfMatch: '"0123456789abcdef0123456789abcdef"' })));
      expect(mismatch.name).toBe('PreconditionFailed');
      expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp-swap' }))).Body)).toString()).toBe('current');
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-swap', ...stale, IfMatch: current.ETag }));
      expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'mp-swap' }))).Body)).toString()).toBe('part of mp-swap');

      const absent = await uploadOnePart('mp-absent');
      const missing = await s3ErrorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp-absent', ...absent, IfMatch: current.ETag })));
      expect(missing.name).toBe('NoSuchKey');
    });
  });

  describe('PutObject checksums: x-amz-checksum-* headers and Content-MD5', () => {
    const ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
    const put = (key: string, body: Buffer, headers: Record<string, string>) => signedRequest(server, 'PUT', `/${BUCKET}/${key}`, { body, headers });
    const codeOf = (response: { body: Buffer }) => /<Code>([^<]+)/.exec(response.body.toString())?.[1];

    it('verifies and stores each algorithm’s checksum, returned on GET and HEAD with x-amz-checksum-mode ENABLED only', async () => {
      for (const algorithm of ALGORITHMS) {
        // The SHAs over a body large enough to be hashed on a worker thread (digest-workers.ts).
        const body = randomBytes(algorithm.startsWith('SHA') ? 5 * 1024 * 1024 : 1000);
        const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
        const value = checksumBase64(algorithm, body);
        const response = await put(`sum/${algorithm}`, body, { [name]: value, 'content-md5': createHash('md5').update(body).digest('base64') });
        expect(response.status, response.body.toString()).toBe(200);
        expect([response.headers[name], response.headers['x-amz-checksum-type']]).toEqual([value, 'FULL_OBJECT']);
        const enabled = await signedRequest(server, 'HEAD', `/${BUCKET}/sum/${algorithm}`, { headers: { 'x-amz-checksum-mode': 'ENABLED' } });
        expect([enabled.headers[name], enabled.headers['x-amz-checksum-type']]).toEqual([value, 'FULL_OBJECT']);
        const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `sum/${algorithm}`, ChecksumMode: 'ENABLED' }));
        expect((await bytesOf(got.Body)).equals(body)).toBe(true);
        const plain = await signedRequest(server, 'HEAD', `/${BUCKET}/sum/${algorithm}`);
        expect(plain.headers[name]).toBeUndefined();
      }
    });

    it('refuses a mismatched checksum or Content-MD5 with BadDigest, and malformed ones with InvalidRequest / InvalidDigest, leaving the key as it was', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sum/kept', Body: 'kept' }));
      // Inline, in shard files, and large enough to be hashed on a worker thread (digest-workers.ts).
      for (const size of [1000, 200 * 1024, 5 * 1024 * 1024]) {
        const body = randomBytes(size);
        const other = randomBytes(size);
        const wrong = await put('sum/kept', body, { 'x-amz-checksum-sha256': checksumBase64('SHA256', other) });
        expect([wrong.status, codeOf(wrong)]).toEqual([400, 'BadDigest']);
        expect(wrong.body.toString()).toContain('The SHA256 you specified did not match the calculated checksum.');
        const wrongMd5 = await put('sum/kept', body, { 'content-md5': createHash('md5').update(other).digest('base64') });
        expect([wrongMd5.status, codeOf(wrongMd5)]).toEqual([400, 'BadDigest']);
      }
      const body = Buffer.from('x');
      const cases: Array<[Record<string, string>, string]> = [
        [{ 'content-md5': 'nope' }, 'InvalidDigest'],
        [{ 'x-amz-checksum-crc64nvme': checksumBase64('CRC32', body) }, 'InvalidRequest'],
        [{ 'x-amz-checksum-crc32': checksumBase64('CRC32', body), 'x-amz-checksum-crc32c': checksumBase64('CRC32C', body) }, 'InvalidRequest'],
        [{ 'x-amz-checksum-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' }, 'InvalidRequest'],
      ];
      for (const [headers, code] of cases) {
        const response = await put('sum/kept', body, headers);
        expect([response.status, codeOf(response)], JSON.stringify(headers)).toEqual([400, code]);
      }
      expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'sum/kept' }))).Body)).toString()).toBe('kept');
    });
  });

  describe('GetObjectAttributes', () => {
    it('returns ETag (unquoted), Checksum, StorageClass and ObjectSize, and no ObjectParts for a single-part object', async () => {
      const body = randomBytes(150 * 1024);
      const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'attrs', Body: body, ChecksumAlgorithm: 'SHA256' }));
      const attributes = await s3.send(
        new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attrs', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] }),
      );
      expect(attributes.ETag).toBe(put.ETag!.replace(/"/g, ''));
      expect(attributes.Checksum?.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'));
      expect(attributes.ObjectParts).toBeUndefined();
      expect(attributes.StorageClass).toBe('STANDARD');
      expect(attributes.ObjectSize).toBe(body.length);
      expect(attributes.LastModified).toBeInstanceOf(Date);
    });

    it('returns only what was asked for, in a GetObjectAttributesResponse document', async () => {
      const response = await signedRequest(server, 'GET', `/${BUCKET}/attrs`, { query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ObjectSize' } });
      expect(response.status).toBe(200);
      const xml = response.body.toString();
      expect(xml).toMatch(/<GetObjectAttributesResponse xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/"><ObjectSize>153600<\/ObjectSize><\/GetObjectAttributesResponse>$/);
    });

    /** Uploads the parts (numbered as given) and completes with all of them. */
    /**
     * A multipart object whose checksum is the COMPOSITE CRC32 of its upload, or none at all: an
     * upload created without an algorithm whose parts came with SHA-256s, which cannot be combined.
     */
    async function multipartObject(key: string, parts: ReadonlyMap<number, Buffer>, checksum: boolean): Promise<CompletedPart[]> {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ...(checksum ? { ChecksumAlgorithm: 'CRC32' } : {}) }));
      const completed: CompletedPart[] = [];
      for (const [PartNumber, Body] of parts) {
        const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber, Body, ChecksumAlgorithm: checksum ? 'CRC32' : 'SHA256' }));
        completed.push({ PartNumber, ETag: part.ETag, ...(checksum ? { ChecksumCRC32: part.ChecksumCRC32 } : {}) });
      }
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
      return completed;
    }

    const crc32 = (b: Buffer) => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(zlib.crc32(b) >>> 0);
      return out;
    };

    it('lists a multipart object’s parts (number, size, checksum) a page at a time, with the composite checksum', async () => {
      const MiB = 1024 * 1024;
      const parts = new Map([
        [1, randomBytes(5 * MiB)],
        [2, randomBytes(5 * MiB + 3)],
        [4, randomBytes(5 * MiB)],
        [7, randomBytes(1234)],
      ]);
      const completed = await multipartObject('mp-attrs', parts, true);
      const attributes = (marker?: string, max?: number) =>
        s3.send(
          new GetObjectAttributesCommand({
            Bucket: BUCKET,
            Key: 'mp-attrs',
            ObjectAttributes: ['Checksum', 'ObjectParts', 'ObjectSize'],
            ...(marker !== undefined ? { PartNumberMarker: marker } : {}),
            ...(max !== undefined ? { MaxParts: max } : {}),
          }),
        );
      const expectedParts = [...parts].map(([PartNumber, body]) => ({ PartNumber, Size: body.length, ChecksumCRC32: crc32(body).toString('base64') }));
      expect(completed.map((p) => p.ChecksumCRC32)).toEqual(expectedParts.map((p) => p.ChecksumCRC32));

      const all = await attributes();
      expect(all.ObjectSize).toBe([...parts.values()].reduce((n, b) => n + b.length, 0));
      // The checksum of the parts' checksums, without the "-4" a HEAD shows.
      expect(all.Checksum).toEqual({ ChecksumCRC32: crc32(Buffer.concat([...parts.values()].map(crc32))).toString('base64'), ChecksumType: 'COMPOSITE' });
      expect(all.ObjectParts).toEqual({ TotalPartsCount: 4, PartNumberMarker: '0', NextPartNumberMarker: '7', MaxParts: 1000, IsTruncated: false, Parts: expectedParts });

      const first = await attributes(undefined, 2);
      expect(first.ObjectParts).toEqual({ TotalPartsCount: 4, PartNumberMarker: '0', NextPartNumberMarker: '2', MaxParts: 2, IsTruncated: true, Parts: expectedParts.slice(0, 2) });
      const second = await attributes(first.ObjectParts!.NextPartNumberMarker, 2);
      expect(second.ObjectParts).toEqual({ TotalPartsCount: 4, PartNumberMarker: '2', NextPartNumberMarker: '7', MaxParts: 2, IsTruncated: false, Parts: expectedParts.slice(2) });
      // A marker between part numbers starts at the next part; past the last one, the page is empty.
      const fromThree = await attributes('3', 1);
      expect(fromThree.ObjectParts?.Parts).toEqual([expectedParts[2]]);
      expect(fromThree.ObjectParts?.IsTruncated).toBe(true);
      const past = await attributes('7');
      expect(past.ObjectParts).toEqual({ TotalPartsCount: 4, PartNumberMarker: '7', MaxParts: 1000, IsTruncated: false });
    });

    it('gives only PartsCount for a multipart object without a checksum of the whole (as AWS general purpose buckets do)', async () => {
      await multipartObject('mp-plain', new Map([[1, randomBytes(5 * 1024 * 1024)], [2, randomBytes(10)]]), false);
      const attributes = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'mp-plain', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts'] }));
      expect(attributes.ObjectParts).toEqual({ TotalPartsCount: 2 });
      expect(attributes.Checksum).toBeUndefined();
      expect(attributes.ETag).toMatch(/^[0-9a-f]{32}-2$/);
      const response = await signedRequest(server, 'GET', `/${BUCKET}/mp-plain`, { query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ObjectParts' } });
      expect(response.body.toString()).toMatch(/<GetObjectAttributesResponse xmlns="[^"]+"><ObjectParts><PartsCount>2<\/PartsCount><\/ObjectParts><\/GetObjectAttributesResponse>$/);
    });

    it('refuses an x-amz-max-parts or x-amz-part-number-marker that is not a count', async () => {
      for (const [name, value] of [
        ['x-amz-max-parts', 'many'],
        ['x-amz-max-parts', '-1'],
        ['x-amz-part-number-marker', '99999999999'],
      ]) {
        const response = await signedRequest(server, 'GET', `/${BUCKET}/mp-plain`, { query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ObjectParts', [name]: value } });
        expect(response.status).toBe(400);
        expect(response.body.toString()).toContain('<Code>InvalidArgument</Code>');
        expect(response.body.toString()).toContain(`<ArgumentName>${name}</ArgumentName>`);
      }
    });

    it('refuses a missing or unknown attribute list, and answers NoSuchKey for a missing key', async () => {
      const missing = await signedRequest(server, 'GET', `/${BUCKET}/attrs`, { query: { attributes: '' } });
      expect(missing.status).toBe(400);
      expect(missing.body.toString()).toContain('<Code>InvalidRequest</Code>');
      const unknown = await signedRequest(server, 'GET', `/${BUCKET}/attrs`, { query: { attributes: '' }, headers: { 'x-amz-object-attributes': 'ETag,Colour' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.toString()).toContain('<Code>InvalidArgument</Code>');
      const error = await s3ErrorOf(s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'nope', ObjectAttributes: ['ETag'] })));
      expect(error.name).toBe('NoSuchKey');
    });
  });
});
