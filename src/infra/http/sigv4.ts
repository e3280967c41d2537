/**
 * AWS Signature Version 4 verification for S3, Authorization-header form.
 *
 * Runs on every request, so the derived signing key is cached and the common
 * case (canonical path and query already in UriEncode form) costs no
 * re-encoding. Errors are the ones AWS returns, as S3Errors.
 * Reference: docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { S3Error } from '../../domain/errors';
import { normalizeEncoded } from './uri-encode';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_PAYLOAD_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_PAYLOAD_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 's3';
const TERMINATOR = 'aws4_request';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** Path exactly as received on the wire (percent-encoded, before '?'). */
  rawPath: string;
  /** Query string exactly as received (without '?'), '' if none. */
  rawQuery: string;
  /** Node's IncomingHttpHeaders: lowercase names. */
  headers: Record<string, string | string[] | undefined>;
}

/** What the aws-chunked decoder needs to verify chunk and trailer signatures. */
export interface ChunkSigner {
  /** kSigning of the request's credential scope. */
  readonly signingKey: Buffer;
  /** The request timestamp as signed (YYYYMMDD'T'HHMMSS'Z'). */
  readonly amzDate: string;
  /** Credential scope: date/region/s3/aws4_request. */
  readonly scope: string;
  /** The Authorization header's signature: the "previous signature" of the first chunk. */
  readonly seedSignature: string;
}

export type PayloadMode =
  | { kind: 'signed'; sha256Hex: string } // x-amz-content-sha256 is a hex hash: body must hash to it
  | { kind: 'unsigned' } // UNSIGNED-PAYLOAD
  /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]; `trailer` (x-amz-trailer, '' if absent) only for -TRAILER. */
  | { kind: 'streaming-signed'; trailer?: string; chunkSigner: ChunkSigner }
  | { kind: 'streaming-unsigned-trailer'; trailer: string }; // STREAMING-UNSIGNED-PAYLOAD-TRAILER

export interface VerifiedRequest {
  accessKey: string;
  region: string;
  payload: PayloadMode;
}

export interface SigV4Options {
  lookupSecret(accessKey: string): string | undefined;
  now: Date;
  /** When set, the credential scope's region must equal it (after mapping 'US' to 'us-east-1'); when unset any region is accepted and used for the signature. */
  region?: string;
  maxSkewMs?: number; // default 15 minutes
}

/** The x-amz-content-sha256 value, classified (before any key is known). */
export type ContentSha256 =
  | { kind: 'signed'; sha256Hex: string }
  | { kind: 'unsigned' }
  | { kind: 'streaming-signed'; trailer: boolean }
  | { kind: 'streaming-unsigned-trailer' };

/**
 * Classifies an x-amz-content-sha256 value. Throws InvalidRequest when it is
 * missing (S3 requires it with SigV4), InvalidArgument when it is unknown,
 * NotImplemented for the SigV4a (ECDSA) streaming forms.
 */
export function payloadModeFromHeader(value: string | undefined): ContentSha256 {
  if (value === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  switch (value) {
    case UNSIGNED_PAYLOAD:
      return { kind: 'unsigned' };
    case STREAMING_SIGNED_PAYLOAD:
      return { kind: 'streaming-signed', trailer: false };
    case STREAMING_SIGNED_PAYLOAD_TRAILER:
      return { kind: 'streaming-signed', trailer: true };
    case STREAMING_UNSIGNED_PAYLOAD_TRAILER:
      return { kind: 'streaming-unsigned-trailer' };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw new S3Error('NotImplemented', 'Signature Version 4A (ECDSA) is not supported.');
  }
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { kind: 'signed', sha256Hex: value.toLowerCase() };
  throw new S3Error(
    'InvalidArgument',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, ' +
      'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value },
  );
}

/** Verifies a request signed with SigV4 in the Authorization header. Throws S3Error. */
export function verifyAuthorizationHeader(req: SignedRequest, options: SigV4Options): VerifiedRequest {
  const headers = req.headers;
  const auth = parseAuthorization(headerValue(headers, 'authorization'));
  const { amzDate, time, raw: rawDate } = requestTime(headers);

  if (auth.date !== amzDate.slice(0, 8)) {
    throw malformed(`Invalid credential date "${auth.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  // s3cmd and some old clients sign with the legacy location constraint 'US'.
  const region = auth.region === 'US' ? 'us-east-1' : auth.region;
  if (options.region !== undefined && region !== options.region) {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${options.region}'`,
      { Region: options.region },
    );
  }
  checkSignedHeaders(auth.signedHeaders, headers);

  const secret = options.lookupSecret(auth.accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: auth.accessKey });

  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(options.now.getTime() - time) > maxSkewMs) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: rawDate,
      ServerTime: errorTimestamp(options.now),
      MaxAllowedSkewMilliseconds: maxSkewMs,
    });
  }

  const contentSha256 = headerValue(headers, 'x-amz-content-sha256');
  const content = payloadModeFromHeader(contentSha256);

  const claim: SignatureClaim = {
    accessKey: auth.accessKey,
    date: auth.date,
    region: auth.region,
    amzDate,
    signedHeaders: auth.signedHeaders,
    signedHeadersRaw: auth.signedHeadersRaw,
    signature: auth.signature,
  };
  const signer = verifySignature(req, claim, secret, contentSha256!); // present: checked just above
  // A request without a body is checked here, before a handler acts on it: a DELETE or a GET
  // never reads a body, so its hash would otherwise never be compared (one that sends a body
  // anyway has it read and checked first: s3-api/ignored-body.ts).
  if (content.kind === 'signed' && !declaresBody(headers) && content.sha256Hex !== EMPTY_SHA256) {
    throw new S3Error('XAmzContentSHA256Mismatch', undefined, { ClientComputedContentSHA256: content.sha256Hex, S3ComputedContentSHA256: EMPTY_SHA256 });
  }

  return {
    accessKey: auth.accessKey,
    region: options.region ?? region,
    payload: payloadMode(content, headers, () => signer),
  };
}

