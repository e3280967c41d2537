import { describe, expect, it } from 'vitest';
import { parseRange, rangeValidatorHolds } from '../../../src/domain/rules/range';

describe('Range header', () => {
  it('reads first-last, open-ended and suffix ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
  });

  it('clamps the end to the object', () => {
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
  });

  it('is unsatisfiable when it starts past the end, or for an empty suffix', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=100-200', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
  });

  it('reads a suffix of an empty object as the whole (empty) object, as AWS does', () => {
    expect(parseRange('bytes=-1', 0)).toBeUndefined();
    expect(parseRange('bytes=-100', 0)).toBeUndefined();
  });

  it('ignores what S3 ignores: no header, syntax errors, several ranges, last < first', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=a-b', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('bytes=9-1', 100)).toBeUndefined();
  });
});

describe('If-Range', () => {
  const object = { etag: 'd41d8cd98f00b204e9800998ecf8427e', lastModified: Date.parse('2026-12-06T10:20:30.456Z') };

  it('holds for the strong ETag (quoted or bare, multipart form too) and for Last-Modified to the second', () => {
    expect(rangeValidatorHolds('"d41d8cd98f00b204e9800998ecf8427e"', object)).toBe(true);
    expect(rangeValidatorHolds(' d41d8cd98f00b204e9800998ecf8427e ', object)).toBe(true);
    expect(rangeValidatorHolds('"0123456789abcdef0123456789abcdef-3"', { ...object, etag: '0123456789abcdef0123456789abcdef-3' })).toBe(true);
    expect(rangeValidatorHolds('Sun, 06 Dec 2026 10:20:30 GMT', object)).toBe(true);
  });

  it('does not hold for a weak or other ETag, another second, or a value that is no validator', () => {
    expect(rangeValidatorHolds('W/"d41d8cd98f00b204e9800998ecf8427e"', object)).toBe(false);
    expect(rangeValidatorHolds('"0123456789abcdef0123456789abcdef"', object)).toBe(false);
    expect(rangeValidatorHolds('Sun, 06 Dec 2026 10:20:31 GMT', object)).toBe(false);
    expect(rangeValidatorHolds('Sun, 06 Dec 2026 10:20:29 GMT', object)).toBe(false);
    expect(rangeValidatorHolds('yesterday', object)).toBe(false);
    expect(rangeValidatorHolds('', object)).toBe(false);
  });
});
