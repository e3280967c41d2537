/**
 * A request refused before or while its (large) body is read: the client gets the S3 error,
 * not EPIPE or a reset, and a keep-alive connection carries the next request. Refused before
 * the body: a missing bucket. Refused halfway: aws-chunked framing broken after 1 MiB.
 * Refused at the end: a wrong Content-MD5 or x-amz-content-sha256. With Expect: 100-continue
 * the refusal comes instead of 100 Continue, and the body is never sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { CairnServer } from '../helpers/server';
import { signedHeaders, signedRequest } from '../helpers/signed-request';
import { serverForTests } from '../helpers/server-for-tests';

const BUCKET = 'refusals';
const MiB = 1024 * 1024;

interface Answer {
  status: number;
  code: string | undefined;
  connection: string | undefined;
  /** The request went on a connection an earlier request used. */
  reused: boolean;
  /** The server sent 100 Continue. */
  continued: boolean;
}

/**
 * Every connection a request of this file went on. Node's `request.reusedSocket` cannot say
 * it: a request queued for the agent's one socket (the previous request was still writing its
 * body when its answer ended, as happens on a busy machine) is handed that socket without
 * being marked reused.
 */
const usedSockets = new WeakSet<object>();

/** A signed PUT of `body` (UNSIGNED-PAYLOAD unless `headers` say otherwise). */
async function put(server: CairnServer, key: string, body: Buffer, options: { agent: http.Agent | false; headers?: Record<string, string>; expectContinue?: boolean }): Promise<Answer> {
  const path = `/${key.startsWith('/') ? key.slice(1) : `${BUCKET}/${key}`}`;
  const signed = await signedHeaders(server, 'PUT', path, { headers: options.headers ?? {} });
  delete signed.host;
  const headers = { ...signed, 'content-length': String(body.length), ...(options.expectContinue ? { expect: '100-continue' } : {}) };
  return new Promise((resolve, reject) => {
    let continued = false;
    let answered = false;
    let reused = false;
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path, headers, agent: options.agent }, (response) => {
      let text = '';
      response.on('data', (d: Buffer) => (text += d.toString()));
      response.on('end', () => {
        answered = true;
        resolve({
          status: response.statusCode!,
          code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1],
          connection: response.headers.connection,
          reused,
          continued,
        });
        // Refused instead of 100 Continue: the body was never sent, and never will be. (Not
        // `!request.writableFinished`: a body sent in full may not have emitted 'finish' yet when
        // the answer ends, and destroying it then closes a connection the next request should reuse.)
        if (options.expectContinue && !continued) request.destroy();
      });
    });
    request.on('socket', (socket) => {
      reused = usedSockets.has(socket);
      usedSockets.add(socket);
    });
    request.on('error', (error) => answered || reject(error));
    if (options.expectContinue) {
      request.on('continue', () => {
        continued = true;
        request.end(body);
      });
      request.flushHeaders();
    } else {
      request.end(body);
    }
  });
}

