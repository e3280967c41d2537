import { describe, expect, it } from 'vitest';
import { currentVersion, decideDeleteObject, decidePutBucketVersioning, decidePutObject } from '../../../src/domain/deciders/object-decider';
import { project, releasedDataDirs } from '../../../src/domain/projections/projection';
import { listPage } from '../../../src/domain/rules/listing';
import { listVersionsPage } from '../../../src/domain/rules/version-listing';
import { bucketCreated, versionBody } from '../../helpers/events';
import { ctx, given } from '../../helpers/given-when-then';
import { ArrayCursor, type InMemoryProjection } from '../../helpers/in-memory-projection';

const layout = { dataShards: 2, parityShards: 2, blockSize: 1 << 20, distribution: [0, 1, 2, 3] };

function versioned(status: 'Enabled' | 'Suspended' = 'Enabled') {
  const created = bucketCreated('b');
  const state = given(created).state;
  const enable = decidePutBucketVersioning(state.getBucket('b'), { bucket: 'b', status: 'Enabled' }, ctx());
  state.apply(enable);
  if (status === 'Suspended') state.apply(decidePutBucketVersioning(state.getBucket('b'), { bucket: 'b', status }, ctx()));
  return state;
}

function put(state: InMemoryProjection, key: string, etag: string, dataDir?: string) {
  const event = decidePutObject(state.getBucket('b'), { bucket: 'b', key, version: versionBody({ etag, ...(dataDir ? { data: { kind: 'files', layout, dataDir } } : {}) }) }, ctx(), state.versionsOf('b', key));
  state.apply(event);
  return event.version.versionId;
}

function del(state: InMemoryProjection, key: string, versionId?: string) {
  const event = decideDeleteObject(state.getBucket('b'), state.versionsOf('b', key), { bucket: 'b', key, versionId }, ctx());
  const released = event ? releasedDataDirs(project(event, state)) : [];
  if (event) state.apply(event);
  return { event, released };
}

describe('versioning', () => {
  it('Enabled: every PUT is a new version with its own id; the older ones stay', () => {
    const state = versioned();
    const v1 = put(state, 'k', 'one');
    const v2 = put(state, 'k', 'two');
    expect(v1).not.toBe('null');
    expect(state.versionsOf('b', 'k').map((v) => [v.versionId, v.etag])).toEqual([
      [v2, 'two'],
      [v1, 'one'],
    ]);
  });

  it('Enabled: DeleteObject without a version id adds a delete marker; the key is gone, its versions are not', () => {
    const state = versioned();
    put(state, 'k', 'one', 'dir1');
    const { event, released } = del(state, 'k');
    expect(event).toMatchObject({ type: 'DeleteMarkerCreated', versionId: expect.not.stringMatching(/^null$/) });
    expect(released).toEqual([]);
    const versions = state.versionsOf('b', 'k');
    expect(versions.map((v) => v.deleteMarker ?? false)).toEqual([true, false]);
    expect(currentVersion(versions)).toBeUndefined();
    expect(listPage(state.cursor('b'), { prefix: '', maxKeys: 10 }).contents).toEqual([]);
  });

  it('removing the delete marker by its version id brings the previous version back', () => {
    const state = versioned();
    put(state, 'k', 'one');
    const marker = del(state, 'k').event!;
    const { event } = del(state, 'k', (marker as { versionId: string }).versionId);
    expect(event).toMatchObject({ type: 'ObjectVersionDeleted' });
    expect(currentVersion(state.versionsOf('b', 'k'))?.etag).toBe('one');
  });

  it('deleting a version by id removes it for good and releases its shards', () => {
    const state = versioned();
    const v1 = put(state, 'k', 'one', 'dir1');
    put(state, 'k', 'two', 'dir2');
    expect(del(state, 'k', v1).released).toEqual(['dir1']);
    expect(state.versionsOf('b', 'k').map((v) => v.etag)).toEqual(['two']);
    expect(del(state, 'k', '0000000000000000ffffffffffffffff').event).toBeUndefined();
  });

  it('Suspended: writes and delete markers take the null version, replacing the previous null version only', () => {
    const state = versioned();
    const kept = put(state, 'k', 'versioned', 'dirA');
    state.apply(decidePutBucketVersioning(state.getBucket('b'), { bucket: 'b', status: 'Suspended' }, ctx()));
    expect(put(state, 'k', 'null-one', 'dirB')).toBe('null');
    const second = decidePutObject(state.getBucket('b'), { bucket: 'b', key: 'k', version: versionBody({ etag: 'null-two' }) }, ctx());
    expect(releasedDataDirs(project(second, state))).toEqual(['dirB']);
    state.apply(second);
    const { event, released } = del(state, 'k');
    expect(event).toMatchObject({ type: 'DeleteMarkerCreated', versionId: 'null' });
    expect(released).toEqual([]);
    expect(state.versionsOf('b', 'k').map((v) => [v.versionId, v.deleteMarker ?? false])).toEqual([
      ['null', true],
      [kept, false],
    ]);
  });

  it('refuses versioning for a missing bucket', () => {
    given()
      .when((s) => decidePutBucketVersioning(s.getBucket('b'), { bucket: 'b', status: 'Enabled' }, ctx()))
      .thenThrows('NoSuchBucket');
  });
});

describe('ListObjectVersions paging', () => {
  function listing() {
    const state = versioned();
    put(state, 'a', 'a1');
    put(state, 'a', 'a2');
    del(state, 'a');
    put(state, 'd/x', 'x1');
    put(state, 'd/y', 'y1');
    put(state, 'z', 'z1');
    const entries = ['a', 'd/x', 'd/y', 'z'].flatMap((key) => state.versionsOf('b', key).map((version) => ({ key, version })));
    return { state, entries };
  }
  const describeEntry = (e: { key: string; version: { etag: string; deleteMarker?: true }; isLatest: boolean }) =>
    `${e.key}:${e.version.deleteMarker ? 'marker' : e.version.etag}${e.isLatest ? '*' : ''}`;

  it('lists every version, key ascending and newest first, marking the latest (a delete marker can be it)', () => {
    const { entries } = listing();
    const page = listVersionsPage(new ArrayCursor(entries), { prefix: '', maxKeys: 100 });
    expect(page.versions.map(describeEntry)).toEqual(['a:marker*', 'a:a2', 'a:a1', 'd/x:x1*', 'd/y:y1*', 'z:z1*']);
  });

  it('pages by key-marker and version-id-marker without losing or repeating a version', () => {
    const { entries } = listing();
    const seen: string[] = [];
    let markers: { keyMarker?: string; versionIdMarker?: string } = {};
    for (let pages = 0; pages < 10; pages++) {
      const page = listVersionsPage(new ArrayCursor(entries), { prefix: '', maxKeys: 2, ...markers });
      seen.push(...page.versions.map(describeEntry));
      if (!page.isTruncated) break;
      markers = { keyMarker: page.nextKeyMarker, versionIdMarker: page.nextVersionIdMarker };
    }
    expect(seen).toEqual(['a:marker*', 'a:a2', 'a:a1', 'd/x:x1*', 'd/y:y1*', 'z:z1*']);
  });

  it('rolls keys up into common prefixes at the delimiter', () => {
    const { entries } = listing();
    const page = listVersionsPage(new ArrayCursor(entries), { prefix: '', delimiter: '/', maxKeys: 100 });
    expect(page.commonPrefixes).toEqual(['d/']);
    expect(page.versions.map((e) => e.key)).toEqual(['a', 'a', 'a', 'z']);
  });
});
