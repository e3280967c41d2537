/**
 * The ListObjectVersions result document (ListVersionsResult): ListObjectVersions renders its
 * pages with it, and `cairn admin audit replay` prints a bucket's past with it.
 * Children follow AWS's order: Version = Key, VersionId, IsLatest, LastModified, ETag, Size,
 * StorageClass, Owner; DeleteMarker = Key, VersionId, IsLatest, LastModified, Owner.
 * Replay adds each version's Object Lock state after Owner (`withObjectLock`), in elements
 * named like GetObject's headers (absent: no retention, no legal hold), because an auditor
 * asks "was it protected then?" too.
 */
import type { VersionEntry } from '../../../domain/rules/version-listing';
import { s3Document, tag, xmlTimestamp } from '../../../infra/http/xml-writer';
import type { Owner } from '../s3-owner';
import { renderOwner } from './buckets.xml';
import { s3UrlEncode } from './list-objects.xml';

/** One entry: a version with data, or a delete marker (`version.deleteMarker`). */
export type VersionRow = VersionEntry;

export interface ListVersionsRender {
  readonly bucket: string;
  readonly prefix: string;
  readonly keyMarker: string;
  readonly versionIdMarker: string;
  readonly delimiter?: string;
  readonly maxKeys: number;
  readonly urlEncode: boolean;
  readonly owner: Owner;
  readonly isTruncated: boolean;
  readonly nextKeyMarker?: string;
  readonly nextVersionIdMarker?: string;
  readonly commonPrefixes?: readonly string[];
  /** Add ObjectLockMode / ObjectLockRetainUntilDate / ObjectLockLegalHoldStatus to versions (replay only). */
  readonly withObjectLock?: boolean;
}

export function renderListVersions(rows: readonly VersionRow[], render: ListVersionsRender): string {
  const encode = render.urlEncode ? s3UrlEncode : (value: string) => value;
  const owner = renderOwner(render.owner);
  let body =
    tag('Name', render.bucket) +
    tag('Prefix', encode(render.prefix)) +
    tag('KeyMarker', encode(render.keyMarker)) +
    tag('VersionIdMarker', render.versionIdMarker) +
    (render.nextKeyMarker !== undefined ? tag('NextKeyMarker', encode(render.nextKeyMarker)) : '') +
    (render.nextVersionIdMarker !== undefined ? tag('NextVersionIdMarker', render.nextVersionIdMarker) : '') +
    tag('MaxKeys', render.maxKeys) +
    (render.delimiter !== undefined ? tag('Delimiter', encode(render.delimiter)) : '') +
    (render.urlEncode ? tag('EncodingType', 'url') : '') +
    tag('IsTruncated', render.isTruncated);
  for (const row of rows) {
    if (row.version.deleteMarker) body += renderDeleteMarker(row, encode, owner);
    else body += renderVersion(row, encode, owner, render.withObjectLock ? renderObjectLock(row) : '');
  }
  for (const prefix of render.commonPrefixes ?? []) body += `<CommonPrefixes>${tag('Prefix', encode(prefix))}</CommonPrefixes>`;
  return s3Document('ListVersionsResult', body);
}

function renderVersion({ key, version, isLatest }: VersionRow, encode: (value: string) => string, owner: string, lock: string): string {
  return (
    `<Version>${tag('Key', encode(key))}${tag('VersionId', version.versionId)}${tag('IsLatest', isLatest)}` +
    `${tag('LastModified', xmlTimestamp(version.lastModified))}${tag('ETag', `"${version.etag}"`)}` +
    (version.checksum ? tag('ChecksumAlgorithm', version.checksum.algorithm) : '') +
    `${tag('Size', version.size)}${tag('StorageClass', version.storageClass)}${owner}${lock}</Version>`
  );
}

function renderObjectLock({ version }: VersionRow): string {
  const retention = version.retention
    ? tag('ObjectLockMode', version.retention.mode) + tag('ObjectLockRetainUntilDate', new Date(version.retention.retainUntil).toISOString())
    : '';
  return retention + (version.legalHold ? tag('ObjectLockLegalHoldStatus', 'ON') : '');
}

function renderDeleteMarker({ key, version, isLatest }: VersionRow, encode: (value: string) => string, owner: string): string {
  return (
    `<DeleteMarker>${tag('Key', encode(key))}${tag('VersionId', version.versionId)}${tag('IsLatest', isLatest)}` +
    `${tag('LastModified', xmlTimestamp(version.lastModified))}${owner}</DeleteMarker>`
  );
}

/** A whole bucket's versions in one document with their Object Lock state (audit replay: no pages, nothing truncated). */
export function renderAllVersions(bucket: string, rows: readonly VersionRow[], owner: Owner): string {
  return renderListVersions(rows, {
    bucket,
    prefix: '',
    keyMarker: '',
    versionIdMarker: '',
    maxKeys: Math.max(1000, rows.length),
    urlEncode: false,
    owner,
    isTruncated: false,
    withObjectLock: true,
  });
}