/** An aws-chunked body (STREAMING-UNSIGNED-PAYLOAD-TRAILER) whose chunk header after `breakAt` bytes is garbage. */
function brokenChunkedBody(data: Buffer, chunkSize: number, breakAt: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const chunk = data.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${i === breakAt ? 'zz' : chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('refused request bodies', () => {
  let server: CairnServer;
  let s3: S3Client;
  /** One keep-alive connection for all requests that use it, as SDKs pool them. */
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });
  afterAll(() => agent.destroy());

  it('refused before the body is read: the error, then the next request on the same connection', async () => {
    const body = randomBytes(8 * MiB);
    expect(await put(server, '/no-such-bucket/key', body, { agent })).toMatchObject({ status: 404, code: 'NoSuchBucket', connection: 'keep-alive' });
    expect(await put(server, 'after-early', Buffer.from('next'), { agent })).toMatchObject({ status: 200, reused: true });
    // A client that closes after each request (as AWS SDKs do for Expect: 100-continue) still
    // gets the answer: it comes once the body is in, not while the client is writing it.
    for (let i = 0; i < 3; i++) {
      expect(await put(server, '/no-such-bucket/key', body, { agent: false, headers: { connection: 'close' } })).toMatchObject({ status: 404, code: 'NoSuchBucket' });
    }
  });

  it('with Expect: 100-continue, refused before the body: the final status instead of 100 Continue, and no body sent', async () => {
    const body = randomBytes(8 * MiB);
    expect(await put(server, '/no-such-bucket/key', body, { agent: false, expectContinue: true })).toMatchObject({
      status: 404,
      code: 'NoSuchBucket',
      continued: false,
    });
    // Accepted: 100 Continue once the body is read.
    expect(await put(server, 'expected', body, { agent, expectContinue: true })).toMatchObject({ status: 200, continued: true });
  });

  it('refused halfway through the body: the error, then the next request on the same connection', async () => {
    const data = randomBytes(6 * MiB);
    const headers = {
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    const answer = await put(server, 'halfway', brokenChunkedBody(data, 64 * 1024, 1 * MiB), { agent, headers });
    expect(answer).toMatchObject({ status: 400, code: 'InvalidRequest', connection: 'keep-alive' });
    expect(await put(server, 'after-halfway', Buffer.from('next'), { agent })).toMatchObject({ status: 200, reused: true });
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'halfway' })))).name).toBe('NotFound');
  });

  it('refused at the end of the body (Content-MD5, x-amz-content-sha256): the error, then the next request on the same connection', async () => {
    const body = randomBytes(6 * MiB);
    const wrongMd5 = createHash('md5').update('other bytes').digest('base64');
    expect(await put(server, 'bad-md5', body, { agent, headers: { 'content-md5': wrongMd5 } })).toMatchObject({ status: 400, code: 'BadDigest' });
    expect(await put(server, 'after-md5', Buffer.from('next'), { agent })).toMatchObject({ status: 200, reused: true });
    const wrongSha = createHash('sha256').update('other bytes').digest('hex');
    expect(await put(server, 'bad-sha', body, { agent, headers: { 'x-amz-content-sha256': wrongSha } })).toMatchObject({
      status: 400,
      code: 'XAmzContentSHA256Mismatch',
    });
    expect(await put(server, 'after-sha', Buffer.from('next'), { agent })).toMatchObject({ status: 200, reused: true });
    for (const key of ['bad-md5', 'bad-sha']) expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).name).toBe('NotFound');
  });

  it('a body sent with an operation that takes none (DELETE, GET, CopyObject) is verified all the same: a mismatch refuses it and changes nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'kept' }));
    const body = Buffer.from('not the body that was signed');
    const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
    const code = (answer: { body: Buffer }) => /<Code>([^<]+)<\/Code>/.exec(answer.body.toString())?.[1];
    const bodyless: Array<[string, string, Record<string, string>]> = [
      ['DELETE', `/${BUCKET}/kept`, {}],
      ['GET', `/${BUCKET}/kept`, {}],
      ['PUT', `/${BUCKET}/copied`, { 'x-amz-copy-source': `${BUCKET}/kept` }],
    ];
    for (const [method, path, headers] of bodyless) {
      const signedForOther = await signedRequest(server, method, path, { headers: { ...headers, 'x-amz-content-sha256': sha256('other bytes') }, body });
      expect([signedForOther.status, code(signedForOther)], `${method} ${path}`).toEqual([400, 'XAmzContentSHA256Mismatch']);
      const wrongMd5 = await signedRequest(server, method, path, { headers: { ...headers, 'content-md5': createHash('md5').update('other bytes').digest('base64') }, body });
      expect([wrongMd5.status, code(wrongMd5)], `${method} ${path}`).toEqual([400, 'BadDigest']);
    }
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kept' }));
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copied' })))).name).toBe('NotFound');

    // The same DELETE with the body it signed goes through, as in AWS.
    const matching = await signedRequest(server, 'DELETE', `/${BUCKET}/kept`, { headers: { 'x-amz-content-sha256': sha256(body) }, body });
    expect(matching.status).toBe(204);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kept' })))).name).toBe('NotFound');
  });
});
