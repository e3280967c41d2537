/**
 * ListObjects (v1) and ListObjectsV2 result documents. With encoding-type=url, keys and
 * prefixes are URL-encoded (so that any key, even one XML cannot carry, can be listed).
 */
import type { ListEntry, ListPage } from '../../../domain/rules/listing';
import { s3DocumentBytes, tag, xmlTimestamp, type XmlBytes } from '../../../infra/http/xml-writer';
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

/** Room for one entry of a page besides its owner (a key of ~40 bytes takes ~230). */
const ENTRY_BYTES = 256;

/** A first guess at a page's size, so that pages with keys of up to ~60 bytes never regrow. */
function expectedBytes(page: ListPage, owner: string): number {
  return 1024 + (ENTRY_BYTES + owner.length) * (page.contents.length + page.commonPrefixes.length);
}

function writeEntries(out: XmlBytes, page: ListPage, render: ListRender, owner: string): void {
  const encode = encoder(render.urlEncode);
  for (const entry of page.contents) writeContents(out, entry, encode, owner);
  for (const prefix of page.commonPrefixes) out.raw('<CommonPrefixes><Prefix>').text(encode(prefix)).raw('</Prefix></CommonPrefixes>');
}

function writeContents(out: XmlBytes, { key, version }: ListEntry, encode: (value: string) => string, owner: string): void {
  out.raw('<Contents><Key>').text(encode(key)).raw('</Key><LastModified>').raw(xmlTimestamp(version.lastModified));
  // The quotes S3 puts around an ETag, already escaped: only the value may need escaping.
  out.raw('</LastModified><ETag>&quot;').text(version.etag).raw('&quot;</ETag>');
  if (version.checksum) out.raw(tag('ChecksumAlgorithm', version.checksum.algorithm));
  out.raw('<Size>').raw(String(version.size)).raw('</Size>').raw(owner);
  out.raw('<StorageClass>').text(version.storageClass).raw('</StorageClass></Contents>');
}

/** Every entry's <Owner>, when the listing carries owners. */
function ownerXml(render: ListRender): string {
  return render.owner ? renderOwner(render.owner) : '';
}

function renderCommonHead(render: ListRender): string {
  const encode = encoder(render.urlEncode);
  return `${tag('Name', render.bucket)}${tag('Prefix', encode(render.prefix))}`;
}

export function renderListObjectsV1(page: ListPage, render: ListRender, marker: string): Buffer {
  const encode = encoder(render.urlEncode);
  // AWS returns NextMarker only with a delimiter; without one, clients continue from the last key.
  const nextMarker = page.isTruncated && render.delimiter ? page.last : undefined;
  const owner = ownerXml(render);
  return s3DocumentBytes('ListBucketResult', expectedBytes(page, owner), (out) => {
    out.raw(
      renderCommonHead(render) +
        tag('Marker', encode(marker)) +
        (nextMarker !== undefined ? tag('NextMarker', encode(nextMarker)) : '') +
        tag('MaxKeys', render.maxKeys) +
        (render.delimiter !== undefined ? tag('Delimiter', encode(render.delimiter)) : '') +
        (render.urlEncode ? tag('EncodingType', 'url') : '') +
        tag('IsTruncated', page.isTruncated),
    );
    writeEntries(out, page, render, owner);
  });
}

export function renderListObjectsV2(
  page: ListPage,
  render: ListRender,
  tokens: { continuationToken?: string; nextContinuationToken?: string; startAfter?: string },
): Buffer {
  const encode = encoder(render.urlEncode);
  const owner = ownerXml(render);
  return s3DocumentBytes('ListBucketResult', expectedBytes(page, owner), (out) => {
    out.raw(
      renderCommonHead(render) +
        (tokens.continuationToken !== undefined ? tag('ContinuationToken', tokens.continuationToken) : '') +
        (tokens.nextContinuationToken !== undefined ? tag('NextContinuationToken', tokens.nextContinuationToken) : '') +
        (tokens.startAfter !== undefined ? tag('StartAfter', encode(tokens.startAfter)) : '') +
        tag('KeyCount', page.contents.length + page.commonPrefixes.length) +
        tag('MaxKeys', render.maxKeys) +
        (render.delimiter !== undefined ? tag('Delimiter', encode(render.delimiter)) : '') +
        (render.urlEncode ? tag('EncodingType', 'url') : '') +
        tag('IsTruncated', page.isTruncated),
    );
    writeEntries(out, page, render, owner);
  });
}
