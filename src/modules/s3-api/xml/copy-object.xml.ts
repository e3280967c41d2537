import { checksumTypeOf, type ChecksumValue } from '../../../domain/object-version';
import { s3Document, tag, xmlTimestamp } from '../../../infra/http/xml-writer';

/** CopyObjectResult: the new object's ETag (quoted, as AWS writes it), time and checksum. */
export function renderCopyObjectResult(result: { etag: string; lastModified: number; checksum?: ChecksumValue }): string {
  const checksum = result.checksum ? tag(`Checksum${result.checksum.algorithm}`, result.checksum.value) + tag('ChecksumType', checksumTypeOf(result.checksum)) : '';
  return s3Document('CopyObjectResult', `${tag('ETag', `"${result.etag}"`)}${tag('LastModified', xmlTimestamp(result.lastModified))}${checksum}`);
}
