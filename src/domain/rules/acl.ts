/**
 * Access control lists. cairn has a single owner and does not enforce ACLs (as MinIO), but
 * clients such as s3cmd read and write them, so they are answered the way S3 answers for a
 * bucket whose only grant is the owner's FULL_CONTROL.
 *
 * What is accepted: a canned ACL, or an AccessControlPolicy, that gives the owner
 * FULL_CONTROL and nobody else anything — that is, the ACL every bucket and object already
 * has. Anything that would grant access to others is NotImplemented (501), as MinIO
 * answers, rather than AWS's AccessControlListNotSupported (which describes a bucket
 * setting, Object Ownership, that cairn does not have). Unknown canned ACL names and
 * permissions are refused as AWS refuses them.
 */
import { s3Error } from '../errors';

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;

/** Canned ACLs that grant nothing beyond the owner's FULL_CONTROL (the single owner also owns the bucket). */
const OWNER_ONLY_CANNED = new Set(['private', 'bucket-owner-full-control']);

export const PERMISSIONS = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'] as const;

export interface AclGrant {
  readonly granteeType: string;
  readonly id?: string;
  readonly uri?: string;
  readonly email?: string;
  readonly permission: string;
}

function assertKnownCannedAcl(value: string): void {
  if (!(CANNED_ACLS as readonly string[]).includes(value)) {
    throw s3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: value });
  }
}

/**
 * `x-amz-acl` on CreateBucket and PutObject: any canned ACL is accepted and has no effect
 * (ACLs are not enforced; MinIO ignores the header the same way), an unknown one is refused.
 */
export function assertAcceptableCannedAclOnWrite(value: string | undefined): void {
  if (value !== undefined) assertKnownCannedAcl(value);
}

/** `x-amz-acl` on PutBucketAcl / PutObjectAcl: only ACLs that change nothing. */
export function assertOwnerOnlyCannedAcl(value: string): void {
  assertKnownCannedAcl(value);
  if (!OWNER_ONLY_CANNED.has(value)) throw s3Error('NotImplemented', `The canned ACL ${value} would grant access to others; cairn has a single owner.`);
}

/** An AccessControlPolicy body: exactly the owner's FULL_CONTROL, or NotImplemented. */
export function assertOwnerOnlyGrants(ownerId: string, grants: readonly AclGrant[]): void {
  for (const grant of grants) {
    if (!(PERMISSIONS as readonly string[]).includes(grant.permission)) throw s3Error('MalformedACLError');
  }
  const ownerOnly = grants.length === 1 && grants[0].granteeType === 'CanonicalUser' && grants[0].id === ownerId && grants[0].permission === 'FULL_CONTROL';
  if (!ownerOnly) throw s3Error('NotImplemented', 'Only an ACL granting the owner FULL_CONTROL is supported; cairn has a single owner.');
}
