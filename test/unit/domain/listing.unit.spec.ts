import { describe, expect, it } from 'vitest';
import { listPage, type ListParams } from '../../../src/domain/rules/listing';
import { compareUtf8 } from '../../../src/domain/rules/utf8-order';
import { ArrayCursor } from '../../helpers/in-memory-projection';
import type { ObjectVersion } from '../../../src/domain/object-version';

const version = { versionId: 'null', size: 1 } as ObjectVersion;

function cursorOf(keys: string[]): ArrayCursor {
  return new ArrayCursor([...keys].sort(compareUtf8).map((key) => ({ key, version })));
}

function list(keys: string[], params: Partial<ListParams>) {
  const page = listPage(cursorOf(keys), { prefix: '', maxKeys: 1000, ...params });
  return { keys: page.contents.map((e) => e.key), prefixes: page.commonPrefixes, truncated: page.isTruncated, last: page.last };
}

/** Walks every page, feeding `last` back as the exclusive start, as clients do. */
function walk(keys: string[], params: Partial<ListParams>) {
  const items: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = list(keys, { ...params, after });
    items.push(...[...page.keys, ...page.prefixes].sort(compareUtf8));
    if (!page.truncated) return items;
    after = page.last;
  }
  throw new Error('listing did not end');
}

describe('listing one page', () => {
  const keys = ['a.txt', 'photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2025/c.jpg', 'photos/d.jpg', 'z'];

  it('lists every key in order without a delimiter', () => {
    expect(list(keys, {}).keys).toEqual(keys);
  });

  it('rolls keys up into common prefixes at the delimiter', () => {
    expect(list(keys, { delimiter: '/' })).toMatchObject({ keys: ['a.txt', 'z'], prefixes: ['photos/'] });
    expect(list(keys, { prefix: 'photos/', delimiter: '/' })).toMatchObject({ keys: ['photos/d.jpg'], prefixes: ['photos/2024/', 'photos/2025/'] });
  });

  it('supports delimiters other than "/" and of several characters', () => {
    expect(list(['a-b-c', 'a-d', 'ab'], { delimiter: '-' }).prefixes).toEqual(['a-']);
    expect(list(['x::y', 'x::z', 'x:y'], { delimiter: '::' })).toMatchObject({ keys: ['x:y'], prefixes: ['x::'] });
  });

  it('counts common prefixes toward max-keys and reports truncation exactly', () => {
    expect(list(keys, { delimiter: '/', maxKeys: 2 })).toMatchObject({ keys: ['a.txt'], prefixes: ['photos/'], truncated: true, last: 'photos/' });
    expect(list(keys, { delimiter: '/', maxKeys: 3 })).toMatchObject({ truncated: false });
  });

  it('starts after the marker, and skips a common prefix at or before it', () => {
    expect(list(keys, { after: 'photos/2024/a.jpg' }).keys[0]).toBe('photos/2024/b.jpg');
    expect(list(keys, { delimiter: '/', after: 'photos/' })).toMatchObject({ keys: ['z'], prefixes: [] });
  });

  it('orders by UTF-8 bytes, not UTF-16 units', () => {
    const astral = '\u{1F600}'; // encodes as F0 9F 98 80, after U+FFFD (EF BF BD)
    expect(list([astral, '\uFFFD', 'a'], {}).keys).toEqual(['a', '\uFFFD', astral]);
  });

  it('returns nothing for max-keys 0', () => {
    expect(list(keys, { maxKeys: 0 })).toMatchObject({ keys: [], prefixes: [], truncated: false });
  });
});

describe('paging through a bucket', () => {
  const many = Array.from({ length: 2500 }, (_, i) => `dir${i % 7}/file-${String(i).padStart(5, '0')}`).concat(['top-1', 'top-2']);

  it('visits every key exactly once across pages', () => {
    expect(walk(many, { maxKeys: 333 })).toEqual([...many].sort(compareUtf8));
  });

  it('visits every common prefix exactly once across pages', () => {
    expect(walk(many, { delimiter: '/', maxKeys: 2 })).toEqual(['dir0/', 'dir1/', 'dir2/', 'dir3/', 'dir4/', 'dir5/', 'dir6/', 'top-1', 'top-2']);
  });

  it('costs O(page), not O(keys), when prefixes roll up: it skips over them', () => {
    const cursor = cursorOf(many);
    listPage(cursor, { prefix: '', delimiter: '/', maxKeys: 1000 });
    expect(cursor.visited).toBeLessThan(20);
  });
});
