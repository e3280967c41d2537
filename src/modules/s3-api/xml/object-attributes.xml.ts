import type { ObjectPart } from '../../../domain/multipart-upload';
import { checksumTypeOf, type ChecksumValue, type ObjectVersion } from '../../../domain/object-version';
import { s3Document, tag } from '../../../infra/http/xml-writer';

/** The attributes GetObjectAttributes can be asked for (x-amz-object-attributes). */
export const OBJECT_ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
export type ObjectAttribute = (typeof OBJECT_ATTRIBUTES)[number];

/** Which parts ObjectParts lists: those numbered above the marker, at most maxParts of them. */
export interface PartsPageRequest {
  /** x-amz-part-number-marker (0 when absent). */
  readonly partNumberMarker: number;
  /** x-amz-max-parts (1000 when absent, never more). */
  readonly maxParts: number;
}

/**
 * GetObjectAttributesResponse with the requested elements, in AWS's order. The ETag is
 * unquoted here (unlike headers and other documents), as AWS writes it.
 *
 * A multipart object's composite checksum is given without its `-<parts>` suffix (the
 * checksum of the parts' checksums, as AWS's own verification samples compare it) and
 * typed COMPOSITE. ObjectParts is for multipart objects only; as on AWS general purpose
 * buckets, its Part elements (one page of them) come only when the object has an additional
 * checksum — without one, only PartsCount.
 */
export function renderObjectAttributes(version: ObjectVersion, wanted: ReadonlySet<ObjectAttribute>, page: PartsPageRequest): string {
  let body = '';
  if (wanted.has('ETag')) body += tag('ETag', version.etag);
  if (wanted.has('Checksum') && version.checksum) body += renderChecksum(version.checksum);
  if (wanted.has('ObjectParts') && version.data.kind === 'multipart') body += renderObjectParts(version.data.parts, version.checksum !== undefined, page);
  if (wanted.has('StorageClass')) body += tag('StorageClass', version.storageClass);
  if (wanted.has('ObjectSize')) body += tag('ObjectSize', version.size);
  return s3Document('GetObjectAttributesResponse', body);
}

function renderChecksum(checksum: ChecksumValue): string {
  const type = checksumTypeOf(checksum);
  const value = type === 'COMPOSITE' ? checksum.value.slice(0, checksum.value.indexOf('-')) : checksum.value;
  return `<Checksum>${tag(`Checksum${checksum.algorithm}`, value)}${tag('ChecksumType', type)}</Checksum>`;
}

function renderObjectParts(parts: readonly ObjectPart[], withParts: boolean, page: PartsPageRequest): string {
  const count = tag('PartsCount', parts.length);
  if (!withParts) return `<ObjectParts>${count}</ObjectParts>`;
  const after = parts.filter((part) => part.partNumber > page.partNumberMarker);
  const listed = after.slice(0, page.maxParts);
  let body =
    tag('IsTruncated', after.length > listed.length) +
    tag('MaxParts', page.maxParts) +
    tag('NextPartNumberMarker', listed.at(-1)?.partNumber) +
    tag('PartNumberMarker', page.partNumberMarker);
  for (const part of listed) {
    const checksum = part.checksum ? tag(`Checksum${part.checksum.algorithm}`, part.checksum.value) : '';
    body += `<Part>${checksum}${tag('PartNumber', part.partNumber)}${tag('Size', part.size)}</Part>`;
  }
  return `<ObjectParts>${body}${count}</ObjectParts>`;
}
