import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { S3Client, PutObjectCommand, type ChecksumAlgorithm as SdkChecksumAlgorithm } from '@aws-sdk/client-s3';
import { S3Error, type S3ErrorCode } from '../../../src/domain/errors';
import { AwsChunkedDecoder, awsChunkedOptions, type AwsChunkedOptions } from '../../../src/infra/http/aws-chunked';
import { checksumBase64 } from '../../../src/infra/http/checksums';
import { signingKey, verifyAuthorizationHeader, type ChunkSigner, type SignedRequest } from '../../../src/infra/http/sigv4';

// --- helpers -------------------------------------------------------------------

interface Decoded {
  data: Buffer;
  decoder: AwsChunkedDecoder;
}

/** Feeds `pieces` to a decoder and resolves with the output, or rejects with the stream error. */
function decodePieces(pieces: Buffer[], options: AwsChunkedOptions): Promise<Decoded> {
  const decoder = new AwsChunkedDecoder(options);
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    decoder.on('data', (piece: Buffer) => out.push(piece));
    decoder.on('end', () => resolve({ data: Buffer.concat(out), decoder }));
    decoder.on('error', reject);
    for (const piece of pieces) decoder.write(piece);
    decoder.end();
  });
}

function decode(body: Buffer, options: AwsChunkedOptions, pieceSize = body.length || 1): Promise<Decoded> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceSize) pieces.push(body.subarray(i, i + pieceSize));
  return decodePieces(pieces, options);
}

async function errorCode(promise: Promise<unknown>): Promise<S3ErrorCode | 'none'> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    if (error instanceof S3Error) return error.code;
    throw error;
  }
}

async function s3ErrorOf(promise: Promise<unknown>): Promise<S3Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error('expected an S3Error');
}

const hmacHex = (key: Buffer, text: string): string => createHmac('sha256', key).update(text).digest('hex');
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const EMPTY = sha256Hex('');

