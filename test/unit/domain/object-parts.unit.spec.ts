import { describe, expect, it } from 'vitest';
import type { ObjectVersion } from '../../../src/domain/object-version';
import { parsePartNumber, partChecksum, partRange, partsCount } from '../../../src/domain/rules/object-parts';
import { codeOf } from '../../helpers/s3-error-code';

const layout = { dataShards: 2, parityShards: 2, blockSize: 1 << 20, distribution: [0, 1, 2, 3] };
const single = (size: number): Pick<ObjectVersion, 'size' | 'data'> => ({ size, data: size === 0 ? { kind: 'empty' } : { kind: 'inline', layout } });
const multipart = (...sizes: number[]): Pick<ObjectVersion, 'size' | 'data'> => ({
  size: sizes.reduce((a, b) => a + b, 0),
  data: {
    kind: 'multipart',
    parts: sizes.map((size, i) => ({ partNumber: i * 2 + 1, size, etag: 'e', data: { kind: 'files', layout, dataDir: `d${i}` } })),
  },
});


describe('partNumber on a single-part object', () => {
  it('part 1 is the whole object', () => {
    expect(partRange(single(100), 1)).toEqual({ start: 0, end: 99 });
    expect(partRange(single(0), 1)).toBeUndefined();
  });

  it('any other part is InvalidPartNumber (416)', () => {
    expect(codeOf(() => partRange(single(100), 2))).toBe('InvalidPartNumber');
  });

  it('accepts 1..10000 and refuses anything else as InvalidArgument', () => {
    expect(parsePartNumber(undefined)).toBeUndefined();
    expect(parsePartNumber('1')).toBe(1);
    expect(parsePartNumber('10000')).toBe(10000);
    for (const bad of ['0', '10001', '-1', 'one', '', '1.5']) expect(codeOf(() => parsePartNumber(bad)), bad).toBe('InvalidArgument');
  });
});

describe('partNumber on a multipart object', () => {
  it('part N is the N-th part of the completed list, whatever numbers it was uploaded with', () => {
    const version = multipart(10, 20, 5);
    expect(partRange(version, 1)).toEqual({ start: 0, end: 9 });
    expect(partRange(version, 2)).toEqual({ start: 10, end: 29 });
    expect(partRange(version, 3)).toEqual({ start: 30, end: 34 });
    expect(codeOf(() => partRange(version, 4))).toBe('InvalidPartNumber');
    expect(partsCount(version)).toBe(3);
    expect(partsCount(single(5))).toBeUndefined();
  });
});

describe('the checksum a part is read with (checksum mode)', () => {
  const crc = (value: string) => ({ algorithm: 'CRC32' as const, value });
  const withParts = (objectChecksum: string, partChecksums: Array<string | undefined>): Pick<ObjectVersion, 'checksum' | 'data'> => ({
    checksum: crc(objectChecksum),
    data: {
      kind: 'multipart',
      parts: partChecksums.map((value, i) => ({
        partNumber: i + 1, size: 10, etag: 'e', data: { kind: 'files', layout, dataDir: `d${i}` }, ...(value ? { checksum: crc(value) } : {}),
      })),
    },
  });

  it("a COMPOSITE object's part has its own", () => {
    expect(partChecksum(withParts('AAAA-2', ['p1', 'p2']), 2)).toEqual(crc('p2'));
    expect(partChecksum(withParts('AAAA-1', ['p1']), 1)).toEqual(crc('p1'));
  });

  it("a FULL_OBJECT object's part has none, unless it is the only one", () => {
    expect(partChecksum(withParts('whole', ['p1', 'p2']), 1)).toBeUndefined();
    expect(partChecksum(withParts('whole', ['p1']), 1)).toEqual(crc('whole'));
  });

  it("a single-part object's part 1 is the object", () => {
    expect(partChecksum({ checksum: crc('obj'), data: { kind: 'inline', layout } }, 1)).toEqual(crc('obj'));
    expect(partChecksum({ data: { kind: 'inline', layout } }, 1)).toBeUndefined();
  });
});
