import { describe, expect, it } from 'vitest';
import { S3Error } from '../../../src/domain/errors';
import { checkPostPolicy, parsePostPolicy } from '../../../src/domain/rules/post-policy';

const NOW = new Date('2026-06-01T12:00:00Z');
const encode = (document: unknown) => Buffer.from(JSON.stringify(document)).toString('base64');
const policy = (conditions: unknown[], expiration = '2026-06-01T13:00:00.000Z') => parsePostPolicy(encode({ expiration, conditions }));
const fields = (entries: Record<string, string>) => new Map(Object.entries({ bucket: 'photos', policy: 'p', 'x-amz-signature': 's', ...entries }));

function errorOf(fn: () => unknown): S3Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
  throw new Error('expected an S3Error');
}

describe('POST policy documents', () => {
  // AWS's example policy: docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
  const example = policy([
    { bucket: 'photos' },
    ['starts-with', '$key', 'user/user1/'],
    { acl: 'public-read' },
    { success_action_redirect: 'http://photos.s3.amazonaws.com/successful_upload.html' },
    ['starts-with', '$Content-Type', 'image/'],
    { 'x-amz-meta-uuid': '14365123651274' },
    ['starts-with', '$x-amz-meta-tag', ''],
    ['content-length-range', 1048576, 10485760],
  ]);
  const exampleForm = {
    key: 'user/user1/photo.jpg',
    acl: 'public-read',
    success_action_redirect: 'http://photos.s3.amazonaws.com/successful_upload.html',
    'content-type': 'image/jpeg',
    'x-amz-meta-uuid': '14365123651274',
    'x-amz-meta-tag': '',
  };

  it("accepts AWS's example form and returns its content-length-range", () => {
    expect(checkPostPolicy(example, fields(exampleForm), NOW)).toEqual({ min: 1048576, max: 10485760 });
  });

  it('names the failing condition: eq, starts-with and the bucket', () => {
    const wrongPrefix = errorOf(() => checkPostPolicy(example, fields({ ...exampleForm, key: 'user/user2/photo.jpg' }), NOW));
    expect([wrongPrefix.code, wrongPrefix.message]).toEqual(['AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["starts-with","$key","user/user1/"]']);
    expect(errorOf(() => checkPostPolicy(example, fields({ ...exampleForm, acl: 'private' }), NOW)).message).toContain('{"acl":"public-read"}');
    expect(errorOf(() => checkPostPolicy(example, fields({ ...exampleForm, 'content-type': 'text/html' }), NOW)).code).toBe('AccessDenied');
    expect(errorOf(() => checkPostPolicy(example, new Map([...fields(exampleForm), ['bucket', 'other']]), NOW)).message).toContain('{"bucket":"photos"}');
    // A condition on a field the form lacks compares against ''.
    const { acl: _, ...withoutAcl } = exampleForm;
    expect(errorOf(() => checkPostPolicy(example, fields(withoutAcl), NOW)).code).toBe('AccessDenied');
  });

  it('refuses a form field the policy does not name, but not x-ignore-* or the signature fields', () => {
    const extra = errorOf(() => checkPostPolicy(example, fields({ ...exampleForm, 'x-amz-meta-other': '1' }), NOW));
    expect(extra.message).toBe('Invalid according to Policy: Extra input fields: x-amz-meta-other');
    expect(() => checkPostPolicy(example, fields({ ...exampleForm, 'x-ignore-anything': '1', awsaccesskeyid: 'k', signature: 's' }), NOW)).not.toThrow();
  });

  it('refuses an expired policy', () => {
    const expired = policy([{ bucket: 'photos' }], '2026-06-01T11:59:59Z');
    expect(errorOf(() => checkPostPolicy(expired, fields({}), NOW)).message).toBe('Invalid according to Policy: Policy expired.');
  });

  it('matches field names case-insensitively', () => {
    expect(() => checkPostPolicy(policy([['eq', '$Key', 'a'], { BUCKET: 'photos' }]), fields({ key: 'a' }), NOW)).not.toThrow();
  });

  it('refuses malformed documents with InvalidPolicyDocument', () => {
    for (const document of [
      'not base64 json',
      encode([]),
      encode({ conditions: [] }),
      encode({ expiration: 'soon', conditions: [] }),
      encode({ expiration: '2026-06-01T13:00:00Z' }),
      encode({ expiration: '2026-06-01T13:00:00Z', conditions: [['gt', '$key', 'a']] }),
      encode({ expiration: '2026-06-01T13:00:00Z', conditions: [['eq', 'key', 'a']] }),
      encode({ expiration: '2026-06-01T13:00:00Z', conditions: [['content-length-range', 10, 1]] }),
      encode({ expiration: '2026-06-01T13:00:00Z', conditions: [{ a: '1', b: '2' }] }),
    ]) {
      expect(errorOf(() => parsePostPolicy(document)).code, document).toBe('InvalidPolicyDocument');
    }
  });
});
