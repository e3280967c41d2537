/**
 * Object metadata from request headers (PutObject) and back to response headers (GET/HEAD).
 */
import { s3Error } from '../../domain/errors';
import { STORAGE_CLASSES, type ObjectVersion, type StorageClass, type SystemMetadata } from '../../domain/object-version';
import { decodeHeaderValue, encodeHeaderValue } from '../../infra/http/rfc2047';
import type { Headers } from './s3-response';

/** AWS: user metadata may total 2 KB (UTF-8 bytes of names and values). */
export const MAX_USER_METADATA_BYTES = 2048;
const USER_PREFIX = 'x-amz-meta-';

type RequestHeaders = Record<string, string | string[] | undefined>;

function single(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * x-amz-meta-* headers as stored: names lowercase (Node already folds them), values with
 * RFC 2047 encoded-words decoded, as S3 does, so non-ASCII values count in UTF-8 bytes; an
 * empty name is dropped.
 */
export function userMetadataFrom(headers: RequestHeaders): Record<string, string> {
  const user: Record<string, string> = {};
  let bytes = 0;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith(USER_PREFIX)) continue;
    const key = name.slice(USER_PREFIX.length);
    // A bare `x-amz-meta-` names nothing a GET could return: S3 drops it rather than store it.
    if (key === '') continue;
    const value = decodeHeaderValue(single(headers, name) ?? '');
    user[key] = value;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > MAX_USER_METADATA_BYTES) {
    throw s3Error('MetadataTooLarge', undefined, { Size: bytes, MaxSizeAllowed: MAX_USER_METADATA_BYTES });
  }
  return user;
}

/** Content-Encoding without the aws-chunked transfer coding (which is not part of the object). */
function storedContentEncoding(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const codings = value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c.toLowerCase() !== 'aws-chunked');
  return codings.length > 0 ? codings.join(',') : undefined;
}

/**
 * The standard headers stored with an object. An empty one is not stored: it says nothing,
 * and returned as sent it breaks readers (boto3 fails every HEAD and GET of an object whose
 * Expires is empty; an empty Content-Type would hide the binary/octet-stream default).
 */
export function systemMetadataFrom(headers: RequestHeaders): SystemMetadata {
  const system: Record<string, string> = {};
  const set = (field: keyof SystemMetadata, value: string | undefined) => {
    if (value !== undefined && value !== '') system[field] = value;
  };
  set('contentType', single(headers, 'content-type'));
  set('contentEncoding', storedContentEncoding(single(headers, 'content-encoding')));
  set('contentDisposition', single(headers, 'content-disposition'));
  set('contentLanguage', single(headers, 'content-language'));
  set('cacheControl', single(headers, 'cache-control'));
  set('expires', single(headers, 'expires'));
  set('websiteRedirectLocation', websiteRedirectLocationFrom(single(headers, 'x-amz-website-redirect-location')));
  return system;
}

/** S3 stores a website redirect of at most 2 KB (a header value is one character per byte). */
const MAX_REDIRECT_LOCATION_BYTES = 2048;

/**
 * x-amz-website-redirect-location, checked as S3 checks it: a path on the same site ("/...") or
 * an http(s) URL, of at most 2 KB; anything else is refused before the object is written.
 */
export function websiteRedirectLocationFrom(value: string | undefined): string | undefined {
  // An empty header names no redirect (MinIO and AWS's SDKs treat it as absent too).
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_REDIRECT_LOCATION_BYTES) {
    throw s3Error('InvalidRedirectLocation', `The website redirect location must be at most ${MAX_REDIRECT_LOCATION_BYTES} bytes long.`);
  }
  if (value.startsWith('/') || /^https?:\/\//i.test(value)) return value;
  throw s3Error('InvalidRedirectLocation');
}

/** x-amz-storage-class on a write (STANDARD when absent); STORAGE_CLASSES says which are taken. */
export function storageClassFrom(headers: RequestHeaders): StorageClass {
  const value = single(headers, 'x-amz-storage-class');
  if (value === undefined) return 'STANDARD';
  if ((STORAGE_CLASSES as readonly string[]).includes(value)) return value as StorageClass;
  throw s3Error('InvalidStorageClass', undefined, { StorageClassRequested: value });
}

/** GET/HEAD query parameters that override response headers (response-content-type...). */
const RESPONSE_OVERRIDES: readonly (readonly [string, string])[] = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

/** What Node lets through as a header value (Latin-1 without control characters). */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function applyResponseOverrides(headers: Headers, query: ReadonlyMap<string, string>): void {
  for (const [parameter, name] of RESPONSE_OVERRIDES) {
    const value = query.get(parameter);
    if (value === undefined) continue;
    if (!HEADER_SAFE.test(value)) throw s3Error('InvalidArgument', 'Header value cannot be represented using ISO-8859-1.', { ArgumentName: parameter, ArgumentValue: value });
    headers[name] = value;
  }
}

/** AWS's content type for objects stored without one. */
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** The headers GET and HEAD return for a version (without range and length). */
export function objectHeaders(version: ObjectVersion): Headers {
  const headers: Headers = {
    etag: `"${version.etag}"`,
    'last-modified': new Date(version.lastModified).toUTCString(),
    'content-type': version.system.contentType ?? DEFAULT_CONTENT_TYPE,
    'content-encoding': version.system.contentEncoding,
    'content-disposition': version.system.contentDisposition,
    'content-language': version.system.contentLanguage,
    'cache-control': version.system.cacheControl,
    expires: version.system.expires,
    'x-amz-website-redirect-location': version.system.websiteRedirectLocation,
    'accept-ranges': 'bytes',
    'x-amz-tagging-count': version.tags?.length,
    // AWS names the class on HEAD and GET only when it is not STANDARD.
    'x-amz-storage-class': version.storageClass === 'STANDARD' ? undefined : version.storageClass,
  };
  for (const [name, value] of Object.entries(version.user)) headers[`x-amz-meta-${name}`] = encodeHeaderValue(value);
  return headers;
}
