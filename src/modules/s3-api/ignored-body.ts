/**
 * A body sent with an operation that has no use for one (a DELETE, a GET, a CopyObject...) is
 * still read and verified, as AWS does, before the operation acts: a signed payload hash, a
 * Content-MD5 or an x-amz-checksum-* that does not match it refuses the request with its S3
 * error. Otherwise the signature would cover a hash that nothing compares, and a request
 * whose body was altered in transit would act all the same. (A request that declares no body
 * has its hash checked against the empty body's during authentication: sigv4.ts.)
 */
import { payloadOf } from './request-body';
import type { S3Call } from './s3-call';
import type { S3Operation } from './s3-routes';

/** The operations sent with PUT or POST that still take no body; every GET, HEAD and DELETE is one too. */
const BODYLESS_WRITES: ReadonlySet<S3Operation> = new Set<S3Operation>(['CopyObject', 'UploadPartCopy', 'CreateMultipartUpload']);

export function ignoresBody(method: string, operation: S3Operation): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'DELETE' || BODYLESS_WRITES.has(operation);
}

/** Reads the body through to its end, hashing it on the way (nothing is kept), and verifies it. */
export async function verifyIgnoredBody(call: S3Call): Promise<void> {
  const payload = payloadOf(call);
  for await (const _chunk of payload.chunks()) {
    // Hashed by the payload as it streams by; the bytes themselves are not wanted.
  }
  await payload.finish();
}
