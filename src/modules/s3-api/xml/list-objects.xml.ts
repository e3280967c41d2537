/**
 * ListObjects (v1) and ListObjectsV2 result documents. With encoding-type=url, keys and
 * prefixes are URL-encoded (so that any key, even one XML cannot carry, can be listed).
 */
import type { ListEntry, ListPage } from '../../../domain/rules/listing';
import { escapeXml, s3Document, tag, xmlTimestamp } from '../../../infra/http/xml-writer';
import type { Owner } from '../s3-owner';
import { renderOwner } from './buckets.xml';

export interface ListRender {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter?: string;
  readonly maxKeys: number;
  readonly urlEncode: boolean;
  /** When set, every entry carries the owner (v1 always, v2 with fetch-owner=true). */
  readonly owner?: Owner;
}

/**
 * encoding-type=url as S3 applies it (and MinIO reproduces): query-component escaping,
 * with a space as '+', except that '/' and '*' stay as they are.
 */
export function s3UrlEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.\/*]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function encoder(urlEncode: boolean): (value: string) => string {
  return urlEncode ? s3UrlEncode : (value) => value;
}

/**
 * The entries as one flat string: joined from an array rather than appended to, because a
 * string built by thousands of `+=` is a rope that Buffer.from must flatten, which cost as
 * much as rendering it.
 */
function renderEntries(page: ListPage, render: ListRender): string {
  const encode = encoder(render.urlEncode);
  const owner = render.owner ? renderOwner(render.owner) : '';
  const parts: string[] = [];
  for (const entry of page.contents) parts.push(renderContents(entry, encode, owner));
  for (const prefix of page.commonPrefixes) parts.push(`<CommonPrefixes>${tag('Prefix', encode(prefix))}</CommonPrefixes>`);
  return parts.join('');
}

function renderContents({ key, version }: ListEntry, encode: (value: string) => string, owner: string): string {
  return (
    `<Contents>${tag('Key', encode(key))}${tag('LastModified', xmlTimestamp(version.lastModified))}` +
    // The quotes S3 puts around an ETag, already escaped: only the value may need escaping.
    `<ETag>&quot;${escapeXml(version.etag)}&quot;</ETag>` +
    (version.checksum ? tag('ChecksumAlgorithm', version.checksum.algorithm) : '') +
    `${tag('Size', version.size)}${owner}${tag('StorageClass', version.storageClass)}</Contents>`
  );
}

function renderCommonHead(render: ListRender): string {
  const encode = encoder(render.urlEncode);
  return `${tag('Name', render.bucket)}${tag('Prefix', encode(render.prefix))}`;
}

export function renderListObjectsV1(page: ListPage, render: ListRender, marker: string): string {
  const encode = encoder(render.urlEncode);
  // AWS returns NextMarker only with a delimiter; without one, clients continue from the last key.
  const nextMarker = page.isTruncated && render.delimiter ? page.last : undefined;
  return s3Document(
    'ListBucketResult',
    renderCommonHead(render) +
      tag('Marker', encode(marker)) +
      (nextMarker !== undefined ? tag('NextMarker', encode(nextMarker)) : '') +
      tag('MaxKeys', render.maxKeys) +
      (render.delimiter !== undefined ? tag('Delimiter', encode(render.delimiter)) : '') +
      (render.urlEncode ? tag('EncodingType', 'url') : '') +
      tag('IsTruncated', page.isTruncated) +
      renderEntries(page, render),
  );
}

export function renderListObjectsV2(
  page: ListPage,
  render: ListRender,
  tokens: { continuationToken?: string; nextContinuationToken?: string; startAfter?: string },
): string {
  const encode = encoder(render.urlEncode);
  return s3Document(
    'ListBucketResult',
    renderCommonHead(render) +
      (tokens.continuationToken !== undefined ? tag('ContinuationToken', tokens.continuationToken) : '') +
      (tokens.nextContinuationToken !== undefined ? tag('NextContinuationToken', tokens.nextContinuationToken) : '') +
      (tokens.startAfter !== undefined ? tag('StartAfter', encode(tokens.startAfter)) : '') +
      tag('KeyCount', page.contents.length + page.commonPrefixes.length) +
      tag('MaxKeys', render.maxKeys) +
      (render.delimiter !== undefined ? tag('Delimiter', encode(render.delimiter)) : '') +
      (render.urlEncode ? tag('EncodingType', 'url') : '') +
      tag('IsTruncated', page.isTruncated) +
      renderEntries(page, render),
  );
}
