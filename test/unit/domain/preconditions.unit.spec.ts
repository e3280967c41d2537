import { describe, expect, it } from 'vitest';
import { etagListMatches, evaluatePreconditions, evaluateWriteConditions, ifRangeHolds } from '../../../src/domain/rules/preconditions';

const object = { etag: 'abc123', lastModified: Date.UTC(2026, 0, 10, 12, 0, 0, 500) };
const before = 'Fri, 09 Jan 2026 12:00:00 GMT';
const after = 'Sun, 11 Jan 2026 12:00:00 GMT';
const exactly = 'Sat, 10 Jan 2026 12:00:00 GMT'; // the object's second, without its milliseconds
const NOW = Date.UTC(2026, 0, 12);

describe('read preconditions (GET, HEAD, copy source)', () => {
  it('proceeds with no conditions', () => {
    expect(evaluatePreconditions({}, object, NOW)).toEqual({ result: 'proceed' });
  });

  it('If-Match: proceeds on the ETag (quoted, half-quoted or not, in a list, or *), fails otherwise', () => {
    for (const ifMatch of ['"abc123"', 'abc123', '"x", "abc123"', '*', 'W/"abc123"', '"abc123', 'abc123"']) {
      expect(evaluatePreconditions({ ifMatch }, object, NOW).result, ifMatch).toBe('proceed');
    }
    expect(evaluatePreconditions({ ifMatch: '"other"' }, object, NOW)).toEqual({ result: 'failed', header: 'If-Match' });
  });

  it('If-None-Match: not modified on the ETag, proceeds otherwise', () => {
    expect(evaluatePreconditions({ ifNoneMatch: '"abc123"' }, object, NOW)).toEqual({ result: 'not-modified', header: 'If-None-Match' });
    expect(evaluatePreconditions({ ifNoneMatch: '*' }, object, NOW).result).toBe('not-modified');
    expect(evaluatePreconditions({ ifNoneMatch: '"other"' }, object, NOW).result).toBe('proceed');
  });

  it('If-Modified-Since: not modified at or before the date (to the second), proceeds when modified after', () => {
    expect(evaluatePreconditions({ ifModifiedSince: after }, object, NOW).result).toBe('not-modified');
    expect(evaluatePreconditions({ ifModifiedSince: exactly }, object, NOW).result).toBe('not-modified');
    expect(evaluatePreconditions({ ifModifiedSince: before }, object, NOW).result).toBe('proceed');
  });

  it('If-Unmodified-Since: fails when modified after the date, proceeds at or after', () => {
    expect(evaluatePreconditions({ ifUnmodifiedSince: before }, object, NOW)).toEqual({ result: 'failed', header: 'If-Unmodified-Since' });
    expect(evaluatePreconditions({ ifUnmodifiedSince: exactly }, object, NOW).result).toBe('proceed');
    expect(evaluatePreconditions({ ifUnmodifiedSince: after }, object, NOW).result).toBe('proceed');
  });

  it('ignores an If-Modified-Since later than the server clock (AWS reads and copies regardless)', () => {
    const tomorrow = 'Tue, 13 Jan 2026 00:00:00 GMT';
    expect(evaluatePreconditions({ ifModifiedSince: tomorrow }, object, NOW).result).toBe('proceed');
    expect(evaluatePreconditions({ ifModifiedSince: after }, object, NOW).result).toBe('not-modified');
  });

  it('ignores dates it cannot parse', () => {
    expect(evaluatePreconditions({ ifModifiedSince: 'yesterday', ifUnmodifiedSince: 'not a date' }, object, NOW).result).toBe('proceed');
  });

  describe('AWS precedence', () => {
    it('If-Match true + If-Unmodified-Since false -> proceed (200)', () => {
      expect(evaluatePreconditions({ ifMatch: '"abc123"', ifUnmodifiedSince: before }, object, NOW).result).toBe('proceed');
    });
    it('If-None-Match false + If-Modified-Since true -> not modified (304)', () => {
      expect(evaluatePreconditions({ ifNoneMatch: '"abc123"', ifModifiedSince: before }, object, NOW).result).toBe('not-modified');
    });
    it('If-None-Match true + If-Modified-Since false -> proceed (the ETag decides)', () => {
      expect(evaluatePreconditions({ ifNoneMatch: '"other"', ifModifiedSince: after }, object, NOW).result).toBe('proceed');
    });
    it('If-Match false wins over a 304 from If-None-Match -> failed (412)', () => {
      expect(evaluatePreconditions({ ifMatch: '"other"', ifNoneMatch: '"abc123"' }, object, NOW)).toEqual({ result: 'failed', header: 'If-Match' });
    });
    it('If-Unmodified-Since false beats If-Modified-Since -> failed (412)', () => {
      expect(evaluatePreconditions({ ifUnmodifiedSince: before, ifModifiedSince: after }, object, NOW).result).toBe('failed');
    });
    it('If-Match true + If-Modified-Since false -> not modified (304)', () => {
      expect(evaluatePreconditions({ ifMatch: '"abc123"', ifModifiedSince: after }, object, NOW)).toEqual({ result: 'not-modified', header: 'If-Modified-Since' });
    });
  });
});

