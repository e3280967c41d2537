/**
 * `partNumber` on GET/HEAD: which bytes part N of a version is. A single-part upload is one
 * part covering the whole object (AWS answers partNumber=1 with 206 and a Content-Range of
 * the whole object, and no x-amz-mp-parts-count); any other part number is 416
 * InvalidPartNumber. A multipart object's part N is the N-th part of its completed list
 * (as MinIO reads it), and responses say how many parts there are (x-amz-mp-parts-count).
 */
import { s3Error } from '../errors';
import { isComposite, type ChecksumValue, type ObjectVersion } from '../object-version';
import type { ByteRange } from './range';

export const MAX_PART_NUMBER = 10_000;

/** The query parameter as S3 validates it: an integer from 1 to 10000. */
export function parsePartNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > MAX_PART_NUMBER) {
    throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: value,
    });
  }
  return Number(value);
}

/** The byte range of part `partNumber` of the version (undefined: an empty part). */
export function partRange(version: Pick<ObjectVersion, 'size' | 'data'>, partNumber: number): ByteRange | undefined {
  const parts = version.data.kind === 'multipart' ? version.data.parts : [{ size: version.size }];
  if (partNumber > parts.length) throw s3Error('InvalidPartNumber', undefined, { PartNumberRequested: partNumber, ActualPartCount: parts.length });
  const start = parts.slice(0, partNumber - 1).reduce((offset, part) => offset + part.size, 0);
  const size = parts[partNumber - 1].size;
  return size === 0 ? undefined : { start, end: start + size - 1 };
}

/** x-amz-mp-parts-count: only multipart objects have one. */
export function partsCount(version: Pick<ObjectVersion, 'data'>): number | undefined {
  return version.data.kind === 'multipart' ? version.data.parts.length : undefined;
}

/**
 * The checksum GET/HEAD with partNumber return in checksum mode, as AWS does: a part of a
 * COMPOSITE multipart object has its own (what UploadPart verified); a FULL_OBJECT one's
 * parts have none of their own to show unless the part is the whole object; a single-part
 * object's part 1 is the object. (partRange has checked the number.)
 */
export function partChecksum(version: Pick<ObjectVersion, 'checksum' | 'data'>, partNumber: number): ChecksumValue | undefined {
  if (version.data.kind !== 'multipart') return version.checksum;
  const { parts } = version.data;
  if (version.checksum && !isComposite(version.checksum)) return parts.length === 1 ? version.checksum : undefined;
  return parts[partNumber - 1]?.checksum;
}
