import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyFormSignature, type FormAuthOptions } from '../../../src/infra/http/post-form-auth';
import { codeOf } from '../../helpers/s3-error-code';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const options: FormAuthOptions = { lookupSecret: (key) => (key === AKID ? SECRET : undefined) };

// A SigV4 POST policy signed with AWS's example credentials (the s3-post-policy package's example).
const POLICY =
  'eyJleHBpcmF0aW9uIjoiMjAxMy0wOC0wNlQxMjowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYWNsIjoicHVibGljLXJlYWQifSxbInN0YXJ0cy13aXRoIiwiJENvbnRlbnQtVHlwZSIsImltYWdlLyJdLFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci91c2VyMS8iXSxbInN0YXJ0cy13aXRoIiwiJHgtYW16LW1ldGEtdGFnIiwiIl0seyJ4LWFtei1tZXRhLXV1aWQiOiIxNDM2NTEyMzY1MTI3NCJ9LHsiYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LHsieC1hbXotYWxnb3JpdGhtIjoiQVdTNC1ITUFDLVNIQTI1NiJ9LHsieC1hbXotY3JlZGVudGlhbCI6IkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTMwODA2L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSx7IngtYW16LWRhdGUiOiIyMDEzMDgwNlQxMjAwMDBaIn1dfQ==';
const V4_FIELDS = {
  policy: POLICY,
  'x-amz-algorithm': 'AWS4-HMAC-SHA256',
  'x-amz-credential': 'AKIAIOSFODNN7EXAMPLE/20130806/us-east-1/s3/aws4_request',
  'x-amz-date': '20130806T120100Z',
  'x-amz-signature': '5bc8a7be4a6fc6445b94d0f4096f8cf3dfa00303529f8a68ea7dc0c23bb83cd9',
};


describe('POST form signatures', () => {
  it('verifies a SigV4 policy signature', () => {
    expect(verifyFormSignature(new Map(Object.entries(V4_FIELDS)), options)).toBe(AKID);
  });

  it('refuses a SigV4 form whose policy or signature was changed, or whose fields are incomplete', () => {
    const tampered = { ...V4_FIELDS, policy: POLICY.replace('eyJl', 'eyJm') };
    expect(codeOf(() => verifyFormSignature(new Map(Object.entries(tampered)), options))).toBe('SignatureDoesNotMatch');
    const wrongDay = { ...V4_FIELDS, 'x-amz-credential': 'AKIAIOSFODNN7EXAMPLE/20130807/us-east-1/s3/aws4_request' };
    expect(codeOf(() => verifyFormSignature(new Map(Object.entries(wrongDay)), options))).toBe('SignatureDoesNotMatch');
    const { 'x-amz-date': _, ...noDate } = V4_FIELDS;
    expect(codeOf(() => verifyFormSignature(new Map(Object.entries(noDate)), options))).toBe('InvalidArgument');
    const unknown = { ...V4_FIELDS, 'x-amz-credential': 'AKIDOTHER/20130806/us-east-1/s3/aws4_request' };
    expect(codeOf(() => verifyFormSignature(new Map(Object.entries(unknown)), options))).toBe('InvalidAccessKeyId');
    expect(codeOf(() => verifyFormSignature(new Map(Object.entries(V4_FIELDS)), { ...options, region: 'eu-west-1' }))).toBe('AuthorizationQueryParametersError');
  });

  it('verifies a SigV2 policy signature (base64 HMAC-SHA1 of the policy)', () => {
    const signature = createHmac('sha1', SECRET).update(POLICY).digest('base64');
    expect(verifyFormSignature(new Map([['policy', POLICY], ['awsaccesskeyid', AKID], ['signature', signature]]), options)).toBe(AKID);
    expect(codeOf(() => verifyFormSignature(new Map([['policy', POLICY], ['awsaccesskeyid', AKID], ['signature', 'AAAA' + signature.slice(4)]]), options))).toBe(
      'SignatureDoesNotMatch',
    );
    expect(codeOf(() => verifyFormSignature(new Map([['policy', POLICY], ['signature', signature]]), options))).toBe('InvalidArgument');
  });
});
