import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/modules/s3-api/s3-request';
import {
  canonicalResource,
  signV2,
  stringToSignV2,
  verifyAuthorizationHeaderV2,
  verifyPresignedV2,
  type SigV2Options,
  type SigV2Request,
} from '../../../src/infra/http/sigv2';
import { codeOf } from '../../helpers/s3-error-code';

// AWS's published examples: docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const options = (now: string): SigV2Options => ({ lookupSecret: (k) => (k === AKID ? SECRET : undefined), now: new Date(now), region: 'us-east-1' });

function request(method: string, rawPath: string, rawQuery: string, headers: SigV2Request['headers'], resourcePaths = [rawPath]): SigV2Request {
  return { method, rawPath, rawQuery, headers, query: parseQuery(rawQuery), resourcePaths };
}


describe('SigV2 string to sign', () => {
  it("signs AWS's object GET example", () => {
    const sts = stringToSignV2('GET', { date: 'Tue, 27 Mar 2007 19:36:42 +0000' }, 'Tue, 27 Mar 2007 19:36:42 +0000', '/johnsmith/photos/puppy.jpg');
    expect(sts).toBe('GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg');
    expect(signV2(SECRET, sts)).toBe('bWq2s1WEIj+Ydj0vQ697zp+IXMU=');
  });

  it('canonicalizes x-amz-* headers and signs sub-resources and response-* overrides, nothing else', () => {
    const headers = { 'x-amz-meta-b': ' two ', 'x-amz-meta-a': ['1', '2'], 'content-type': 'text/plain', 'x-other': 'no' };
    expect(stringToSignV2('PUT', headers, 'D', '/b/k')).toBe('PUT\n\ntext/plain\nD\nx-amz-meta-a:1,2\nx-amz-meta-b:two\n/b/k');
    const query = parseQuery('versionId=3&prefix=x&acl&response-content-type=text%2Fhtml');
    expect(canonicalResource('/b/k', query)).toBe('/b/k?acl&response-content-type=text/html&versionId=3');
  });
});

describe('SigV2 verification', () => {
  const date = 'Tue, 27 Mar 2007 19:36:42 +0000';

  it('accepts the Authorization header of the GET example and refuses a tampered one', () => {
    const ok = request('GET', '/photos/puppy.jpg', '', { host: 'johnsmith.s3.amazonaws.com', date, authorization: `AWS ${AKID}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=` }, [
      '/johnsmith/photos/puppy.jpg',
    ]);
    expect(verifyAuthorizationHeaderV2(ok, options('2007-03-27T19:40:00Z')).accessKey).toBe(AKID);
    const bad = { ...ok, headers: { ...ok.headers, authorization: `AWS ${AKID}:cWq2s1WEIj+Ydj0vQ697zp+IXMU=` } };
    expect(codeOf(() => verifyAuthorizationHeaderV2(bad, options('2007-03-27T19:40:00Z')))).toBe('SignatureDoesNotMatch');
  });

  it('refuses a Date more than 15 minutes off (RequestTimeTooSkewed), a missing Date and a malformed header', () => {
    const ok = request('GET', '/johnsmith/photos/puppy.jpg', '', { date, authorization: `AWS ${AKID}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=` });
    expect(codeOf(() => verifyAuthorizationHeaderV2(ok, options('2007-03-27T19:52:00Z')))).toBe('RequestTimeTooSkewed');
    expect(codeOf(() => verifyAuthorizationHeaderV2({ ...ok, headers: { authorization: ok.headers.authorization } }, options('2007-03-27T19:40:00Z')))).toBe(
      'AccessDenied',
    );
    expect(codeOf(() => verifyAuthorizationHeaderV2({ ...ok, headers: { date, authorization: 'AWS nocolon' } }, options('2007-03-27T19:40:00Z')))).toBe(
      'InvalidArgument',
    );
  });

  it("accepts AWS's presigned GET example until it expires", () => {
    const rawQuery = `AWSAccessKeyId=${AKID}&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D`;
    const presigned = request('GET', '/photos/puppy.jpg', rawQuery, { host: 'johnsmith.s3.amazonaws.com' }, ['/johnsmith/photos/puppy.jpg']);
    expect(verifyPresignedV2(presigned, options('2007-03-28T00:00:00Z')).accessKey).toBe(AKID);
    expect(codeOf(() => verifyPresignedV2(presigned, options('2007-03-29T04:00:21Z')))).toBe('AccessDenied');
    const tampered = request('GET', '/photos/kitten.jpg', rawQuery, {}, ['/johnsmith/photos/kitten.jpg']);
    expect(codeOf(() => verifyPresignedV2(tampered, options('2007-03-28T00:00:00Z')))).toBe('SignatureDoesNotMatch');
    expect(codeOf(() => verifyPresignedV2(request('GET', '/a', `AWSAccessKeyId=${AKID}&Signature=x`, {}), options('2007-03-28T00:00:00Z')))).toBe('AccessDenied');
  });
});
