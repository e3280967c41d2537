/**
 * Result documents of the multipart operations, element for element as AWS writes them.
 */
import type { MultipartUpload, UploadedPart } from '../../../domain/multipart-upload';
import { checksumTypeOf, type ChecksumValue } from '../../../domain/object-version';
import type { UploadListPage } from '../../../domain/rules/upload-listing';
import { s3Document, tag, xmlTimestamp } from '../../../infra/http/xml-writer';
import type { PartsPage } from '../../objects/multipart.service';
import type { Owner } from '../s3-owner';
import { renderOwner } from './buckets.xml';
import { s3UrlEncode } from './list-objects.xml';

/** `<ChecksumCRC32>...</ChecksumCRC32>` for a stored checksum. */
function checksumElement(checksum: ChecksumValue | undefined): string {
  return checksum ? tag(`Checksum${checksum.algorithm}`, checksum.value) : '';
}

export function renderInitiateMultipartUpload(bucket: string, key: string, uploadId: string): string {
  return s3Document('InitiateMultipartUploadResult', `${tag('Bucket', bucket)}${tag('Key', key)}${tag('UploadId', uploadId)}`);
}

export function renderCopyPartResult(result: { etag: string; lastModified: number; checksum?: ChecksumValue }): string {
  return s3Document('CopyPartResult', `${tag('ETag', `"${result.etag}"`)}${tag('LastModified', xmlTimestamp(result.lastModified))}${checksumElement(result.checksum)}`);
}

export function renderCompleteMultipartUpload(result: { location: string; bucket: string; key: string; etag: string; checksum?: ChecksumValue }): string {
  const checksumType = result.checksum ? tag('ChecksumType', checksumTypeOf(result.checksum)) : '';
  return s3Document(
    'CompleteMultipartUploadResult',
    `${tag('Location', result.location)}${tag('Bucket', result.bucket)}${tag('Key', result.key)}${tag('ETag', `"${result.etag}"`)}` +
      `${checksumElement(result.checksum)}${checksumType}`,
  );
}

function renderInitiator(owner: Owner): string {
  return `<Initiator>${tag('ID', owner.id)}${tag('DisplayName', owner.displayName)}</Initiator>`;
}

export function renderListParts(page: PartsPage, request: { bucket: string; partNumberMarker: number; maxParts: number }, owner: Owner): string {
  const { upload } = page;
  let parts = '';
  for (const part of page.parts) parts += renderPart(part);
  return s3Document(
    'ListPartsResult',
    `${tag('Bucket', request.bucket)}${tag('Key', upload.key)}${tag('UploadId', upload.uploadId)}` +
      `${renderInitiator(owner)}${renderOwner(owner)}${tag('StorageClass', upload.storageClass)}` +
      `${tag('PartNumberMarker', request.partNumberMarker)}${tag('NextPartNumberMarker', page.nextPartNumberMarker ?? (page.parts.at(-1)?.partNumber ?? 0))}` +
      `${tag('MaxParts', request.maxParts)}${tag('IsTruncated', page.isTruncated)}` +
      `${upload.checksumAlgorithm ? tag('ChecksumAlgorithm', upload.checksumAlgorithm) + tag('ChecksumType', upload.checksumType ?? 'COMPOSITE') : ''}${parts}`,
  );
}

function renderPart(part: UploadedPart): string {
  return (
    `<Part>${tag('PartNumber', part.partNumber)}${tag('LastModified', xmlTimestamp(part.lastModified))}` +
    `${tag('ETag', `"${part.etag}"`)}${tag('Size', part.size)}${checksumElement(part.checksum)}</Part>`
  );
}

export interface UploadsRender {
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter?: string;
  readonly keyMarker?: string;
  readonly uploadIdMarker?: string;
  readonly maxUploads: number;
  readonly urlEncode: boolean;
}

export function renderListMultipartUploads(page: UploadListPage, render: UploadsRender, owner: Owner): string {
  const encode = render.urlEncode ? s3UrlEncode : (value: string) => value;
  let uploads = '';
  for (const upload of page.uploads) uploads += renderUpload(upload, encode, owner);
  let prefixes = '';
  for (const prefix of page.commonPrefixes) prefixes += `<CommonPrefixes>${tag('Prefix', encode(prefix))}</CommonPrefixes>`;
  return s3Document(
    'ListMultipartUploadsResult',
    `${tag('Bucket', render.bucket)}${tag('KeyMarker', encode(render.keyMarker ?? ''))}${tag('UploadIdMarker', render.uploadIdMarker ?? '')}` +
      `${tag('NextKeyMarker', page.nextKeyMarker === undefined ? undefined : encode(page.nextKeyMarker))}` +
      `${tag('NextUploadIdMarker', page.nextUploadIdMarker)}` +
      `${render.urlEncode ? tag('EncodingType', 'url') : ''}${tag('Delimiter', render.delimiter === undefined ? undefined : encode(render.delimiter))}` +
      `${tag('Prefix', encode(render.prefix))}${tag('MaxUploads', render.maxUploads)}${tag('IsTruncated', page.isTruncated)}${uploads}${prefixes}`,
  );
}

function renderUpload(upload: MultipartUpload, encode: (value: string) => string, owner: Owner): string {
  return (
    `<Upload>${tag('Key', encode(upload.key))}${tag('UploadId', upload.uploadId)}${renderInitiator(owner)}${renderOwner(owner)}` +
    `${tag('StorageClass', upload.storageClass)}${tag('Initiated', xmlTimestamp(upload.initiated))}` +
    `${upload.checksumAlgorithm ? tag('ChecksumAlgorithm', upload.checksumAlgorithm) + tag('ChecksumType', upload.checksumType ?? 'COMPOSITE') : ''}</Upload>`
  );
}