/** The request says it carries a body: a non-zero Content-Length, or a Transfer-Encoding. */
export function declaresBody(headers: SignedRequest['headers']): boolean {
  const length = headerValue(headers, 'content-length');
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** What a request claims about its signature (Authorization header or presigned query). */
export interface SignatureClaim {
  readonly accessKey: string;
  readonly date: string;
  readonly region: string;
  readonly amzDate: string;
  readonly signedHeaders: readonly string[];
  readonly signedHeadersRaw: string;
  readonly signature: string;
}

/**
 * Recomputes the signature of the request's canonical form and compares it with the claim;
 * throws SignatureDoesNotMatch. Returns the chunk signer seeded with it (aws-chunked bodies).
 */
export function verifySignature(req: SignedRequest, claim: SignatureClaim, secret: string, contentSha256: string): ChunkSigner {
  const scope = `${claim.date}/${claim.region}/${SERVICE}/${TERMINATOR}`;
  const { key, hmacKey } = cachedSigningKey(secret, claim.date, claim.region, SERVICE);
  const canonicalHeaders = canonicalHeaderBlock(claim.signedHeaders, req.headers);
  const canonicalPath = req.rawPath === '' ? '/' : normalizeEncoded(req.rawPath, { keepSlash: true });
  const build = (plusAsSpace: boolean): string =>
    `${req.method}\n${canonicalPath}\n${canonicalQuery(req.rawQuery, plusAsSpace)}\n${canonicalHeaders}\n${claim.signedHeadersRaw}\n${contentSha256}`;

  // A literal '+' in a query is a space to S3 (form encoding), but a few
  // clients sign it as %2B; the second reading is tried only on a mismatch.
  const canonicalRequest = build(true);
  const stringToSign = stringToSignFor(claim.amzDate, scope, canonicalRequest);
  let matches = signaturesEqual(hmacHex(hmacKey, stringToSign), claim.signature);
  if (!matches && req.rawQuery.includes('+')) {
    matches = signaturesEqual(hmacHex(hmacKey, stringToSignFor(claim.amzDate, scope, build(false))), claim.signature);
  }
  if (!matches) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: claim.accessKey,
      StringToSign: stringToSign,
      SignatureProvided: claim.signature,
      StringToSignBytes: spacedHex(stringToSign),
      CanonicalRequest: canonicalRequest,
      CanonicalRequestBytes: spacedHex(canonicalRequest),
    });
  }
  return { signingKey: key, amzDate: claim.amzDate, scope, seedSignature: claim.signature };
}

export function payloadMode(content: ContentSha256, headers: SignedRequest['headers'], signer: () => ChunkSigner): PayloadMode {
  switch (content.kind) {
    case 'signed':
    case 'unsigned':
      return content;
    case 'streaming-signed': {
      const chunkSigner = signer();
      return content.trailer
        ? { kind: 'streaming-signed', trailer: headerValue(headers, 'x-amz-trailer') ?? '', chunkSigner }
        : { kind: 'streaming-signed', chunkSigner };
    }
    case 'streaming-unsigned-trailer':
      return { kind: 'streaming-unsigned-trailer', trailer: headerValue(headers, 'x-amz-trailer') ?? '' };
  }
}

// --- chunk signatures (used by the aws-chunked decoder) ------------------------

