/**
 * Decoder for `Content-Encoding: aws-chunked` request bodies (SigV4 streaming):
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer-name>:<value>\r\n ...][x-amz-trailer-signature:<sig>\r\n]\r\n
 *
 * A Transform: raw body bytes in, payload bytes out, streaming. Data is passed
 * on as sub-slices of the input (no copies, no per-byte loops); only the short
 * chunk-header and trailer lines are accumulated. Chunk signatures, the
 * trailer signature, the trailer checksum and x-amz-decoded-content-length are
 * all verified before the stream ends: a consumer must treat the payload as
 * good only once the decoder has ended without error (bytes of a chunk are
 * emitted before that chunk's signature, which follows them, can be checked).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../../domain/errors';
import { createChecksum, isValidChecksumValue, MULTIPLE_CHECKSUMS, parseChecksumAlgorithm, type Checksum, type ChecksumAlgorithm } from './checksums';
import { EMPTY_SHA256, signaturesEqual, signChunk, signTrailer, type ChunkSigner, type PayloadMode } from './sigv4';

export interface AwsChunkedOptions {
  /** x-amz-decoded-content-length: exactly how many payload bytes the body carries. */
  decodedLength: number;
  /** Set for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: every chunk signature is checked. */
  chunkSigner?: ChunkSigner;
  /**
   * Trailing headers the request announced in x-amz-trailer (comma-separated),
   * or undefined when the payload mode has no trailer. With a chunkSigner, a
   * trailer section must be signed (x-amz-trailer-signature).
   */
  trailer?: string;
}

/** A checksum the client sent as a trailer, verified against the payload. */
export interface TrailerChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
}

/**
 * Decoder options for a verified request, or undefined when its payload is not
 * aws-chunked (signed or UNSIGNED-PAYLOAD bodies are plain bytes).
 * Throws MissingContentLength without x-amz-decoded-content-length, and
 * InvalidRequest for a trailer that cannot be honoured.
 */
export function awsChunkedOptions(payload: PayloadMode, headers: Record<string, string | string[] | undefined>): AwsChunkedOptions | undefined {
  if (payload.kind === 'signed' || payload.kind === 'unsigned') return undefined;
  const declared = headers['x-amz-decoded-content-length'];
  if (declared === undefined) throw new S3Error('MissingContentLength');
  if (typeof declared !== 'string' || !/^\d{1,15}$/.test(declared)) {
    throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length is not a valid length.', {
      ArgumentName: 'x-amz-decoded-content-length',
      ArgumentValue: String(declared),
    });
  }
  const options: AwsChunkedOptions = { decodedLength: Number(declared), trailer: payload.trailer };
  if (payload.kind === 'streaming-signed') options.chunkSigner = payload.chunkSigner;
  // As AWS: the one trailer a request may announce is one checksum of a known algorithm.
  const names = trailerNames(options.trailer);
  for (const name of names) {
    if (!name.startsWith('x-amz-checksum-') || parseChecksumAlgorithm(name) === undefined) {
      throw new S3Error('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
    }
  }
  if (names.length > 1) throw new S3Error('InvalidRequest', MULTIPLE_CHECKSUMS);
  return options;
}

