import { isS3Error, type S3ErrorCode } from '../../src/domain/errors';

/** The code of the S3Error `fn` throws; undefined when it throws nothing (other errors propagate). */
export function codeOf(fn: () => unknown): S3ErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (isS3Error(error)) return error.code;
    throw error;
  }
  return undefined;
}