/** Signature of one aws-chunked data chunk, chained on the previous one. */
export function signChunk(signer: ChunkSigner, previousSignature: string, chunkSha256Hex: string): string {
  return hmacHex(
    signer.signingKey,
    `AWS4-HMAC-SHA256-PAYLOAD\n${signer.amzDate}\n${signer.scope}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkSha256Hex}`,
  );
}

/** Signature of the trailer section; `trailerSha256Hex` hashes the `name:value\n` lines. */
export function signTrailer(signer: ChunkSigner, previousSignature: string, trailerSha256Hex: string): string {
  return hmacHex(signer.signingKey, `AWS4-HMAC-SHA256-TRAILER\n${signer.amzDate}\n${signer.scope}\n${previousSignature}\n${trailerSha256Hex}`);
}

/**
 * Comparison of two hex signatures in time independent of where they differ (false when the
 * lengths differ): every character is compared, without copying both into buffers first.
 */
export function signaturesEqual(expected: string, provided: string): boolean {
  if (expected.length !== provided.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ provided.charCodeAt(i);
  return difference === 0;
}

// --- signing key ---------------------------------------------------------------

// kSigning depends on (secret, date, region, service) only: four HMACs saved per
// request. Keyed by the secret itself so a rotated key never hits a stale entry.
const SIGNING_KEY_CACHE_SIZE = 512;
const signingKeys = new Map<string, { key: Buffer; hmacKey: KeyObject }>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), cached. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return cachedSigningKey(secret, date, region, service).key;
}

/** The key of the last request: nearly every request reuses it (one key a day per region and user). */
let lastSigningKey: { secret: string; date: string; region: string; service: string; entry: { key: Buffer; hmacKey: KeyObject } } | undefined;

export function cachedSigningKey(secret: string, date: string, region: string, service: string): { key: Buffer; hmacKey: KeyObject } {
  const last = lastSigningKey;
  if (last && last.secret === secret && last.date === date && last.region === region && last.service === service) return last.entry;
  const entry = signingKeyEntry(secret, date, region, service);
  lastSigningKey = { secret, date, region, service, entry };
  return entry;
}

function signingKeyEntry(secret: string, date: string, region: string, service: string): { key: Buffer; hmacKey: KeyObject } {
  const cacheKey = `${date}\n${region}\n${service}\n${secret}`;
  let entry = signingKeys.get(cacheKey);
  if (entry === undefined) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    const key = createHmac('sha256', kService).update(TERMINATOR).digest();
    // A KeyObject makes each later HMAC a little cheaper than a Buffer key.
    entry = { key, hmacKey: createSecretKey(key) };
    if (signingKeys.size >= SIGNING_KEY_CACHE_SIZE) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(cacheKey, entry);
  }
  return entry;
}

export function hmacHex(key: Buffer | KeyObject, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

export function stringToSignFor(amzDate: string, scope: string, canonicalRequest: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${hash('sha256', canonicalRequest, 'hex')}`;
}

// --- parsing -------------------------------------------------------------------

interface ParsedAuthorization {
  accessKey: string;
  date: string;
  region: string;
  signedHeaders: string[];
  signedHeadersRaw: string;
  signature: string;
}

function malformed(reason: string): S3Error {
  return new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${reason}`);
}

// What every SDK sends: the three components in this order, one credential
// shape. Matched in one go; anything else takes the slow, forgiving path.
const CANONICAL_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 +Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/s3\/aws4_request, *SignedHeaders=([a-z0-9\-;]+), *Signature=([0-9a-f]{64})$/;

function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (value === undefined) throw new S3Error('AccessDenied');
  const m = CANONICAL_AUTHORIZATION.exec(value);
  if (m) {
    const signedHeadersRaw = m[4]!;
    return { accessKey: m[1]!, date: m[2]!, region: m[3]!, signedHeaders: signedHeadersRaw.split(';'), signedHeadersRaw, signature: m[5]! };
  }
  return parseAuthorizationSlowly(value);
}