/** The names an x-amz-trailer header announces, lower-case. */
export function trailerNames(trailer: string | undefined): string[] {
  if (!trailer) return [];
  return trailer
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

const enum State {
  ChunkHeader,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  Done,
}

/** Longest chunk-header or trailer line accepted: real ones are under 120 bytes. */
const MAX_LINE = 4096;
const MAX_TRAILER_LINES = 16;
const CR = 0x0d;
const LF = 0x0a;

function malformed(reason: string): S3Error {
  return new S3Error('InvalidRequest', `The aws-chunked encoding of the request body is malformed: ${reason}.`);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers received (lower-case names, without x-amz-trailer-signature); complete once the stream ends. */
  readonly trailers: Record<string, string> = {};
  /** The trailer checksum, set once it has been verified against the payload. */
  checksum: TrailerChecksum | undefined;

  private readonly decodedLength: number;
  private readonly signer: ChunkSigner | undefined;
  private readonly expectedTrailers: string[];
  private readonly signedTrailer: boolean;
  private readonly checksums: Checksum[] = [];

  private state = State.ChunkHeader;
  private line = ''; // partial chunk-header / trailer line, latin1
  private decoded = 0;
  private chunkRemaining = 0;
  private crlfSeen = 0;
  // Signed chunks: the chain and the chunk in progress.
  private previousSignature: string;
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  // Trailer section.
  private trailerLines = 0;
  private trailerCanonical = '';
  private trailerSignature: string | undefined;
  private skippedBlankBeforeTrailer = false;

  constructor(options: AwsChunkedOptions) {
    super();
    this.decodedLength = options.decodedLength;
    this.signer = options.chunkSigner;
    this.previousSignature = options.chunkSigner?.seedSignature ?? '';
    this.expectedTrailers = trailerNames(options.trailer);
    this.signedTrailer = options.chunkSigner !== undefined && options.trailer !== undefined;
    for (const name of this.expectedTrailers) {
      const algorithm = name.startsWith('x-amz-checksum-') ? parseChecksumAlgorithm(name) : undefined;
      if (algorithm) this.checksums.push(createChecksum(algorithm));
    }
  }

  /** Payload bytes decoded so far. */
  get decodedBytes(): number {
    return this.decoded;
  }

  override _transform(input: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(input);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private consume(input: Buffer): void {
    let pos = 0;
    const end = input.length;
    while (pos < end) {
      switch (this.state) {
        case State.ChunkHeader:
        case State.Trailer: {
          const lf = input.indexOf(LF, pos);
          if (lf < 0) {
            this.appendLine(input, pos, end);
            pos = end;
            break;
          }
          this.appendLine(input, pos, lf);
          pos = lf + 1;
          const line = this.line;
          this.line = '';
          if (line.charCodeAt(line.length - 1) !== CR) throw malformed('a line does not end with CRLF');
          const content = line.slice(0, -1);
          if (this.state === State.ChunkHeader) this.onChunkHeader(content);
          else this.onTrailerLine(content);
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.chunkRemaining, end - pos);
          const piece = input.subarray(pos, pos + n);
          pos += n;
          this.chunkRemaining -= n;
          this.decoded += n;
          this.chunkHash?.update(piece);
          for (const checksum of this.checksums) checksum.update(piece);
          this.push(piece);
          if (this.chunkRemaining === 0) {
            this.onChunkEnd();
            this.state = State.ChunkDataEnd;
            this.crlfSeen = 0;
          }
          break;
        }
        case State.ChunkDataEnd: {
          if (input[pos] !== (this.crlfSeen === 0 ? CR : LF)) throw malformed('chunk data is not followed by CRLF');
          pos++;
          if (++this.crlfSeen === 2) this.state = State.ChunkHeader;
          break;
        }
        case State.Done:
          throw malformed('data follows the end of the body');
      }
    }
  }

  /** Adds input[start, end) to the pending line (the CR stays, the LF never gets there). */
  private appendLine(input: Buffer, start: number, end: number): void {
    if (this.line.length + (end - start) > MAX_LINE) throw malformed('a chunk header or trailer line is too long');
    this.line += input.toString('latin1', start, end);
  }

  private onChunkHeader(header: string): void {
    const semicolon = header.indexOf(';');
    const sizeText = semicolon < 0 ? header : header.slice(0, semicolon);
    if (!/^[0-9a-fA-F]{1,15}$/.test(sizeText)) throw malformed(`invalid chunk size "${sizeText.slice(0, 32)}"`);
    const size = parseInt(sizeText, 16);
    if (this.decoded + size > this.decodedLength) throw this.lengthMismatch(this.decoded + size);

    if (this.signer) {
      const signature = semicolon < 0 ? undefined : /(?:^|;)chunk-signature=([0-9a-f]{64})(?:;|$)/.exec(header.slice(semicolon + 1))?.[1];
      if (signature === undefined) throw new S3Error('SignatureDoesNotMatch', 'A chunk of the request body has no valid chunk-signature.');
      this.chunkSignature = signature;
      this.chunkHash = size > 0 ? createHash('sha256') : undefined;
    }
    if (size === 0) {
      this.onChunkEnd();
      this.state = State.Trailer;
    } else {
      this.chunkRemaining = size;
      this.state = State.ChunkData;
    }
  }

  /** A chunk's data is complete: check its signature and advance the chain. */
  private onChunkEnd(): void {
    if (!this.signer) return;
    const dataHash = this.chunkHash ? this.chunkHash.digest('hex') : EMPTY_SHA256;
    this.chunkHash = undefined;
    const expected = signChunk(this.signer, this.previousSignature, dataHash);
    if (!signaturesEqual(expected, this.chunkSignature)) {
      throw new S3Error('SignatureDoesNotMatch', undefined, { SignatureProvided: this.chunkSignature });
    }
    this.previousSignature = expected;
  }

  private onTrailerLine(line: string): void {
    if (line === '') {
      if (this.trailerLines > 0) return this.onTrailerEnd();
      // Some clients put the usual blank line between the final chunk and
      // the trailers ("0\r\n\r\nx-amz-checksum-...").
      if (this.expectedTrailers.length > 0 && !this.skippedBlankBeforeTrailer) {
        this.skippedBlankBeforeTrailer = true;
        return;
      }
      return this.onTrailerEnd();
    }
    if (++this.trailerLines > MAX_TRAILER_LINES) throw new S3Error('MalformedTrailerError');
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    if (!/^[a-z0-9-]+$/.test(name)) throw new S3Error('MalformedTrailerError');
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.trailerSignature = value;
      return;
    }
    // A trailer the request did not announce in x-amz-trailer is refused, as AWS does.
    if (!this.expectedTrailers.includes(name) || Object.hasOwn(this.trailers, name)) throw new S3Error('MalformedTrailerError');
    this.trailers[name] = value;
    this.trailerCanonical += `${name}:${value}\n`;
  }

  private onTrailerEnd(): void {
    for (const name of this.expectedTrailers) {
      if (!Object.hasOwn(this.trailers, name)) throw new S3Error('MalformedTrailerError');
    }
    if (this.signedTrailer && this.trailerLines > 0) {
      if (this.trailerSignature === undefined) {
        throw new S3Error('SignatureDoesNotMatch', 'The trailing headers of the request body are not signed.');
      }
      const trailerHash = createHash('sha256').update(this.trailerCanonical).digest('hex');
      const expected = signTrailer(this.signer!, this.previousSignature, trailerHash);
      if (!signaturesEqual(expected, this.trailerSignature)) {
        throw new S3Error('SignatureDoesNotMatch', undefined, { SignatureProvided: this.trailerSignature });
      }
    }
    this.state = State.Done;
  }

  /** End of input: the body must be complete, its length and checksum as declared. */
  private finish(): void {
    const inTrailer = this.state === State.Trailer || this.state === State.Done;
    if (!inTrailer || this.decoded !== this.decodedLength) throw this.lengthMismatch(this.decoded);
    if (this.state === State.Trailer) {
      const trailersExpected = this.trailerLines > 0 || this.expectedTrailers.length > 0;
      // Tolerate a body whose last (blank) line is missing, or half there.
      if (this.line === '' || this.line === '\r') this.onTrailerEnd();
      else if (trailersExpected) throw new S3Error('MalformedTrailerError');
      else throw this.lengthMismatch(this.decoded);
    }
    for (const checksum of this.checksums) {
      const name = `x-amz-checksum-${checksum.algorithm.toLowerCase()}`;
      const value = this.trailers[name]!;
      if (!isValidChecksumValue(checksum.algorithm, value)) {
        throw new S3Error('InvalidRequest', `Value for ${name} trailing header is invalid.`);
      }
      if (checksum.digestBase64() !== value) {
        throw new S3Error('BadDigest', `The ${checksum.algorithm} you specified did not match the calculated checksum.`);
      }
      this.checksum = { algorithm: checksum.algorithm, value };
    }
  }

  private lengthMismatch(provided: number): S3Error {
    return new S3Error('IncompleteBody', undefined, { NumberBytesExpected: this.decodedLength, NumberBytesProvided: provided });
  }
}
