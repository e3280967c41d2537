import { describe, expect, it } from 'vitest';
import { assertValidObjectKey, bucketNameProblem } from '../../../src/domain/rules/names';

describe('bucket names', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.2', 'a'.repeat(63), '1bucket'])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['ab', 'too short'],
    ['a'.repeat(64), 'too long'],
    ['My-Bucket', 'uppercase'],
    ['my_bucket', 'underscore'],
    ['-bucket', 'leading hyphen'],
    ['bucket-', 'trailing hyphen'],
    ['my..bucket', 'adjacent periods'],
    ['192.168.1.1', 'IP address'],
    ['xn--bucket', 'reserved prefix'],
    ['bucket-s3alias', 'reserved suffix'],
  ])('refuses %s (%s)', (name) => {
    expect(bucketNameProblem(name)).toBeDefined();
  });
});

describe('object keys', () => {
  it('accepts 1024 bytes of UTF-8 with any characters but NUL', () => {
    expect(() => assertValidObjectKey('x'.repeat(1024))).not.toThrow();
    expect(() => assertValidObjectKey('a//b/../c d+e%f\u00e9\u{1F600}\r\n')).not.toThrow();
  });

  it('refuses empty keys, keys over 1024 bytes, and NUL', () => {
    expect(() => assertValidObjectKey('')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => assertValidObjectKey('x'.repeat(1025))).toThrow(expect.objectContaining({ code: 'KeyTooLongError', details: { Size: 1025, MaxSizeAllowed: 1024 } }));
    expect(() => assertValidObjectKey('a\u0000b')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});
