import { describe, expect, it } from 'vitest';
import { S3Error, type S3ErrorCode } from '../../../src/domain/errors';
import { parseQuery } from '../../../src/modules/s3-api/s3-request';
import { verifyPresignedV4 } from '../../../src/infra/http/sigv4-presigned';
import type { SigV4Options } from '../../../src/infra/http/sigv4';

// AWS's published example: docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const EXAMPLE_QUERY =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
  '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
  '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
const HEADERS = { host: 'examplebucket.s3.amazonaws.com' };

const options = (now: string, extra: Partial<SigV4Options> = {}): SigV4Options => ({
  lookupSecret: (key) => (key === AKID ? SECRET : undefined),
  now: new Date(now),
  ...extra,
});

function verify(rawQuery: string, now = '2013-05-24T12:00:00Z', extra: Partial<SigV4Options> = {}) {
  return verifyPresignedV4({ method: 'GET', rawPath: '/test.txt', rawQuery, headers: HEADERS }, parseQuery(rawQuery), options(now, extra));
}

function errorOf(fn: () => unknown): S3Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error('expected an S3Error');
}
const codeOf = (fn: () => unknown): S3ErrorCode => errorOf(fn).code;

const withParam = (name: string, value: string | undefined) =>
  EXAMPLE_QUERY.split('&')
    .filter((p) => !p.startsWith(`${name}=`))
    .concat(value === undefined ? [] : [`${name}=${value}`])
    .join('&');

describe('SigV4 presigned query', () => {
  it("accepts AWS's published example, unsigned payload", () => {
    const verified = verify(EXAMPLE_QUERY);
    expect(verified.accessKey).toBe(AKID);
    expect(verified.payload).toEqual({ kind: 'unsigned' });
  });

  it('refuses the example once expired (AccessDenied "Request has expired")', () => {
    const error = errorOf(() => verify(EXAMPLE_QUERY, '2013-05-25T00:00:01Z'));
    expect([error.code, error.message]).toEqual(['AccessDenied', 'Request has expired']);
    expect(verify(EXAMPLE_QUERY, '2013-05-24T23:59:59Z').accessKey).toBe(AKID);
  });

  it('refuses a URL dated more than 15 minutes in the future', () => {
    const error = errorOf(() => verify(EXAMPLE_QUERY, '2013-05-23T23:40:00Z'));
    expect([error.code, error.message]).toEqual(['AccessDenied', 'Request is not yet valid']);
  });

  it('refuses a tampered signature, method, path or extra parameter', () => {
    expect(codeOf(() => verify(withParam('X-Amz-Signature', 'a'.repeat(64))))).toBe('SignatureDoesNotMatch');
    const q = parseQuery(EXAMPLE_QUERY);
    expect(codeOf(() => verifyPresignedV4({ method: 'PUT', rawPath: '/test.txt', rawQuery: EXAMPLE_QUERY, headers: HEADERS }, q, options('2013-05-24T12:00:00Z')))).toBe(
      'SignatureDoesNotMatch',
    );
    expect(codeOf(() => verifyPresignedV4({ method: 'GET', rawPath: '/other.txt', rawQuery: EXAMPLE_QUERY, headers: HEADERS }, q, options('2013-05-24T12:00:00Z')))).toBe(
      'SignatureDoesNotMatch',
    );
    expect(codeOf(() => verify(`${EXAMPLE_QUERY}&response-content-type=text%2Fhtml`))).toBe('SignatureDoesNotMatch');
  });

  it('refuses X-Amz-Expires beyond a week, negative or not a number', () => {
    const error = errorOf(() => verify(withParam('X-Amz-Expires', '604801')));
    expect(error.code).toBe('AuthorizationQueryParametersError');
    expect(error.message).toBe('X-Amz-Expires must be less than a week (in seconds) that is 604800 seconds');
    expect(errorOf(() => verify(withParam('X-Amz-Expires', '-1'))).message).toBe('X-Amz-Expires must be non-negative');
    expect(errorOf(() => verify(withParam('X-Amz-Expires', 'soon'))).message).toBe('X-Amz-Expires should be a number');
  });

  it('refuses missing or malformed parameters with AuthorizationQueryParametersError', () => {
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
      expect(codeOf(() => verify(withParam(name, undefined))), name).toBe('AuthorizationQueryParametersError');
    }
    expect(codeOf(() => verify(withParam('X-Amz-Algorithm', 'AWS4-HMAC-SHA1')))).toBe('AuthorizationQueryParametersError');
    expect(codeOf(() => verify(withParam('X-Amz-Date', '2013-05-24')))).toBe('AuthorizationQueryParametersError');
    expect(codeOf(() => verify(withParam('X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3')))).toBe('AuthorizationQueryParametersError');
    expect(codeOf(() => verify(withParam('X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fec2%2Faws4_request')))).toBe(
      'AuthorizationQueryParametersError',
    );
    // The credential date must be X-Amz-Date's day.
    expect(codeOf(() => verify(withParam('X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE%2F20130525%2Fus-east-1%2Fs3%2Faws4_request')))).toBe(
      'AuthorizationQueryParametersError',
    );
  });

  it('refuses a wrong region when the region is enforced, and an unknown access key', () => {
    expect(codeOf(() => verify(EXAMPLE_QUERY, undefined, { region: 'eu-west-1' }))).toBe('AuthorizationQueryParametersError');
    expect(codeOf(() => verify(withParam('X-Amz-Credential', 'AKIDUNKNOWN%2F20130524%2Fus-east-1%2Fs3%2Faws4_request')))).toBe('InvalidAccessKeyId');
  });

  it('takes a signed payload hash from X-Amz-Content-Sha256 when the client signed one', () => {
    // The payload hash is part of the signature: the example signature no longer matches with one.
    expect(codeOf(() => verify(`${EXAMPLE_QUERY}&X-Amz-Content-Sha256=${'0'.repeat(64)}`))).toBe('SignatureDoesNotMatch');
  });
});
