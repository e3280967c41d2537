/**
 * The body of an S3 request as an ObjectPayload: plain bytes or aws-chunked (decoded here),
 * hashed as it streams by (MD5 for the ETag, SHA-256 when the payload is signed, the
 * x-amz-checksum-* the client declared), and verified once it has all arrived. Nothing is
 * ever committed from a body whose verification failed.
 */
import { pipeline } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { s3Error } from '../../domain/errors';
import type { ChecksumValue } from '../../domain/object-version';
import { AwsChunkedDecoder, awsChunkedOptions } from '../../infra/http/aws-chunked';
import { createChecksum, parseChecksumAlgorithm, type Checksum, type ChecksumAlgorithm } from '../../infra/http/checksums';
import type { ObjectPayload } from '../objects/object-payload';
import type { S3Call } from './s3-call';

type RequestHeaders = Record<string, string | string[] | undefined>;

/** The x-amz-checksum-<algorithm> header the client sent, if any (at most one is allowed). */
function declaredChecksum(headers: RequestHeaders): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  let found: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-mode' || name === 'x-amz-checksum-type') continue;
    const algorithm = parseChecksumAlgorithm(name);
    if (!algorithm) throw s3Error('InvalidRequest', `The ${name} header is not a supported checksum.`);
    if (found) throw s3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
    found = { algorithm, value: String(headers[name]) };
  }
  return found;
}

function declaredLength(headers: RequestHeaders): number {
  const value = headers['content-length'];
  if (value === undefined) {
    if (headers['transfer-encoding'] !== undefined) throw s3Error('MissingContentLength');
    return 0;
  }
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) throw s3Error('InvalidArgument', 'Content-Length is not a valid length.');
  return Number(value);
}

function contentMd5Of(headers: RequestHeaders): Buffer | undefined {
  const value = headers['content-md5'];
  if (value === undefined) return undefined;
  const digest = Buffer.from(String(value), 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== String(value)) throw s3Error('InvalidDigest');
  return digest;
}

/**
 * @param options.checksumHeaders false when x-amz-checksum-* headers describe something other
 *   than this body (CompleteMultipartUpload: the whole object's checksum)
 */
export function payloadOf(call: S3Call, options: { checksumHeaders?: boolean } = {}): ObjectPayload {
  const headers = call.request.headers;
  const mode = call.auth.payload;
  const chunked = awsChunkedOptions(mode, headers);
  const size = chunked ? chunked.decodedLength : declaredLength(headers);
  const contentMd5 = contentMd5Of(headers);
  const checksumHeader = options.checksumHeaders === false ? undefined : declaredChecksum(headers);

  const md5 = createHash('md5');
  const sha256: Hash | undefined = mode.kind === 'signed' ? createHash('sha256') : undefined;
  // Trailing checksums are verified by the decoder; header checksums here.
  const checksum: Checksum | undefined = checksumHeader ? createChecksum(checksumHeader.algorithm) : undefined;
  let decoder: AwsChunkedDecoder | undefined;
  let received = 0;
  let consumed = false;

  return {
    size,
    async *chunks() {
      if (consumed) throw new Error('a request body can be read once');
      consumed = true;
      let source: Readable = call.request;
      if (chunked) {
        decoder = new AwsChunkedDecoder(chunked);
        source = pipeline(call.request, decoder, () => undefined);
      }
      for await (const chunk of source as AsyncIterable<Buffer>) {
        received += chunk.length;
        if (received > size) throw s3Error('IncompleteBody', undefined, { NumberBytesExpected: size, NumberBytesProvided: received });
        md5.update(chunk);
        sha256?.update(chunk);
        checksum?.update(chunk);
        yield chunk;
      }
      if (received !== size) throw s3Error('IncompleteBody', undefined, { NumberBytesExpected: size, NumberBytesProvided: received });
    },
    finish() {
      const md5Digest = md5.digest();
      if (mode.kind === 'signed' && sha256!.digest('hex') !== mode.sha256Hex) throw s3Error('XAmzContentSHA256Mismatch');
      if (contentMd5 && !contentMd5.equals(md5Digest)) throw s3Error('BadDigest');
      let stored: ChecksumValue | undefined;
      if (checksumHeader) {
        const computed = checksum!.digestBase64();
        if (computed !== checksumHeader.value) {
          throw s3Error('BadDigest', `The ${checksumHeader.algorithm} you specified did not match the calculated checksum.`);
        }
        stored = { algorithm: checksumHeader.algorithm, value: computed };
      } else if (decoder?.checksum) {
        stored = { algorithm: decoder.checksum.algorithm, value: decoder.checksum.value };
      }
      return { md5Hex: md5Digest.toString('hex'), checksum: stored };
    },
  };
}
