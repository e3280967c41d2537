import { S3ServiceException } from '@aws-sdk/client-s3';
import { expect } from 'vitest';

/** The bytes of an SDK v3 response body. */
export async function bytesOf(body: unknown): Promise<Buffer> {
  return Buffer.from(await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** The S3 error a request fails with (fails the test if it succeeds or fails otherwise). */
export async function s3ErrorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(S3ServiceException);
    return error as S3ServiceException;
  }
  throw new Error('expected the request to fail');
}