/** A signed aws-chunked body computed straight from the AWS spec (independently of the decoder's code). */
function signedBody(data: Buffer, chunkSize: number, signer: ChunkSigner, trailer?: [string, string]): Buffer {
  const parts: Buffer[] = [];
  let previous = signer.seedSignature;
  const chunk = (bytes: Buffer): void => {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', signer.amzDate, signer.scope, previous, EMPTY, sha256Hex(bytes)].join('\n');
    previous = hmacHex(signer.signingKey, toSign);
    parts.push(Buffer.from(`${bytes.length.toString(16)};chunk-signature=${previous}\r\n`), bytes, Buffer.from(bytes.length ? '\r\n' : ''));
  };
  for (let i = 0; i < data.length; i += chunkSize) chunk(data.subarray(i, i + chunkSize));
  chunk(Buffer.alloc(0));
  if (trailer) {
    const canonical = `${trailer[0]}:${trailer[1]}\n`;
    const toSign = ['AWS4-HMAC-SHA256-TRAILER', signer.amzDate, signer.scope, previous, sha256Hex(canonical)].join('\n');
    parts.push(Buffer.from(`${trailer[0]}:${trailer[1]}\r\nx-amz-trailer-signature:${hmacHex(signer.signingKey, toSign)}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** An unsigned aws-chunked body as SDK v3 writes it. */
function unsignedBody(data: Buffer, chunkSize: number, trailer?: [string, string]): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const bytes = data.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(trailer ? `0\r\n${trailer[0]}:${trailer[1]}\r\n\r\n` : '0\r\n\r\n'));
  return Buffer.concat(parts);
}

const crc32Of = (data: Buffer): string => checksumBase64('CRC32', data);

const testSigner: ChunkSigner = {
  signingKey: signingKey('test-secret', '20260115', 'us-east-1', 's3'),
  amzDate: '20260115T120000Z',
  scope: '20260115/us-east-1/s3/aws4_request',
  seedSignature: 'c0ffee'.repeat(10) + 'c0ff',
};

// --- AWS's documented example ----------------------------------------------------

const AWS_OPTIONS = { lookupSecret: (k: string) => (k === 'AKIAIOSFODNN7EXAMPLE' ? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' : undefined), now: new Date('2013-05-24T00:00:00Z') };

function awsExampleRequest(trailer: boolean): SignedRequest {
  const headers: Record<string, string> = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
  };
  let signed: string;
  let signature: string;
  if (trailer) {
    Object.assign(headers, { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32c' });
    signed = 'content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer';
    signature = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
  } else {
    Object.assign(headers, { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'content-length': '66824' });
    signed = 'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class';
    signature = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  }
  headers.authorization = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${signature}`;
  return { method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', rawQuery: '', headers };
}

function awsExampleBody(trailer: boolean): Buffer {
  const [s1, s2, s3] = trailer
    ? [
        'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
        '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
        '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
      ]
    : [
        'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
        '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
        'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
      ];
  const end = trailer
    ? 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n'
    : '\r\n';
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${s1}\r\n`),
    Buffer.alloc(65536, 'a'),
    Buffer.from(`\r\n400;chunk-signature=${s2}\r\n`),
    Buffer.alloc(1024, 'a'),
    Buffer.from(`\r\n0;chunk-signature=${s3}\r\n${end}`),
  ]);
}

function awsExampleOptions(trailer: boolean): AwsChunkedOptions {
  const req = awsExampleRequest(trailer);
  const verified = verifyAuthorizationHeader(req, AWS_OPTIONS);
  return awsChunkedOptions(verified.payload, req.headers)!;
}

describe("aws-chunked: AWS's documented signed examples", () => {
  it('decodes the 64 KiB + 1 KiB example, its length as documented (Content-Length 66824)', async () => {
    const body = awsExampleBody(false);
    expect(body.length).toBe(66824);
    const { data } = await decode(body, awsExampleOptions(false));
    expect(data.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('decodes it fed one byte at a time', async () => {
    const { data } = await decode(awsExampleBody(false), awsExampleOptions(false), 1);
    expect(data.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('decodes the trailer example and verifies its CRC32C trailer and trailer signature', async () => {
    for (const pieceSize of [1, 7, 4096, 1 << 20]) {
      const { data, decoder } = await decode(awsExampleBody(true), awsExampleOptions(true), pieceSize);
      expect(data.length).toBe(66560);
      expect(decoder.trailers).toEqual({ 'x-amz-checksum-crc32c': 'sOO8/Q==' });
      expect(decoder.checksum).toEqual({ algorithm: 'CRC32C', value: 'sOO8/Q==' });
    }
  });

  it('a changed data byte fails its chunk signature', async () => {
    const body = awsExampleBody(false);
    body[66000] = 0x62; // inside the 1 KiB chunk (bytes 65712-66735)
    const error = await s3ErrorOf(decode(body, awsExampleOptions(false)));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('a changed chunk signature, or chunks swapped, fail', async () => {
    const tampered = Buffer.from(awsExampleBody(false).toString('latin1').replace('chunk-signature=ad80', 'chunk-signature=ad81'), 'latin1');
    expect(await errorCode(decode(tampered, awsExampleOptions(false)))).toBe('SignatureDoesNotMatch');
    // A chunk signed for a different chain position.
    const body = awsExampleBody(false).toString('latin1');
    const swapped = body.replace('0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497', 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648');
    expect(await errorCode(decode(Buffer.from(swapped, 'latin1'), awsExampleOptions(false)))).toBe('SignatureDoesNotMatch');
  });

  it('a missing chunk signature fails', async () => {
    const body = Buffer.from(awsExampleBody(false).toString('latin1').replace(/;chunk-signature=b6c6[0-9a-f]+/, ''), 'latin1');
    expect(await errorCode(decode(body, awsExampleOptions(false)))).toBe('SignatureDoesNotMatch');
  });

  it('a changed trailer value or trailer signature fails', async () => {
    const body = awsExampleBody(true).toString('latin1');
    const value = Buffer.from(body.replace('sOO8/Q==', 'sOO8/Q=='.replace('s', 't')), 'latin1');
    expect(await errorCode(decode(value, awsExampleOptions(true)))).toBe('SignatureDoesNotMatch');
    const signature = Buffer.from(body.replace('x-amz-trailer-signature:d81f', 'x-amz-trailer-signature:d81e'), 'latin1');
    expect(await errorCode(decode(signature, awsExampleOptions(true)))).toBe('SignatureDoesNotMatch');
    const unsigned = Buffer.from(body.replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1');
    expect(await errorCode(decode(unsigned, awsExampleOptions(true)))).toBe('SignatureDoesNotMatch');
  });
});

// --- bodies from a real SDK v3 client ----------------------------------------------

describe('aws-chunked: bodies captured from SDK v3 PutObject with a stream', () => {
  interface Captured {
    req: SignedRequest;
    body: Buffer;
  }
  const captured: Captured[] = [];
  let server: http.Server;
  let client: S3Client;
  const SECRET = 'sdk-secret';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        const url = req.url!;
        const q = url.indexOf('?');
        captured.push({
          req: { method: req.method!, rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1), headers: req.headers },
          body: Buffer.concat(parts),
        });
        res.writeHead(200, { etag: '"0"' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'SDKKEY', secretAccessKey: SECRET },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function put(data: Buffer, pieces: number, algorithm?: SdkChecksumAlgorithm): Promise<Captured> {
    const before = captured.length;
    const parts: Buffer[] = [];
    const step = Math.ceil(data.length / pieces) || 1;
    for (let i = 0; i < data.length; i += step) parts.push(data.subarray(i, i + step));
    await client.send(
      new PutObjectCommand({ Bucket: 'bucket', Key: 'dir/(streamed) file', Body: Readable.from(parts), ContentLength: data.length, ChecksumAlgorithm: algorithm }),
    );
    expect(captured.length).toBe(before + 1);
    return captured[before]!;
  }

  function optionsFor({ req }: Captured): AwsChunkedOptions {
    const verified = verifyAuthorizationHeader(req, { lookupSecret: (k) => (k === 'SDKKEY' ? SECRET : undefined), now: new Date() });
    expect(verified.payload.kind).toBe('streaming-unsigned-trailer');
    return awsChunkedOptions(verified.payload, req.headers)!;
  }

  it('decodes the default (CRC32 trailer) body, whole and split at every byte boundary', async () => {
    const data = Buffer.from('hello world, streamed through aws-chunked');
    const sent = await put(data, 3);
    expect(sent.req.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(sent.req.headers['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    const options = optionsFor(sent);
    const whole = await decode(sent.body, options);
    expect(whole.data.equals(data)).toBe(true);
    expect(whole.decoder.checksum).toEqual({ algorithm: 'CRC32', value: crc32Of(data) });
    for (let cut = 1; cut < sent.body.length; cut++) {
      const { data: out } = await decodePieces([sent.body.subarray(0, cut), sent.body.subarray(cut)], options);
      expect(out.equals(data)).toBe(true);
    }
    expect((await decode(sent.body, options, 1)).data.equals(data)).toBe(true);
  });

  it.each(['CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const)('decodes and verifies a %s trailer sent by the SDK', async (algorithm) => {
    const data = randomBytes(300_000);
    const sent = await put(data, 5, algorithm);
    expect(sent.req.headers['x-amz-trailer']).toBe(`x-amz-checksum-${algorithm.toLowerCase()}`);
    const { data: out, decoder } = await decode(sent.body, optionsFor(sent), 1000);
    expect(out.equals(data)).toBe(true);
    expect(decoder.checksum).toEqual({ algorithm, value: checksumBase64(algorithm, data) });
  });

  it('a corrupted payload byte is BadDigest', async () => {
    const data = Buffer.from('0123456789'.repeat(100));
    const sent = await put(data, 2);
    const body = Buffer.from(sent.body);
    body[body.indexOf('0123') + 5] ^= 1;
    const error = await s3ErrorOf(decode(body, optionsFor(sent)));
    expect(error.code).toBe('BadDigest');
    expect(error.message).toBe('The CRC32 you specified did not match the calculated checksum.');
  });
});

// --- framing and verification errors ------------------------------------------------

describe('aws-chunked: unsigned bodies', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog');
  const trailer: [string, string] = ['x-amz-checksum-crc32', crc32Of(data)];
  const options: AwsChunkedOptions = { decodedLength: data.length, trailer: 'x-amz-checksum-crc32' };
  const body = unsignedBody(data, 10, trailer);

  it('decodes when split at every byte boundary', async () => {
    for (let cut = 0; cut <= body.length; cut++) {
      const { data: out, decoder } = await decodePieces([body.subarray(0, cut), body.subarray(cut)], options);
      expect(out.equals(data)).toBe(true);
      expect(decoder.checksum?.value).toBe(trailer[1]);
    }
  });

  it('emits slices of the input, not copies', async () => {
    const decoder = new AwsChunkedDecoder({ decodedLength: 4, trailer: undefined });
    const input = Buffer.from('4\r\nabcd\r\n0\r\n\r\n');
    const pieces: Buffer[] = [];
    decoder.on('data', (piece: Buffer) => pieces.push(piece));
    decoder.end(input);
    await new Promise((resolve) => decoder.on('end', resolve));
    expect(pieces).toHaveLength(1);
    expect(pieces[0]!.buffer).toBe(input.buffer);
  });

  it('accepts a blank line between the final chunk and the trailers, and a missing final CRLF', async () => {
    const blank = Buffer.from(body.toString('latin1').replace('0\r\nx-amz', '0\r\n\r\nx-amz'), 'latin1');
    expect((await decode(blank, options, 1)).data.equals(data)).toBe(true);
    const noFinal = body.subarray(0, body.length - 2);
    expect((await decode(noFinal, options)).data.equals(data)).toBe(true);
    const noTrailer = unsignedBody(data, 10);
    expect((await decode(noTrailer.subarray(0, noTrailer.length - 2), { decodedLength: data.length })).data.equals(data)).toBe(true);
  });

  it('decodes an empty payload', async () => {
    const { data: out, decoder } = await decode(Buffer.from(`0\r\nx-amz-checksum-crc32:${crc32Of(Buffer.alloc(0))}\r\n\r\n`), { ...options, decodedLength: 0 });
    expect(out.length).toBe(0);
    expect(decoder.checksum?.value).toBe('AAAAAA==');
  });

  it('a truncated body is IncompleteBody, wherever it stops', async () => {
    for (const cut of [0, 1, 3, 5, 12, 20, 40, 55, 60]) {
      expect(await errorCode(decode(body.subarray(0, cut), options)), `cut at ${cut}`).toBe('IncompleteBody');
    }
  });

  it('a body cut inside its trailer section is MalformedTrailerError, or IncompleteBody when no trailer is due', async () => {
    for (const back of [1, 2, 3, 10]) {
      expect(await errorCode(decode(body.subarray(0, body.length - back), options)), `cut ${back} from the end`).toBe(
        back <= 2 ? 'none' : 'MalformedTrailerError',
      );
    }
    const plain = unsignedBody(data, 10);
    expect(await errorCode(decode(plain.subarray(0, plain.length - 1), { decodedLength: data.length }))).toBe('none');
    expect(await errorCode(decode(plain.subarray(0, plain.length - 4), { decodedLength: data.length }))).toBe('IncompleteBody');
    expect(await errorCode(decode(Buffer.concat([plain.subarray(0, plain.length - 2), Buffer.from('x')]), { decodedLength: data.length }))).toBe(
      'IncompleteBody',
    );
  });

  it('fewer decoded bytes than x-amz-decoded-content-length is IncompleteBody', async () => {
    const error = await s3ErrorOf(decode(body, { ...options, decodedLength: data.length + 1 }));
    expect(error.code).toBe('IncompleteBody');
    expect(error.details).toEqual({ NumberBytesExpected: data.length + 1, NumberBytesProvided: data.length });
  });

  it('more decoded bytes than declared is IncompleteBody, detected at the chunk header', async () => {
    const error = await s3ErrorOf(decode(body, { ...options, decodedLength: data.length - 1 }));
    expect(error.code).toBe('IncompleteBody');
    expect(error.details).toMatchObject({ NumberBytesExpected: data.length - 1 });
  });

  it('bytes after the end of the body are InvalidRequest', async () => {
    expect(await errorCode(decode(Buffer.concat([body, Buffer.from('x')]), options))).toBe('InvalidRequest');
  });

  it('a wrong trailer checksum is BadDigest, a malformed one InvalidRequest', async () => {
    const wrong = unsignedBody(data, 10, ['x-amz-checksum-crc32', crc32Of(Buffer.from('other'))]);
    const error = await s3ErrorOf(decode(wrong, options));
    expect(error.code).toBe('BadDigest');
    expect(error.message).toBe('The CRC32 you specified did not match the calculated checksum.');
    const garbage = unsignedBody(data, 10, ['x-amz-checksum-crc32', 'not base64!']);
    expect(await errorCode(decode(garbage, options))).toBe('InvalidRequest');
  });

  it('a trailer announced in x-amz-trailer but missing is MalformedTrailerError', async () => {
    expect(await errorCode(decode(unsignedBody(data, 10), options))).toBe('MalformedTrailerError');
    const other = unsignedBody(data, 10, ['x-amz-checksum-sha256', checksumBase64('SHA256', data)]);
    expect(await errorCode(decode(other, options))).toBe('MalformedTrailerError');
  });

  it('a trailer that x-amz-trailer did not announce is MalformedTrailerError', async () => {
    expect(await errorCode(decode(body, { decodedLength: data.length, trailer: '' }))).toBe('MalformedTrailerError');
    expect(await errorCode(decode(body, { decodedLength: data.length }))).toBe('MalformedTrailerError');
  });

  it('malformed framing is InvalidRequest', async () => {
    const cases = [
      'zz\r\nabc\r\n0\r\n\r\n', // size not hex
      '3\nabc\r\n0\r\n\r\n', // bare LF
      '3\r\nabcX\r\n0\r\n\r\n', // data longer than its size
      '3\r\nabc\r0\r\n\r\n', // CRLF broken
      `${'0'.repeat(5000)}3\r\nabc\r\n0\r\n\r\n`, // endless header line
    ];
    for (const text of cases) {
      expect(await errorCode(decode(Buffer.from(text), { decodedLength: 3 })), JSON.stringify(text.slice(0, 20))).toBe('InvalidRequest');
    }
    const trailerWithoutColon = Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32\r\n\r\n');
    expect(await errorCode(decode(trailerWithoutColon, { decodedLength: 3, trailer: 'x-amz-checksum-crc32' }))).toBe('MalformedTrailerError');
  });

  it('chunk extensions are ignored when chunks are not signed', async () => {
    const text = `3;chunk-signature=${'0'.repeat(64)}\r\nabc\r\n0;foo=bar\r\n\r\n`;
    expect((await decode(Buffer.from(text), { decodedLength: 3 })).data.toString()).toBe('abc');
  });
});

describe('aws-chunked: signed bodies built from the spec', () => {
  const data = randomBytes(200_000);

  it('decodes with and without a signed trailer, in odd-sized pieces', async () => {
    const plain = signedBody(data, 65536, testSigner);
    expect((await decode(plain, { decodedLength: data.length, chunkSigner: testSigner }, 999)).data.equals(data)).toBe(true);
    const withTrailer = signedBody(data, 8192, testSigner, ['x-amz-checksum-sha256', checksumBase64('SHA256', data)]);
    const { data: out, decoder } = await decode(withTrailer, { decodedLength: data.length, chunkSigner: testSigner, trailer: 'x-amz-checksum-sha256' }, 4097);
    expect(out.equals(data)).toBe(true);
    expect(decoder.checksum).toEqual({ algorithm: 'SHA256', value: checksumBase64('SHA256', data) });
  });

  it('small signed bodies decode when split at every byte boundary', async () => {
    const small = Buffer.from('signed and small');
    const body = signedBody(small, 5, testSigner, ['x-amz-checksum-crc32', crc32Of(small)]);
    const options: AwsChunkedOptions = { decodedLength: small.length, chunkSigner: testSigner, trailer: 'x-amz-checksum-crc32' };
    for (let cut = 0; cut <= body.length; cut++) {
      const { data: out } = await decodePieces([body.subarray(0, cut), body.subarray(cut)], options);
      expect(out.equals(small)).toBe(true);
    }
  });

  it('a body signed with another key fails at the first chunk', async () => {
    const other = { ...testSigner, signingKey: signingKey('other-secret', '20260115', 'us-east-1', 's3') };
    expect(await errorCode(decode(signedBody(data, 65536, other), { decodedLength: data.length, chunkSigner: testSigner }))).toBe('SignatureDoesNotMatch');
  });

  it('a truncated signed body is IncompleteBody', async () => {
    const body = signedBody(data, 65536, testSigner);
    expect(await errorCode(decode(body.subarray(0, 100_000), { decodedLength: data.length, chunkSigner: testSigner }))).toBe('IncompleteBody');
  });
});

describe('aws-chunked: options from a verified request', () => {
  const signer = testSigner;

  it('is undefined for plain bodies', () => {
    expect(awsChunkedOptions({ kind: 'unsigned' }, {})).toBeUndefined();
    expect(awsChunkedOptions({ kind: 'signed', sha256Hex: EMPTY }, {})).toBeUndefined();
  });

  it('reads x-amz-decoded-content-length and the trailer', () => {
    expect(awsChunkedOptions({ kind: 'streaming-unsigned-trailer', trailer: 'x-amz-checksum-crc32' }, { 'x-amz-decoded-content-length': '11' })).toEqual({
      decodedLength: 11,
      trailer: 'x-amz-checksum-crc32',
    });
    expect(awsChunkedOptions({ kind: 'streaming-signed', chunkSigner: signer }, { 'x-amz-decoded-content-length': '0' })).toEqual({
      decodedLength: 0,
      trailer: undefined,
      chunkSigner: signer,
    });
  });

  it('refuses a missing or bad decoded length, and a trailer that is not one supported checksum', () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
        return 'none';
      } catch (error) {
        return (error as S3Error).code;
      }
    };
    expect(code(() => awsChunkedOptions({ kind: 'streaming-signed', chunkSigner: signer }, {}))).toBe('MissingContentLength');
    expect(code(() => awsChunkedOptions({ kind: 'streaming-signed', chunkSigner: signer }, { 'x-amz-decoded-content-length': '-1' }))).toBe('InvalidArgument');
    for (const trailer of ['x-amz-checksum-md5', 'x-amz-meta-note', 'x-amz-checksum-crc32, x-amz-checksum-crc32c', 'x-amz-checksum-crc32,x-amz-meta-note']) {
      expect(code(() => awsChunkedOptions({ kind: 'streaming-unsigned-trailer', trailer }, { 'x-amz-decoded-content-length': '1' })), trailer).toBe('InvalidRequest');
    }
    expect(code(() => awsChunkedOptions({ kind: 'streaming-unsigned-trailer', trailer: 'X-Amz-Checksum-CRC32C' }, { 'x-amz-decoded-content-length': '1' }))).toBe('none');
  });
});

describe('aws-chunked: throughput', () => {
  it('decodes a 32 MiB body fast', async () => {
    const data = randomBytes(32 << 20);
    const crc = zlib.crc32(data);
    const crcB64 = Buffer.from([crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255]).toString('base64');
    const unsigned = unsignedBody(data, 65536, ['x-amz-checksum-crc32', crcB64]);
    const signed = signedBody(data, 65536, testSigner);
    // Socket-sized input pieces (not aligned with the chunks); output counted, not kept.
    const run = (body: Buffer, options: AwsChunkedOptions): Promise<number> =>
      new Promise((resolve, reject) => {
        const decoder = new AwsChunkedDecoder(options);
        let total = 0;
        decoder.on('data', (piece: Buffer) => (total += piece.length));
        decoder.on('end', () => resolve(total));
        decoder.on('error', reject);
        for (let i = 0; i < body.length; i += 65536) decoder.write(body.subarray(i, i + 65536));
        decoder.end();
      });
    const measure = async (body: Buffer, options: AwsChunkedOptions): Promise<number> => {
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const start = process.hrtime.bigint();
        const total = await run(body, options);
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
        expect(total).toBe(data.length);
      }
      return data.length / 1e6 / best;
    };
    const unsignedMBs = await measure(unsigned, { decodedLength: data.length, trailer: 'x-amz-checksum-crc32' });
    const signedMBs = await measure(signed, { decodedLength: data.length, chunkSigner: testSigner });
    const plainMBs = await measure(unsignedBody(data, 65536), { decodedLength: data.length });
    console.log(
      `aws-chunked 32 MiB: unsigned+CRC32 trailer ${unsignedMBs.toFixed(0)} MB/s, signed chunks ${signedMBs.toFixed(0)} MB/s, framing only ${plainMBs.toFixed(0)} MB/s`,
    );
    expect(unsignedMBs).toBeGreaterThan(100);
    expect(signedMBs).toBeGreaterThan(100);
  });
});
