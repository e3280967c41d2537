/**
 * AWS Signature Version 4 verification for S3, query-string (presigned URL) form.
 *
 * The signature covers the canonical request with every query parameter but
 * X-Amz-Signature; the payload is UNSIGNED-PAYLOAD unless X-Amz-Content-Sha256
 * (query or header) says otherwise. The URL is valid from X-Amz-Date for
 * X-Amz-Expires seconds, at most a week.
 * Reference: docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
import { S3Error } from '../../domain/errors';
import {
  DEFAULT_MAX_SKEW_MS,
  UNSIGNED_PAYLOAD,
  checkSignedHeaders,
  errorTimestamp,
  headerValue,
  parseAmzDate,
  payloadMode,
  payloadModeFromHeader,
  type SignedRequest,
  type SigV4Options,
  verifySignature,
  type VerifiedRequest,
} from './sigv4';

/** AWS: a presigned URL lives at most seven days. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'] as const;

/** True when the query carries SigV4 presigned parameters (X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature). */
export function isPresignedV4(query: ReadonlyMap<string, string>): boolean {
  return query.has('X-Amz-Algorithm') || query.has('X-Amz-Credential') || query.has('X-Amz-Signature');
}

function queryError(message: string): S3Error {
  return new S3Error('AuthorizationQueryParametersError', message);
}

interface PresignedParams {
  accessKey: string;
  date: string;
  region: string;
  signedHeaders: string[];
  signedHeadersRaw: string;
  signature: string;
  amzDate: string;
  time: number;
  expiresSeconds: number;
}

/** Parses and validates the X-Amz-* query parameters, with AWS's error for each defect. */
export function parsePresignedParams(query: ReadonlyMap<string, string>): PresignedParams {
  if (REQUIRED.some((name) => !query.has(name))) {
    throw queryError(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw queryError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');

  const credential = query.get('X-Amz-Credential')!;
  const parts = credential.split('/');
  if (parts.length < 5 || parts[0] === '') {
    throw queryError('Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  const [date, region, service, terminator] = parts.slice(-4) as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) {
    throw queryError(`Error parsing the X-Amz-Credential parameter; incorrect date format "${date}". This date in the credential must be in the format "yyyyMMdd".`);
  }
  if (region === '') throw queryError('Error parsing the X-Amz-Credential parameter; the region is missing.');
  if (service !== 's3') throw queryError(`Error parsing the X-Amz-Credential parameter; incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminator !== 'aws4_request') {
    throw queryError(`Error parsing the X-Amz-Credential parameter; incorrect terminal "${terminator}". This endpoint uses "aws4_request".`);
  }

  const amzDate = query.get('X-Amz-Date')!;
  const time = parseAmzDate(amzDate);
  if (time === undefined) throw queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (amzDate.slice(0, 8) !== date) {
    throw queryError(`Invalid credential date "${date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }

  const expires = query.get('X-Amz-Expires')!;
  if (!/^-?\d+$/.test(expires)) throw queryError('X-Amz-Expires should be a number');
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 0) throw queryError('X-Amz-Expires must be non-negative');
  if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw queryError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_SECONDS} seconds`);
  }

  const signedHeadersRaw = query.get('X-Amz-SignedHeaders')!;
  const signature = query.get('X-Amz-Signature')!;
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new S3Error('SignatureDoesNotMatch');
  return {
    accessKey: parts.slice(0, -4).join('/'),
    date,
    region,
    signedHeaders: signedHeadersRaw.split(';'),
    signedHeadersRaw,
    signature,
    amzDate,
    time,
    expiresSeconds,
  };
}

/** Verifies a SigV4 presigned request. `query` is the decoded query of `req.rawQuery`. Throws S3Error. */
export function verifyPresignedV4(req: SignedRequest, query: ReadonlyMap<string, string>, options: SigV4Options): VerifiedRequest {
  const params = parsePresignedParams(query);
  const region = params.region === 'US' ? 'us-east-1' : params.region;
  if (options.region !== undefined && region !== options.region) {
    throw queryError(`Error parsing the X-Amz-Credential parameter; the region '${params.region}' is wrong; expecting '${options.region}'`);
  }
  if (!params.signedHeaders.includes('host')) throw queryError('Query-string authentication requires the host header to be signed.');
  checkSignedHeaders(params.signedHeaders, req.headers);

  const secret = options.lookupSecret(params.accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: params.accessKey });

  // AWS refuses a URL dated in the future (beyond the clock skew it tolerates) and one past its expiry.
  const now = options.now.getTime();
  if (params.time - now > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    throw new S3Error('AccessDenied', 'Request is not yet valid', { 'X-Amz-Date': params.amzDate, ServerTime: errorTimestamp(options.now) });
  }
  if (now > params.time + params.expiresSeconds * 1000) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': params.expiresSeconds,
      Expires: errorTimestamp(new Date(params.time + params.expiresSeconds * 1000)),
      ServerTime: errorTimestamp(options.now),
    });
  }

  const contentSha256 = query.get('X-Amz-Content-Sha256') ?? headerValue(req.headers, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
  const content = payloadModeFromHeader(contentSha256);

  const signer = verifySignature(req, params, secret, contentSha256);
  return {
    accessKey: params.accessKey,
    region: options.region ?? region,
    payload: payloadMode(content, req.headers, () => signer),
  };
}
