/**
 * Access control lists. cairn has a single owner and enforces no ACLs: every bucket behaves
 * as an AWS bucket with Object Ownership "BucketOwnerEnforced", the AWS default since April
 * 2023, where ACLs are disabled. Reading an ACL answers the owner's FULL_CONTROL.
 *
 * Setting one (x-amz-acl, x-amz-grant-* headers, an AccessControlPolicy body) is accepted
 * only when it grants the owner and nobody else, which is the ACL every bucket and object
 * already has: `private`, `bucket-owner-full-control`, or the owner's FULL_CONTROL. Anything
 * that would grant more is refused as AWS refuses it on such a bucket,
 * AccessControlListNotSupported (on CreateBucket InvalidBucketAclWithObjectOwnership),
 * rather than stored and ignored, which would leave the client believing an object public.
 * `private` is accepted though AWS documents only `bucket-owner-full-control`: it grants the
 * same single owner the same, and rclone sends it by default.
 */
import { s3Error, type S3ErrorCode } from '../errors';

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

/** The x-amz-grant-* headers and the permission each grants. */
const GRANT_HEADERS: Readonly<Record<string, string>> = {
  'x-amz-grant-full-control': 'FULL_CONTROL',
  'x-amz-grant-read': 'READ',
  'x-amz-grant-read-acp': 'READ_ACP',
  'x-amz-grant-write': 'WRITE',
  'x-amz-grant-write-acp': 'WRITE_ACP',
};

/** A grant header's grantee kinds, as the AccessControlPolicy document names them. */
const GRANTEE_TYPES: Readonly<Record<string, string>> = { id: 'CanonicalUser', uri: 'Group', emailaddress: 'AmazonCustomerByEmail' };

export interface AclGrant {
  readonly granteeType: string;
  readonly id?: string;
  readonly uri?: string;
  readonly email?: string;
  readonly permission: string;
}

/** The ACL a request's headers ask for: its x-amz-acl, and its x-amz-grant-* headers as [name, value]. */
export interface AclHeaders {
  readonly canned: string | undefined;
  readonly grantHeaders: ReadonlyArray<readonly [string, string]>;
}

/** How a request that would grant others access is refused: CreateBucket has its own code. */
type AclRefusal = Extract<S3ErrorCode, 'AccessControlListNotSupported' | 'InvalidBucketAclWithObjectOwnership'>;

/** The x-amz-grant-* headers among a request's headers (lower-case names). */
export function grantHeadersOf(headers: Readonly<Record<string, string | string[] | undefined>>): Array<readonly [string, string]> {
  const found: Array<readonly [string, string]> = [];
  for (const name in headers) {
    const value = headers[name];
    if (GRANT_HEADERS[name] !== undefined && value !== undefined) found.push([name, Array.isArray(value) ? value.join(',') : value]);
  }
  return found;
}

/**
 * The ACL headers of a write (PutObject, CopyObject, CreateMultipartUpload, a form upload, and
 * with `InvalidBucketAclWithObjectOwnership` CreateBucket): none, or the owner's alone.
 */
export function assertOwnerOnlyAclHeaders(ownerId: string, acl: AclHeaders, refusal: AclRefusal = 'AccessControlListNotSupported'): void {
  if (acl.canned !== undefined) {
    assertKnownCannedAcl(acl.canned);
    if (acl.grantHeaders.length > 0) throw s3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
    if (!OWNER_ONLY_CANNED.has(acl.canned)) throw s3Error(refusal);
    return;
  }
  if (acl.grantHeaders.length === 0) return;
  const grants = acl.grantHeaders.flatMap(([name, value]) => parseGrantHeader(name, value));
  if (!grantsOwnerOnly(ownerId, grants)) throw s3Error(refusal);
}

/** An AccessControlPolicy body (PutBucketAcl, PutObjectAcl): exactly the owner's FULL_CONTROL. */
export function assertOwnerOnlyGrants(ownerId: string, grants: readonly AclGrant[]): void {
  for (const grant of grants) {
    if (!(PERMISSIONS as readonly string[]).includes(grant.permission)) throw s3Error('MalformedACLError');
  }
  if (!grantsOwnerOnly(ownerId, grants)) throw s3Error('AccessControlListNotSupported');
}

function grantsOwnerOnly(ownerId: string, grants: readonly AclGrant[]): boolean {
  return grants.length > 0 && grants.every((grant) => grant.granteeType === 'CanonicalUser' && grant.id === ownerId && grant.permission === 'FULL_CONTROL');
}

function assertKnownCannedAcl(value: string): void {
  if (!(CANNED_ACLS as readonly string[]).includes(value)) {
    throw s3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: value });
  }
}

/** `id="…", uri="…", emailAddress="…"`: a grant header's comma-separated grantees. */
function parseGrantHeader(name: string, value: string): AclGrant[] {
  const permission = GRANT_HEADERS[name];
  return value.split(',').map((item) => {
    const match = /^\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^\s"]+))\s*$/.exec(item);
    const type = match ? GRANTEE_TYPES[match[1].toLowerCase()] : undefined;
    if (!match || type === undefined) throw s3Error('InvalidArgument', 'Invalid grantee in a grant header', { ArgumentName: name, ArgumentValue: value });
    const grantee = match[2] ?? match[3];
    const kind = match[1].toLowerCase();
    return { granteeType: type, permission, ...(kind === 'id' ? { id: grantee } : kind === 'uri' ? { uri: grantee } : { email: grantee }) };
  });
}

/**
 * x-amz-object-ownership on CreateBucket: BucketOwnerEnforced is what every cairn bucket is.
 * The other two settings enable ACLs, which cairn cannot honour: refused, not ignored.
 */
export function assertObjectOwnership(value: string | undefined): void {
  if (value === undefined || value === 'BucketOwnerEnforced') return;
  if (value === 'BucketOwnerPreferred' || value === 'ObjectWriter') {
    throw s3Error('NotImplemented', `Object Ownership ${value} enables ACLs; cairn enforces no ACLs and every bucket is BucketOwnerEnforced.`);
  }
  throw s3Error('InvalidArgument', 'Invalid x-amz-object-ownership header', { ArgumentName: 'x-amz-object-ownership', ArgumentValue: value });
}
