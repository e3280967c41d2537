/**
 * AWS Signature Version 2 verification for S3: the `Authorization: AWS AKID:signature`
 * header and the presigned query (AWSAccessKeyId, Expires, Signature).
 *
 * signature = Base64(HMAC-SHA1(secret, StringToSign)), where StringToSign is
 *   VERB \n Content-MD5 \n Content-Type \n Date (or Expires) \n CanonicalizedAmzHeaders CanonicalizedResource
 * V2 never signs the body: the payload counts as unsigned (Content-MD5 still applies).
 * Reference: docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../../domain/errors';
import { DEFAULT_MAX_SKEW_MS, errorTimestamp, headerValue, type SignedRequest, type VerifiedRequest } from './sigv4';

/**
 * Query parameters that V2 signs as part of the resource: the sub-resources and the
 * response-* overrides (the list boto and MinIO use, a superset of AWS's documented one).
 */
const SIGNED_SUB_RESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'cors', 'defaultObjectAcl', 'delete', 'encryption', 'inventory', 'legal-hold',
  'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock', 'partNumber', 'policy',
  'replication', 'requestPayment', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires',
  'restore', 'retention', 'select', 'select-type', 'storageClass', 'tagging', 'torrent', 'uploadId', 'uploads',
  'versionId', 'versioning', 'versions', 'website',
]);

export interface SigV2Request extends SignedRequest {
  /** The decoded query of rawQuery. */
  query: ReadonlyMap<string, string>;
  /**
   * The CanonicalizedResource path candidates: the raw path, and for a virtual-host style
   * request also `/bucket` + raw path (V2 always names the bucket in the resource).
   */
  resourcePaths: readonly string[];
}

export interface SigV2Options {
  lookupSecret(accessKey: string): string | undefined;
  now: Date;
  region: string;
  maxSkewMs?: number;
}

/** True when the query carries V2 presigned parameters. */
export function isPresignedV2(query: ReadonlyMap<string, string>): boolean {
  return query.has('AWSAccessKeyId') || query.has('Signature');
}

/** `x-amz-*` headers, lowercase, sorted, `name:value\n` each (repeated values joined by ','). */
export function canonicalAmzHeaders(headers: SignedRequest['headers']): string {
  const names = Object.keys(headers)
    .filter((name) => name.startsWith('x-amz-') && headers[name] !== undefined)
    .sort();
  let out = '';
  for (const name of names) {
    const value = headers[name]!;
    out += `${name}:${(Array.isArray(value) ? value.map((v) => v.trim()).join(',') : value.trim())}\n`;
  }
  return out;
}

/** The path followed by the signed sub-resources, sorted by name, values not encoded. */
export function canonicalResource(path: string, query: ReadonlyMap<string, string>): string {
  const names = [...query.keys()].filter((name) => SIGNED_SUB_RESOURCES.has(name)).sort();
  if (names.length === 0) return path;
  return `${path}?${names.map((name) => (query.get(name) === '' ? name : `${name}=${query.get(name)}`)).join('&')}`;
}

export function stringToSignV2(method: string, headers: SignedRequest['headers'], dateOrExpires: string, resource: string): string {
  return (
    `${method}\n${headerValue(headers, 'content-md5') ?? ''}\n${headerValue(headers, 'content-type') ?? ''}\n${dateOrExpires}\n` +
    `${canonicalAmzHeaders(headers)}${resource}`
  );
}

export function signV2(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** Verifies `Authorization: AWS AKID:signature`. Throws S3Error. */
export function verifyAuthorizationHeaderV2(req: SigV2Request, options: SigV2Options): VerifiedRequest {
  const authorization = headerValue(req.headers, 'authorization') ?? '';
  const m = /^AWS ([^:\s]+):(\S+)$/.exec(authorization);
  if (!m) {
    throw new S3Error('InvalidArgument', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', {
      ArgumentName: 'Authorization',
      ArgumentValue: authorization,
    });
  }
  const [, accessKey, signature] = m as unknown as [string, string, string];

  // With x-amz-date the Date line is empty to AWS; some clients still sign the Date header.
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const date = headerValue(req.headers, 'date');
  const raw = amzDate ?? date;
  const time = raw === undefined ? NaN : Date.parse(raw);
  if (Number.isNaN(time)) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');

  const secret = options.lookupSecret(accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });

  const maxSkewMs = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(options.now.getTime() - time) > maxSkewMs) {
    throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: raw,
      ServerTime: errorTimestamp(options.now),
      MaxAllowedSkewMilliseconds: maxSkewMs,
    });
  }
  const dateLines = amzDate === undefined ? [date ?? ''] : ['', date ?? ''];
  checkSignature(req, secret, accessKey, signature, dateLines);
  return { accessKey, region: options.region, payload: { kind: 'unsigned' } };
}

/** Verifies a V2 presigned URL (AWSAccessKeyId, Expires, Signature). Throws S3Error. */
export function verifyPresignedV2(req: SigV2Request, options: SigV2Options): VerifiedRequest {
  const accessKey = req.query.get('AWSAccessKeyId');
  const signature = req.query.get('Signature');
  const expires = req.query.get('Expires');
  if (!accessKey || !signature || expires === undefined) {
    throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  if (!/^\d+$/.test(expires)) throw new S3Error('AccessDenied', `Invalid date (should be seconds since epoch): ${expires}`);

  const secret = options.lookupSecret(accessKey);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
  if (options.now.getTime() > Number(expires) * 1000) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      Expires: errorTimestamp(new Date(Number(expires) * 1000)),
      ServerTime: errorTimestamp(options.now),
    });
  }
  checkSignature(req, secret, accessKey, signature, [expires]);
  return { accessKey, region: options.region, payload: { kind: 'unsigned' } };
}

function checkSignature(req: SigV2Request, secret: string, accessKey: string, provided: string, dateLines: readonly string[]): void {
  let first: string | undefined;
  for (const path of req.resourcePaths) {
    const resource = canonicalResource(path, req.query);
    for (const dateLine of dateLines) {
      const stringToSign = stringToSignV2(req.method, req.headers, dateLine, resource);
      first ??= stringToSign;
      if (base64Equal(signV2(secret, stringToSign), provided)) return;
    }
  }
  throw new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: accessKey, StringToSign: first, SignatureProvided: provided });
}

function base64Equal(expected: string, provided: string): boolean {
  if (expected.length !== provided.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(provided, 'latin1'));
}
