/**
 * Bucket and object naming rules, as AWS S3 applies them to general purpose buckets.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
import { s3Error } from '../errors';

export const MAX_KEY_BYTES = 1024;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4_LIKE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why a bucket name is invalid, or undefined when it is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'Bucket name must be between 3 and 63 characters long.';
  if (!BUCKET_NAME.test(name)) {
    return 'Bucket name can contain only lowercase letters, numbers, dots and hyphens, and must begin and end with a letter or number.';
  }
  if (name.includes('..')) return 'Bucket name must not contain two adjacent periods.';
  if (name.includes('.-') || name.includes('-.')) return 'Bucket name must not contain a period next to a hyphen.';
  if (IPV4_LIKE.test(name)) return 'Bucket name must not be formatted as an IP address.';
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return 'Bucket name must not start with a reserved prefix.';
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return 'Bucket name must not end with a reserved suffix.';
  return undefined;
}

export function assertValidBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw s3Error('InvalidBucketName', problem, { BucketName: name });
}

/**
 * Object keys are 1..1024 bytes of UTF-8. cairn additionally refuses U+0000: XML 1.0
 * cannot carry it (so no listing could return it) and the projection key encoding
 * uses it as the separator between bucket, key and version.
 */
export function assertValidObjectKey(key: string): void {
  if (key.length === 0) throw s3Error('InvalidArgument', 'Object key must not be empty.');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw s3Error('KeyTooLongError', undefined, { Size: bytes, MaxSizeAllowed: MAX_KEY_BYTES });
  if (key.includes('\u0000')) throw s3Error('InvalidArgument', 'Object key must not contain the NUL character.');
}
