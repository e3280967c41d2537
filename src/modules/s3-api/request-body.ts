/**
 * The body of an S3 request as an ObjectPayload: plain bytes or aws-chunked (decoded here),
 * hashed as it streams by (MD5 for the ETag, SHA-256 when the payload is signed, the
 * x-amz-checksum-* the client declared), and verified once it has all arrived. Nothing is
 * ever committed from a body whose verification failed.
 */
import { finished } from 'node:stream';
import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { s3Error } from '../../domain/errors';
import { DigestWorkers } from '../../infra/hashing/digest-workers';
import { AwsChunkedDecoder, awsChunkedOptions, trailerNames } from '../../infra/http/aws-chunked';
import { MULTIPLE_CHECKSUMS, parseChecksumAlgorithm, type ChecksumAlgorithm } from '../../infra/http/checksums';
import { collectChunks, type ObjectPayload } from '../objects/object-payload';
import { BodyDigests, declaredChecksum, isChecksumValueName, parseContentMd5 } from './body-digests';
import { header, type S3Call } from './s3-call';

type RequestHeaders = Record<string, string | string[] | undefined>;

/** The x-amz-checksum-* value headers as [name, value]: all that declaredChecksum looks at. */
function checksumHeaderEntries(headers: RequestHeaders): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && isChecksumValueName(name)) entries.push([name, String(value)]);
  }
  return entries;
}

/** `required`: an object's bytes, where AWS wants the length said even when it is 0. */
function declaredLength(headers: RequestHeaders, required: boolean): number {
  const value = headers['content-length'];
  if (value === undefined) {
    if (required || headers['transfer-encoding'] !== undefined) throw s3Error('MissingContentLength');
    return 0;
  }
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) throw s3Error('InvalidArgument', 'Content-Length is not a valid length.');
  return Number(value);
}

/**
 * @param options.checksumHeaders false when x-amz-checksum-* headers describe something other
 *   than this body (CompleteMultipartUpload: the whole object's checksum)
 * @param options.lengthRequired true for an object's or a part's bytes: no Content-Length is
 *   MissingContentLength (411), as AWS answers, not an empty object
 * @param options.defaultChecksum the checksum to compute and store when the request carries
 *   none, in a header or a trailer (an object's or a part's bytes)
 */
export function payloadOf(
  call: S3Call,
  options: { checksumHeaders?: boolean; lengthRequired?: boolean; defaultChecksum?: ChecksumAlgorithm } = {},
): ObjectPayload {
  const headers = call.request.headers;
  const mode = call.auth.payload;
  const chunked = awsChunkedOptions(mode, headers);
  const size = chunked ? chunked.decodedLength : declaredLength(headers, options.lengthRequired ?? false);
  const contentMd5 = parseContentMd5(header(call, 'content-md5'));
  const checksum = options.checksumHeaders === false ? undefined : declaredChecksum(checksumHeaderEntries(headers));
  const trailedChecksum = chunked === undefined ? undefined : trailerNames(chunked.trailer).find(isChecksumValueName);
  if (checksum && trailedChecksum) throw s3Error('InvalidRequest', MULTIPLE_CHECKSUMS);
  const defaultChecksum = checksum || trailedChecksum ? undefined : options.defaultChecksum;
  const checksumAlgorithm = checksum?.algorithm ?? (trailedChecksum ? parseChecksumAlgorithm(trailedChecksum) : undefined) ?? defaultChecksum;
  // Trailing checksums are verified by the decoder; header checksums, Content-MD5 and a
  // signed payload's SHA-256 here (on a worker thread for large bodies).
  const digests = new BodyDigests(
    { contentMd5, checksum, defaultChecksum },
    { signedSha256: mode.kind === 'signed' ? mode.sha256Hex : undefined, offload: size >= DigestWorkers.MIN_BYTES },
  );
  let decoder: AwsChunkedDecoder | undefined;
  let received = 0;
  let consumed = false;
  const claim = (): void => {
    if (consumed) throw new Error('a request body can be read once');
    consumed = true;
  };
  const take = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > size) throw s3Error('IncompleteBody', undefined, { NumberBytesExpected: size, NumberBytesProvided: received });
    digests.update(chunk);
  };
  const complete = (): void => {
    if (received !== size) throw s3Error('IncompleteBody', undefined, { NumberBytesExpected: size, NumberBytesProvided: received });
    digests.end();
  };

  return {
    size,
    checksumAlgorithm,
    async *chunks() {
      claim();
      // A body refused halfway is left to the gateway to discard (unread-body.ts), so the
      // request is never destroyed here: that would close the connection before the answer.
      let source: Readable = call.request;
      if (chunked) {
        const chunkDecoder = new AwsChunkedDecoder(chunked);
        decoder = chunkDecoder;
        call.request.pipe(chunkDecoder);
        finished(call.request, (error) => error && chunkDecoder.destroy(error));
        source = chunkDecoder;
      }
      let done = false;
      try {
        for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
          take(chunk);
          yield chunk;
        }
        complete();
        done = true;
      } finally {
        if (!done) digests.cancel();
      }
    },
    async readAll() {
      if (chunked) return collectChunks(this);
      claim();
      try {
        const chunks = await readPlainBody(call.request, take);
        complete();
        return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      } catch (error) {
        digests.cancel();
        throw error;
      }
    },
    async finish() {
      const result = await digests.finish();
      if (!result.checksum && decoder?.checksum) return { ...result, checksum: { algorithm: decoder.checksum.algorithm, value: decoder.checksum.value } };
      return result;
    },
  };
}

/**
 * The chunks of a plain body, read with listeners and one promise: for a small PUT, the
 * async iterator and generator of `chunks()` cost more than the rest of the read. `take`
 * sees each chunk first and refuses the body by throwing. The request is paused, not
 * destroyed, when the read fails (see `chunks()`).
 */
function readPlainBody(request: IncomingMessage, take: (chunk: Buffer) => void): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const settle = (error?: unknown): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (error === undefined) return resolve(chunks);
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      try {
        take(chunk);
        chunks.push(chunk);
      } catch (error) {
        settle(error);
      }
    };
    const onEnd = (): void => settle();
    const onError = (error: Error): void => settle(error);
    // Closed before its end without an error of its own: as the stream iterator reports it.
    const onClose = (): void => settle(request.errored ?? Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
