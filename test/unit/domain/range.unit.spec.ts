import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../src/domain/rules/range';

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