function parseAuthorizationSlowly(value: string): ParsedAuthorization {
  if (!value.startsWith(`${ALGORITHM} `)) {
    throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: value });
  }
  const components = new Map<string, string>();
  let wellFormed = true;
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const component = part.trim();
    if (component === '') continue;
    const eq = component.indexOf('=');
    const name = component.slice(0, Math.max(eq, 0));
    if (eq < 0 || components.has(name) || !['Credential', 'SignedHeaders', 'Signature'].includes(name)) wellFormed = false;
    components.set(name, component.slice(eq + 1));
  }
  const credential = components.get('Credential');
  const signedHeadersRaw = components.get('SignedHeaders');
  const signature = components.get('Signature');
  if (!wellFormed || !credential || !signedHeadersRaw || !signature) {
    throw malformed('the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }

  // AKID/YYYYMMDD/region/service/aws4_request, read from the right so that an
  // access key containing '/' still parses.
  const parts = credential.split('/');
  if (parts.length < 5 || parts[0] === '') {
    throw malformed('the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  const [date, region, service, terminator] = parts.slice(-4) as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) {
    throw malformed(`incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`);
  }
  if (region === '') throw malformed('the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  if (service !== SERVICE) throw malformed(`incorrect service "${service}". This endpoint belongs to "${SERVICE}".`);
  if (terminator !== TERMINATOR) throw malformed(`incorrect terminal "${terminator}". This endpoint uses "${TERMINATOR}".`);

  return {
    accessKey: parts.slice(0, -4).join('/'),
    date,
    region,
    signedHeaders: signedHeadersRaw.split(';').map((h) => h.toLowerCase()),
    signedHeadersRaw,
    signature,
  };
}

const AMZ_DATE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;

/** The request time, from x-amz-date or else the Date header; AccessDenied when neither is valid. */
function requestTime(headers: SignedRequest['headers']): { amzDate: string; time: number; raw: string } {
  const amzDate = headerValue(headers, 'x-amz-date');
  if (amzDate !== undefined) {
    const time = parseAmzDate(amzDate);
    if (time !== undefined) return { amzDate, time, raw: amzDate };
  } else {
    const date = headerValue(headers, 'date');
    const time = date === undefined ? NaN : Date.parse(date);
    if (!Number.isNaN(time)) {
      return { amzDate: new Date(time).toISOString().replace(/[-:]|\.\d{3}/g, ''), time, raw: date! };
    }
  }
  throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
}

/** Milliseconds since the epoch of an ISO 8601 basic timestamp (20130524T000000Z), undefined if malformed. */
export function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = +m[4]!;
  const minute = +m[5]!;
  const second = +m[6]!;
  if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && second < 61) {
    return Date.UTC(+m[1]!, month - 1, day, hour, minute, second);
  }
  return undefined;
}

/**
 * S3 refuses a request carrying x-amz-* headers (other than
 * x-amz-content-sha256) or a Host that the signature does not cover.
 */
export function checkSignedHeaders(signed: string[], headers: SignedRequest['headers']): void {
  let unsigned: string[] | undefined;
  for (const name in headers) {
    if (headers[name] === undefined || signed.includes(name)) continue;
    if (name === 'host' || (name.startsWith('x-amz-') && name !== 'x-amz-content-sha256')) (unsigned ??= []).push(name);
  }
  if (unsigned) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

/** A time in S3 error documents: ISO 8601 to the second, as AWS writes it (no milliseconds). */
export function errorTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Bytes as AWS lists them in SignatureDoesNotMatch (StringToSignBytes): hex pairs, space-separated. */
function spacedHex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

// --- canonical request ---------------------------------------------------------

export function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `name:value\n` for each signed header, values trimmed with inner blank runs collapsed. */
export function canonicalHeaderBlock(signed: readonly string[], headers: SignedRequest['headers']): string {
  let out = '';
  for (const name of signed) {
    const value = headers[name];
    const canonical = value === undefined ? '' : Array.isArray(value) ? value.map(canonicalHeaderValue).join(',') : canonicalHeaderValue(value);
    out += `${name}:${canonical}\n`;
  }
  return out;
}

function canonicalHeaderValue(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('  ') || trimmed.includes('\t') ? trimmed.replace(/[ \t]+/g, ' ') : trimmed;
}

/**
 * Every parameter, name and value in UriEncode form, sorted by name then value;
 * a parameter without '=' has an empty value; X-Amz-Signature is left out.
 */
export function canonicalQuery(rawQuery: string, plusAsSpace: boolean): string {
  if (rawQuery === '') return '';
  const pairs: string[][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = normalizeEncoded(eq < 0 ? part : part.slice(0, eq), { plusAsSpace });
    if (name.length === 15 && name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([name, eq < 0 ? '' : normalizeEncoded(part.slice(eq + 1), { plusAsSpace })]);
  }
  if (pairs.length > 1) pairs.sort(comparePairs);
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += (i === 0 ? '' : '&') + pairs[i]![0] + '=' + pairs[i]![1];
  return out;
}

function comparePairs(a: string[], b: string[]): number {
  const [an, av] = a as [string, string];
  const [bn, bv] = b as [string, string];
  if (an !== bn) return an < bn ? -1 : 1;
  return av < bv ? -1 : av > bv ? 1 : 0;
}
