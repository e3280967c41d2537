/**
 * x-amz-expected-bucket-owner (and x-amz-source-expected-bucket-owner, for a copy's source
 * bucket): a client's guard against acting on a bucket that someone else owns. Every cairn
 * bucket has the one owner s3-owner.ts names, so any other id gets AWS's 403 AccessDenied,
 * before anything is read or changed. A guard that was ignored would let a write the client
 * meant to be refused go through.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { s3Error } from '../../domain/errors';
import type { S3Operation } from './s3-routes';

const OWNER_GUARDS = ['x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner'] as const;
/** Operations without the parameter (there is no bucket to own yet, or none at all): the header means nothing there. */
const WITHOUT_OWNER_GUARD: ReadonlySet<S3Operation> = new Set<S3Operation>(['ListBuckets', 'CreateBucket']);

export function assertExpectedBucketOwner(headers: IncomingHttpHeaders, ownerId: string, operation: S3Operation): void {
  if (WITHOUT_OWNER_GUARD.has(operation)) return;
  for (const name of OWNER_GUARDS) {
    const expected = headers[name];
    if (expected !== undefined && expected !== ownerId) throw s3Error('AccessDenied');
  }
}