describe('write conditions (PutObject, CopyObject destination)', () => {
  it('If-None-Match: * fails when the key has an object and proceeds when it has none', () => {
    expect(evaluateWriteConditions({ ifNoneMatch: '*' }, object)).toBe('failed');
    expect(evaluateWriteConditions({ ifNoneMatch: '*' }, undefined)).toBe('proceed');
  });

  it('If-Match proceeds on the current ETag, fails on another, and is no-such-key without an object', () => {
    expect(evaluateWriteConditions({ ifMatch: '"abc123"' }, object)).toBe('proceed');
    expect(evaluateWriteConditions({ ifMatch: '"other"' }, object)).toBe('failed');
    expect(evaluateWriteConditions({ ifMatch: '"abc123"' }, undefined)).toBe('no-such-key');
  });

  it('matches ETag lists the way S3 does', () => {
    expect(etagListMatches('"a" , "abc123"', 'abc123')).toBe(true);
    expect(etagListMatches('"abc12"', 'abc123')).toBe(false);
  });
});

describe('If-Range', () => {
  const object = { etag: 'd41d8cd98f00b204e9800998ecf8427e', lastModified: Date.parse('2026-12-06T10:20:30.456Z') };

  it('holds for the strong ETag (quoted or bare, multipart form too) and for Last-Modified to the second', () => {
    expect(ifRangeHolds('"d41d8cd98f00b204e9800998ecf8427e"', object)).toBe(true);
    expect(ifRangeHolds(' d41d8cd98f00b204e9800998ecf8427e ', object)).toBe(true);
    expect(ifRangeHolds('"0123456789abcdef0123456789abcdef-3"', { ...object, etag: '0123456789abcdef0123456789abcdef-3' })).toBe(true);
    expect(ifRangeHolds('Sun, 06 Dec 2026 10:20:30 GMT', object)).toBe(true);
  });

  it('does not hold for a weak or other ETag, another second, or a value that is no validator', () => {
    expect(ifRangeHolds('W/"d41d8cd98f00b204e9800998ecf8427e"', object)).toBe(false);
    expect(ifRangeHolds('"0123456789abcdef0123456789abcdef"', object)).toBe(false);
    expect(ifRangeHolds('Sun, 06 Dec 2026 10:20:31 GMT', object)).toBe(false);
    expect(ifRangeHolds('Sun, 06 Dec 2026 10:20:29 GMT', object)).toBe(false);
    expect(ifRangeHolds('yesterday', object)).toBe(false);
    expect(ifRangeHolds('', object)).toBe(false);
  });
});
