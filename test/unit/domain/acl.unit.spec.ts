import { describe, expect, it } from 'vitest';
import { assertAcceptableCannedAclOnWrite, assertOwnerOnlyCannedAcl, assertOwnerOnlyGrants } from '../../../src/domain/rules/acl';
import { codeOf } from '../../helpers/s3-error-code';


const OWNER = 'owner-id';

describe('ACLs on a single-owner store', () => {
  it('accepts any canned ACL on PutObject and CreateBucket, refusing unknown names', () => {
    expect(codeOf(() => assertAcceptableCannedAclOnWrite(undefined))).toBeUndefined();
    expect(codeOf(() => assertAcceptableCannedAclOnWrite('public-read'))).toBeUndefined();
    expect(codeOf(() => assertAcceptableCannedAclOnWrite('world-writable'))).toBe('InvalidArgument');
  });

  it('PutBucketAcl/PutObjectAcl: private and bucket-owner-full-control change nothing and pass; the others are NotImplemented', () => {
    expect(codeOf(() => assertOwnerOnlyCannedAcl('private'))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyCannedAcl('bucket-owner-full-control'))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyCannedAcl('public-read'))).toBe('NotImplemented');
    expect(codeOf(() => assertOwnerOnlyCannedAcl('nonsense'))).toBe('InvalidArgument');
  });

  it('an AccessControlPolicy must grant exactly the owner FULL_CONTROL', () => {
    const ownerFull = { granteeType: 'CanonicalUser', id: OWNER, permission: 'FULL_CONTROL' };
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [ownerFull]))).toBeUndefined();
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [ownerFull, { granteeType: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers', permission: 'READ' }]))).toBe(
      'NotImplemented',
    );
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [{ ...ownerFull, id: 'someone-else' }]))).toBe('NotImplemented');
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [{ ...ownerFull, permission: 'READ' }]))).toBe('NotImplemented');
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, []))).toBe('NotImplemented');
    expect(codeOf(() => assertOwnerOnlyGrants(OWNER, [{ ...ownerFull, permission: 'EVERYTHING' }]))).toBe('MalformedACLError');
  });
});
