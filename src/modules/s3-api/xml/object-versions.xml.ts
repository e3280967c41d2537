/**
 * ListObjectVersions' ListVersionsResult: Version and DeleteMarker entries in listing order
 * (key ascending, newest first), then common prefixes.
 */
import type { VersionListPage } from '../../../domain/rules/version-listing';
import { s3Document, tag, xmlTimestamp } from '../../../infra/http/xml-writer';
import type { Owner } from '../s3-owner';
import { renderOwner } from './buckets.xml';
import { s3UrlEncode } from './list-objects.xml';

export interface VersionsRender {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter?: string;
  readonly keyMarker?: string;
  readonly versionIdMarker?: string;
  readonly maxKeys: number;
  readonly urlEncode: boolean;
}

export function renderListVersions(page: VersionListPage, render: VersionsRender, owner: Owner): string {
  const encode = render.urlEncode ? s3UrlEncode : (value: string) => value;
  const ownerXml = renderOwner(owner);
  let entries = '';
  for (const { key, version, isLatest } of page.versions) {
    const common = `${tag('Key', encode(key))}${tag('VersionId', version.versionId)}${tag('IsLatest', isLatest)}${tag('LastModified', xmlTimestamp(version.lastModified))}`;
    entries += version.deleteMarker
      ? `<DeleteMarker>${common}${ownerXml}</DeleteMarker>`
      : `<Version>${common}${tag('ETag', `"${version.etag}"`)}${tag('Size', version.size)}${ownerXml}${tag('StorageClass', version.storageClass)}</Version>`;
  }
  for (const prefix of page.commonPrefixes) entries += `<CommonPrefixes>${tag('Prefix', encode(prefix))}</CommonPrefixes>`;
  return s3Document(
    'ListVersionsResult',
    `${tag('Name', render.bucket)}${tag('Prefix', encode(render.prefix))}${tag('KeyMarker', encode(render.keyMarker ?? ''))}` +
      `${tag('VersionIdMarker', render.versionIdMarker ?? '')}` +
      `${tag('NextKeyMarker', page.nextKeyMarker === undefined ? undefined : encode(page.nextKeyMarker))}${tag('NextVersionIdMarker', page.nextVersionIdMarker)}` +
      `${tag('MaxKeys', render.maxKeys)}${tag('Delimiter', render.delimiter === undefined ? undefined : encode(render.delimiter))}` +
      `${render.urlEncode ? tag('EncodingType', 'url') : ''}${tag('IsTruncated', page.isTruncated)}${entries}`,
  );
}
