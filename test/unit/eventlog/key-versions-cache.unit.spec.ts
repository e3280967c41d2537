import { describe, expect, it } from 'vitest';
import type { ObjectVersion } from '../../../src/domain/object-version';
import { KeyVersionsCache } from '../../../src/infra/eventlog/key-versions-cache';

const version = (eventId: string, versionId = eventId): ObjectVersion => ({
  versionId,
  lastModified: 1,
  eventId,
  size: 1,
  etag: 'e',
  system: {},
  user: {},
  storageClass: 'STANDARD',
  data: { kind: 'empty' },
});
const ids = (versions: readonly ObjectVersion[] | undefined) => versions?.map((v) => v.eventId);

describe('KeyVersionsCache: the versions of recent keys, kept exact through commits', () => {
  it('holds only keys it was given, and applies a commit only to those', () => {
    const cache = new KeyVersionsCache();
    cache.remember('b', 'k', [version('02'), version('01')]);
    cache.committed([{ op: 'putVersion', bucket: 'b', key: 'other', version: version('03') }]);
    expect(cache.get('b', 'other')).toBeUndefined(); // never read: LMDB answers for it
    expect(ids(cache.get('b', 'k'))).toEqual(['02', '01']);
    expect(cache.get('other-bucket', 'k')).toBeUndefined();
  });

  it('keeps versions newest first, replaces a version rewritten in place, and removes by event id', () => {
    const cache = new KeyVersionsCache();
    cache.remember('b', 'k', [version('05'), version('02')]);
    cache.committed([{ op: 'putVersion', bucket: 'b', key: 'k', version: version('07') }]);
    cache.committed([{ op: 'putVersion', bucket: 'b', key: 'k', version: version('03') }]); // older than 05 (a heal's rewrite order)
    expect(ids(cache.get('b', 'k'))).toEqual(['07', '05', '03', '02']);
    cache.committed([{ op: 'putVersion', bucket: 'b', key: 'k', version: { ...version('05'), tags: [{ key: 't', value: 'v' }] } }]);
    expect(cache.get('b', 'k')!.find((v) => v.eventId === '05')!.tags).toEqual([{ key: 't', value: 'v' }]);
    expect(ids(cache.get('b', 'k'))).toEqual(['07', '05', '03', '02']);
    cache.committed([{ op: 'removeVersion', bucket: 'b', key: 'k', version: version('03') }]);
    expect(ids(cache.get('b', 'k'))).toEqual(['07', '05', '02']);
  });

  it('ends the same whether it was filled before a commit or after it (the commit applied twice)', () => {
    // A PUT replacing the null version: the old one removed, the new one put.
    const commit = [
      { op: 'removeVersion' as const, bucket: 'b', key: 'k', version: version('01', 'null') },
      { op: 'putVersion' as const, bucket: 'b', key: 'k', version: version('02', 'null') },
    ];
    const before = new KeyVersionsCache();
    before.remember('b', 'k', [version('01', 'null')]); // read before the commit landed
    before.committed(commit);
    const after = new KeyVersionsCache();
    after.remember('b', 'k', [version('02', 'null')]); // read after it landed, before its callback
    after.committed(commit);
    expect(ids(before.get('b', 'k'))).toEqual(['02']);
    expect(ids(after.get('b', 'k'))).toEqual(['02']);
  });

  it('never changes an array it handed out', () => {
    const cache = new KeyVersionsCache();
    cache.remember('b', 'k', [version('01')]);
    const handedOut = cache.get('b', 'k')!;
    cache.committed([{ op: 'putVersion', bucket: 'b', key: 'k', version: version('02') }]);
    expect(ids(handedOut)).toEqual(['01']);
    expect(ids(cache.get('b', 'k'))).toEqual(['02', '01']);
  });

  it('forgets everything on clear', () => {
    const cache = new KeyVersionsCache();
    cache.remember('b', 'k', [version('01')]);
    cache.clear();
    expect(cache.get('b', 'k')).toBeUndefined();
  });

  it('knows which keys have writes queued and not yet reported, until each is reported committed or failed', () => {
    const cache = new KeyVersionsCache();
    const put = (eventId: string) => [{ op: 'putVersion' as const, bucket: 'b', key: 'k', version: version(eventId) }];
    cache.remember('b', 'k', []);
    cache.queued(put('01'));
    cache.queued(put('02'));
    expect(cache.hasUnreportedWrites('b', 'k')).toBe(true);
    expect(cache.hasUnreportedWrites('b', 'other')).toBe(false);
    cache.committed(put('01'));
    expect(cache.hasUnreportedWrites('b', 'k')).toBe(true); // one still out
    cache.failed(put('02'));
    expect(cache.hasUnreportedWrites('b', 'k')).toBe(false);
    expect(cache.get('b', 'k')).toBeUndefined(); // a failed commit: nothing cached is trusted
  });
});
