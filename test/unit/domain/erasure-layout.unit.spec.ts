import { describe, expect, it } from 'vitest';
import { layoutForDrives, parseStorageClassParity, readQuorum, writeQuorum, type ErasureLayout } from '../../../src/domain/rules/erasure-layout';

function layout(drives: number, parity?: number): ErasureLayout {
  const result = layoutForDrives(drives, parity);
  if ('problem' in result) throw new Error(result.problem);
  return result;
}

describe('erasure layout by drive count (MinIO defaults)', () => {
  it.each([
    [1, 1, 0],
    [2, 1, 1],
    [3, 2, 1],
    [4, 2, 2],
    [5, 3, 2],
    [6, 3, 3],
    [8, 4, 4],
    [16, 12, 4],
  ])('%i drives: %i data + %i parity', (drives, k, m) => {
    expect(layout(drives)).toMatchObject({ dataShards: k, parityShards: m });
  });

  it('write quorum is k, or k+1 when k equals m; read quorum is k', () => {
    expect(writeQuorum(layout(4))).toBe(3);
    expect(readQuorum(layout(4))).toBe(2);
    expect(writeQuorum(layout(5))).toBe(3);
    expect(writeQuorum(layout(1))).toBe(1);
  });

  it('accepts a parity override within limits, refuses beyond', () => {
    expect(layout(8, 2)).toMatchObject({ dataShards: 6, parityShards: 2 });
    expect(layoutForDrives(4, 3)).toHaveProperty('problem');
    expect(layoutForDrives(16, 7)).toHaveProperty('problem');
  });

  it('refuses drive counts that fit no layout', () => {
    expect(layoutForDrives(0)).toHaveProperty('problem');
    expect(layoutForDrives(17)).toHaveProperty('problem');
  });

  it("reads MinIO's EC:n storage class", () => {
    expect(parseStorageClassParity('EC:3')).toBe(3);
    expect(() => parseStorageClassParity('RRS')).toThrow();
  });
});
