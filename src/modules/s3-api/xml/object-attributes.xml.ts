import type { ObjectVersion } from '../../../domain/object-version';
import { s3Document, tag } from '../../../infra/http/xml-writer';

/** The attributes GetObjectAttributes can be asked for (x-amz-object-attributes). */
export const OBJECT_ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
export type ObjectAttribute = (typeof OBJECT_ATTRIBUTES)[number];

/**
 * GetObjectAttributesResponse with the requested elements, in AWS's order. The ETag is
 * unquoted here (unlike headers and other documents), as AWS writes it. A single-part
 * object has no ObjectParts element.
 */
export function renderObjectAttributes(version: ObjectVersion, wanted: ReadonlySet<ObjectAttribute>): string {
  let body = '';
  if (wanted.has('ETag')) body += tag('ETag', version.etag);
  if (wanted.has('Checksum') && version.checksum) {
    body += `<Checksum>${tag(`Checksum${version.checksum.algorithm}`, version.checksum.value)}${tag('ChecksumType', 'FULL_OBJECT')}</Checksum>`;
  }
  if (wanted.has('StorageClass')) body += tag('StorageClass', version.storageClass);
  if (wanted.has('ObjectSize')) body += tag('ObjectSize', version.size);
  return s3Document('GetObjectAttributesResponse', body);
}
