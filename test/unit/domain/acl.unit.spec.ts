import { describe, expect, it } from 'vitest';
import { assertObjectOwnership, assertOwnerOnlyAclHeaders, assertOwnerOnlyGrants, grantHeadersOf } from '../../../src/domain/rules/acl';
import { codeOf } from '../../helpers/s3-error-code';

const OWNER = 'owner-id';
const noGrants = { grantHeaders: [] };

describe('ACLs on a single-owner store, every bucket BucketOwnerEnforced', () => {
  it('canned ACLs: none, private and bucket-owner-full-control pass; those granting others are AccessControlListNotSupported; unknown names InvalidArgument', () => {
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned: undefined, ...noGrants }))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned: 'private', ...noGrants }))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned: 'bucket-owner-full-control', ...noGrants }))).toBeUndefined();
    for (const canned of ['public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'log-delivery-write']) {
      expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned, ...noGrants })), canned).toBe('AccessControlListNotSupported');
    }
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned: 'public-read', ...noGrants }, 'InvalidBucketAclWithObjectOwnership'))).toBe(
      'InvalidBucketAclWithObjectOwnership',
    );
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned: 'world-writable', ...noGrants }))).toBe('InvalidArgument');
  });

  it('grant headers: the owner FULL_CONTROL passes, any other grantee or permission is refused, a canned ACL beside them is InvalidRequest', () => {
    const grants = (...pairs: Array<[string, string]>) => ({ canned: undefined, grantHeaders: pairs });
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-full-control', `id="${OWNER}"`])))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-full-control', `id=${OWNER}, ID="${OWNER}"`])))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-read', `id="${OWNER}"`])))).toBe('AccessControlListNotSupported');
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-full-control', `id="${OWNER}", id="someone-else"`])))).toBe(
      'AccessControlListNotSupported',
    );
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-read', 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'])))).toBe(
      'AccessControlListNotSupported',
    );
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-write', 'emailAddress="a@example.com"'])))).toBe('AccessControlListNotSupported');
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-read', 'nobody'])))).toBe('InvalidArgument');
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, grants(['x-amz-grant-read', 'name="x"'])))).toBe('InvalidArgument');
    expect(codeOf(() => assertOwnerOnlyAclHeaders(OWNER, { canned: 'private', grantHeaders: [['x-amz-grant-full-control', `id="${OWNER}"`]] }))).toBe(
      'InvalidRequest',
    );
  });

  it('grantHeadersOf picks out the five grant headers only', () => {
    expect(grantHeadersOf({ 'x-amz-grant-read': 'id="a"', 'x-amz-grant-everything': 'id="b"', 'x-amz-acl': 'private', host: 'h' })).toEqual([['x-amz-grant-read', 'id="a"']]);
    expect(grantHeadersOf({ 'x-amz-grant-full-control': ['id="a"', 'id="b"'] })).toEqual([['x-amz-grant-full-control', 'id="a",id="b"']]);
  });

  it('an AccessControlPolicy must grant exactly the owner FULL_CONTROL', () => {
    const ownerFull = { granteeType: 'CanonicalUser', id: OWNER, permission: 'FULL_CONTROL' };
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [ownerFull]))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [ownerFull, { granteeType: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers', permission: 'READ' }]))).toBe(
      'AccessControlListNotSupported',
    );
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [{ ...ownerFull, id: 'someone-else' }]))).toBe('AccessControlListNotSupported');
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [{ ...ownerFull, permission: 'READ' }]))).toBe('AccessControlListNotSupported');
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, []))).toBe('AccessControlListNotSupported');
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [{ ...ownerFull, permission: 'EVERYTHING' }]))).toBe('MalformedACLError');
  });

  it('x-amz-object-ownership on CreateBucket: BucketOwnerEnforced or nothing; the ACL-enabling settings NotImplemented; others InvalidArgument', () => {
    expect(codeOf(() => assertObjectOwnership(undefined))).toBeUndefined();
    expect(codeOf(() => assertObjectOwnership('BucketOwnerEnforced'))).toBeUndefined();
    expect(codeOf(() => assertObjectOwnership('ObjectWriter'))).toBe('NotImplemented');
    expect(codeOf(() => assertObjectOwnership('BucketOwnerPreferred'))).toBe('NotImplemented');
    expect(codeOf(() => assertObjectOwnership('Anyone'))).toBe('InvalidArgument');
  });
});
