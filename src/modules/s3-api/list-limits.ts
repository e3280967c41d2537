/**
 * The counts S3 requests page with (max-keys, max-parts, max-uploads, part-number-marker,
 * x-amz-max-parts ...): a non-negative 32-bit integer, else InvalidArgument as AWS words it.
 */
import { s3Error } from '../../domain/errors';

const INT32_MAX = 2 ** 31 - 1;

/** The count in `value`, or `fallback` when absent. */
export function parseCount(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,10}$/.test(value) || Number(value) > INT32_MAX) {
    throw s3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: value });
  }
  return Number(value);
}

/** A page size: the count in `value`, at most (and by default) `max`. */
export function parseLimit(value: string | undefined, name: string, max: number): number {
  return Math.min(parseCount(value, name, max), max);
}
