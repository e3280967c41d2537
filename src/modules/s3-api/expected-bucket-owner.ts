/**
 * x-amz-expected-bucket-owner (and x-amz-source-expected-bucket-owner, for a copy's source
 * bucket): a client's guard against acting on a bucket that someone else owns. Every cairn
 * bucket has the one owner s3-owner.ts names, so any other id gets AWS's 403 AccessDenied,
 * before anything is read or changed. A guard that was ignored would let a write the client
 * meant to be refused go through.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { s3Error } from '../../domain/errors';

const OWNER_GUARDS = ['x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner'] as const;

export function assertExpectedBucketOwner(headers: IncomingHttpHeaders, ownerId: string): void {
  for (const name of OWNER_GUARDS) {
    const expected = headers[name];
    if (expected !== undefined && expected !== ownerId) throw s3Error('AccessDenied');
  }
}
