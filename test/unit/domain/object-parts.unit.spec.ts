import { describe, expect, it } from 'vitest';
import { isS3Error } from '../../../src/domain/errors';
import { parsePartNumber, partRange } from '../../../src/domain/rules/object-parts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isS3Error(error) ? error.code : String(error);
  }
  return undefined;
}

describe('partNumber on a single-part object', () => {
  it('part 1 is the whole object', () => {
    expect(partRange({ size: 100 }, 1)).toEqual({ start: 0, end: 99 });
    expect(partRange({ size: 0 }, 1)).toBeUndefined();
  });

  it('any other part is InvalidPartNumber (416)', () => {
    expect(codeOf(() => partRange({ size: 100 }, 2))).toBe('InvalidPartNumber');
  });

  it('accepts 1..10000 and refuses anything else as InvalidArgument', () => {
    expect(parsePartNumber(undefined)).toBeUndefined();
    expect(parsePartNumber('1')).toBe(1);
    expect(parsePartNumber('10000')).toBe(10000);
    for (const bad of ['0', '10001', '-1', 'one', '', '1.5']) expect(codeOf(() => parsePartNumber(bad)), bad).toBe('InvalidArgument');
  });
});
