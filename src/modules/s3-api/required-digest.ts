/**
 * Some S3 operations (DeleteObjects, PutBucketTagging, PutBucketCors) require the body to
 * carry an integrity digest: Content-MD5, or (current SDKs) an x-amz-checksum-* header or
 * trailer. The digest itself is verified by the body reader; this only checks one was sent.
 */
import { s3Error } from '../../domain/errors';
import { isChecksumValueName } from './body-digests';
import type { S3Call } from './s3-call';

export function assertBodyDigestSent(call: S3Call): void {
  // AWS's answer (MinIO says MissingContentMD5 instead).
  if (!bodyDigestSent(call)) throw s3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
}

/** Whether the request's body comes with Content-MD5 or an x-amz-checksum-* header or trailer. */
export function bodyDigestSent(call: S3Call): boolean {
  const headers = call.request.headers;
  if (headers['content-md5'] !== undefined) return true;
  for (const name in headers) if (isChecksumValueName(name)) return true;
  // A trailer counts only where the payload mode has trailers (where one is read and checked).
  const trailer = headers['x-amz-trailer'];
  return 'trailer' in call.auth.payload && typeof trailer === 'string' && trailer.toLowerCase().startsWith('x-amz-checksum-');
}
