/**
 * `partNumber` on GET/HEAD: which bytes part N of a version is. A single-part upload is one
 * part covering the whole object (AWS answers partNumber=1 with 206 and a Content-Range of
 * the whole object, and no x-amz-mp-parts-count); any other part number is 416
 * InvalidPartNumber. Multipart objects extend this lookup with their part table.
 */
import { s3Error } from '../errors';
import type { ObjectVersion } from '../object-version';
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

/** The byte range of part `partNumber` of the version (undefined: the empty object's only part). */
export function partRange(version: Pick<ObjectVersion, 'size'>, partNumber: number): ByteRange | undefined {
  if (partNumber !== 1) throw s3Error('InvalidPartNumber', undefined, { PartNumberRequested: partNumber, ActualPartCount: 1 });
  return version.size === 0 ? undefined : { start: 0, end: version.size - 1 };
}
