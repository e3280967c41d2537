/**
 * SigV4 streaming uploads through the server: `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (every
 * chunk signed, chained from the Authorization header's signature) and
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` (plus a signed trailing checksum), as mc and
 * the Java/Go SDKs send them. The chunks are signed here from the AWS spec, independently of
 * the server's code; a broken chain, a changed byte or a bad trailer stores nothing.
 */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { checksumBase64 } from '../../src/infra/http/checksums';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { serverForTests } from '../helpers/server-for-tests';

const BUCKET = 'streaming';
const REGION = 'us-east-1';
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
const EMPTY_SHA256 = sha256Hex('');

interface Streamed {
  /** Flip a byte of the first chunk's data after signing it. */
  corruptData?: boolean;
  /** A trailing x-amz-checksum-crc32c; `wrongTrailerValue` sends another value (signed). */
  trailer?: boolean;
  wrongTrailerValue?: boolean;
  /** Breaks the trailer signature. */
  wrongTrailerSignature?: boolean;
}

/**
 * One keep-alive connection for every request, as SDKs pool them: a request refused halfway
 * through its body must not leave the connection unusable for the next one.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Answer {
  status: number;
  body: string;
  connection: string | undefined;
}

/** Sends `data` as a signed aws-chunked PUT and resolves with the answer. */
async function streamingPut(server: CairnServer, key: string, data: Buffer, chunkSize: number, options: Streamed = {}): Promise<Answer> {
  const trailerValue = checksumBase64('CRC32C', options.wrongTrailerValue ? Buffer.from('other bytes') : data);
  const contentSha = options.trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const headers: Record<string, string> = {
    host: `127.0.0.1:${server.port}`,
    'x-amz-content-sha256': contentSha,
    'x-amz-decoded-content-length': String(data.length),
    'content-encoding': 'aws-chunked',
    ...(options.trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32c' } : {}),
  };
  const signer = new SignatureV4({ service: 's3', region: REGION, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, sha256: Sha256 });
  const signed = await signer.sign(new HttpRequest({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: `/${BUCKET}/${key}`, headers }));
  const amzDate = signed.headers['x-amz-date']!;
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization!)![1]!;
  const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
  let signingKey = hmac(`AWS4${SECRET_KEY}`, amzDate.slice(0, 8));
  for (const part of [REGION, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);

  const parts: Buffer[] = [];
  let previous = seed;
  const chunk = (bytes: Buffer, corrupt = false) => {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, sha256Hex(bytes)].join('\n');
    previous = hmac(signingKey, toSign).toString('hex');
    const sent = corrupt ? Buffer.from(bytes.map((b, i) => (i === 0 ? b ^ 0xff : b))) : bytes;
    parts.push(Buffer.from(`${bytes.length.toString(16)};chunk-signature=${previous}\r\n`), sent, Buffer.from(bytes.length > 0 ? '\r\n' : ''));
  };
  for (let i = 0; i < data.length; i += chunkSize) chunk(data.subarray(i, i + chunkSize), options.corruptData === true && i === 0);
  chunk(Buffer.alloc(0));
  if (options.trailer) {
    const line = `x-amz-checksum-crc32c:${trailerValue}`;
    const toSign = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256Hex(`${line}\n`)].join('\n');
    const signature = options.wrongTrailerSignature ? '0'.repeat(64) : hmac(signingKey, toSign).toString('hex');
    parts.push(Buffer.from(`${line}\r\nx-amz-trailer-signature:${signature}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  const body = Buffer.concat(parts);

  return new Promise((resolve, reject) => {
    const sent = { ...signed.headers, 'content-length': String(body.length) };
    delete (sent as Record<string, string>).host;
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${BUCKET}/${key}`, headers: sent, agent }, (response) => {
      let text = '';
      response.on('data', (d: Buffer) => (text += d.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body: text, connection: response.headers.connection }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const codeOf = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];

describe('SigV4 signed streaming uploads (aws-chunked with chunk signatures)', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });
  afterAll(() => agent.destroy());

  it('stores signed-chunk bodies, small (inline) and large (sharded), byte for byte', async () => {
    for (const [key, size, chunkSize] of [
      ['signed/small', 1000, 256],
      ['signed/large', 2 * 1024 * 1024 + 17, 64 * 1024],
      ['signed/empty', 0, 64 * 1024],
    ] as const) {
      const data = randomBytes(size);
      const response = await streamingPut(server, key, data, chunkSize);
      expect(response.status, response.body).toBe(200);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect((await bytesOf(got.Body)).equals(data)).toBe(true);
      expect(got.ETag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    }
  });

  it('verifies and stores a signed trailing checksum', async () => {
    const data = randomBytes(300 * 1024);
    const response = await streamingPut(server, 'signed/trailer', data, 64 * 1024, { trailer: true });
    expect(response.status, response.body).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'signed/trailer', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32C).toBe(checksumBase64('CRC32C', data));
  });

  it('refuses a changed chunk byte, a wrong trailing checksum or a bad trailer signature, storing nothing', async () => {
    for (const size of [1000, 300 * 1024]) {
      const data = randomBytes(size);
      // Refused at the first chunk: the rest of its body is read and discarded before the answer,
      // so the connection stays usable ...
      const corrupted = await streamingPut(server, 'signed/refused', data, 64 * 1024, { corruptData: true });
      expect([corrupted.status, codeOf(corrupted.body), corrupted.connection]).toEqual([403, 'SignatureDoesNotMatch', 'keep-alive']);
      // ... and the next request on it is answered (it used to hang).
      const wrongValue = await streamingPut(server, 'signed/refused', data, 64 * 1024, { trailer: true, wrongTrailerValue: true });
      expect([wrongValue.status, codeOf(wrongValue.body)]).toEqual([400, 'BadDigest']);
      const wrongSignature = await streamingPut(server, 'signed/refused', data, 64 * 1024, { trailer: true, wrongTrailerSignature: true });
      expect([wrongSignature.status, codeOf(wrongSignature.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    }
    // A request answered normally keeps its connection.
    const kept = await streamingPut(server, 'signed/after', Buffer.from('fine'), 64);
    expect([kept.status, kept.connection]).toEqual([200, 'keep-alive']);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'signed/refused' })))).name).toBe('NotFound');
  });
});
