/**
 * Object metadata from request headers (PutObject) and back to response headers (GET/HEAD).
 */
import { s3Error } from '../../domain/errors';
import type { ObjectVersion, SystemMetadata } from '../../domain/object-version';
import type { Headers } from './s3-response';

/** AWS: user metadata may total 2 KB (UTF-8 bytes of names and values). */
export const MAX_USER_METADATA_BYTES = 2048;
const USER_PREFIX = 'x-amz-meta-';

type RequestHeaders = Record<string, string | string[] | undefined>;

function single(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function userMetadataFrom(headers: RequestHeaders): Record<string, string> {
  const user: Record<string, string> = {};
  let bytes = 0;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith(USER_PREFIX)) continue;
    const key = name.slice(USER_PREFIX.length);
    const value = single(headers, name) ?? '';
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

export function systemMetadataFrom(headers: RequestHeaders): SystemMetadata {
  const system: Record<string, string> = {};
  const set = (field: keyof SystemMetadata, value: string | undefined) => {
    if (value !== undefined) system[field] = value;
  };
  set('contentType', single(headers, 'content-type'));
  set('contentEncoding', storedContentEncoding(single(headers, 'content-encoding')));
  set('contentDisposition', single(headers, 'content-disposition'));
  set('contentLanguage', single(headers, 'content-language'));
  set('cacheControl', single(headers, 'cache-control'));
  set('expires', single(headers, 'expires'));
  return system;
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
    'accept-ranges': 'bytes',
    'x-amz-tagging-count': version.tags?.length,
  };
  for (const [name, value] of Object.entries(version.user)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}
