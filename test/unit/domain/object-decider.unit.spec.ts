import { describe, expect, it } from 'vitest';
import { decideDeleteObject, decidePutObject } from '../../../src/domain/deciders/object-decider';
import { invertWrites, project, removedVersions } from '../../../src/domain/projections/projection';
import { bucketCreated, objectPut, versionBody } from '../../helpers/events';
import { ctx, given } from '../../helpers/given-when-then';

describe('PutObject on an unversioned bucket', () => {
  it('creates the null version, stamped with the decision time', () => {
    const context = ctx(1_800_000_000_000);
    const { state } = given(bucketCreated('b'))
      .when((s) => decidePutObject(s.getBucket('b'), { bucket: 'b', key: 'k', version: versionBody({ size: 11 }) }, context))
      .then({ type: 'ObjectPut', key: 'k', version: { versionId: 'null', size: 11, lastModified: 1_800_000_000_000 } });
    const [version] = state.versionsOf('b', 'k');
    expect(version).toMatchObject({ versionId: 'null', eventId: context.id, size: 11 });
  });

  it('replaces the previous null version, whose data the projection reports as removed', () => {
    const first = objectPut('b', 'k', { etag: 'first' });
    const { state } = given(bucketCreated('b'), first);
    const event = decidePutObject(state.getBucket('b'), { bucket: 'b', key: 'k', version: versionBody({ etag: 'second' }) }, ctx());
    const removed = removedVersions(project(event, state));
    expect(removed.map((v) => v.etag)).toEqual(['first']);
    state.apply(event);
    expect(state.versionsOf('b', 'k').map((v) => v.etag)).toEqual(['second']);
  });

  it('undoes an overwrite by removing the new version, named by its key only, and restoring the old one', () => {
    const first = objectPut('b', 'k', { etag: 'first' });
    const { state } = given(bucketCreated('b'), first);
    const [old] = state.versionsOf('b', 'k');
    const context = ctx();
    const event = decidePutObject(state.getBucket('b'), { bucket: 'b', key: 'k', version: versionBody({ etag: 'second' }) }, context);
    expect(invertWrites(project(event, state), state)).toEqual([
      { op: 'removeVersion', bucket: 'b', key: 'k', version: { eventId: context.id } },
      { op: 'putVersion', bucket: 'b', key: 'k', version: old },
    ]);
  });

  it('refuses a missing bucket as NoSuchBucket', () => {
    given()
      .when((s) => decidePutObject(s.getBucket('b'), { bucket: 'b', key: 'k', version: versionBody() }, ctx()))
      .thenThrows('NoSuchBucket');
  });

  it('refuses a key over 1024 bytes as KeyTooLongError, and accepts exactly 1024', () => {
    const long = 'é'.repeat(512) + 'x'; // 1025 bytes
    given(bucketCreated('b'))
      .when((s) => decidePutObject(s.getBucket('b'), { bucket: 'b', key: long, version: versionBody() }, ctx()))
      .thenThrows('KeyTooLongError');
    given(bucketCreated('b'))
      .when((s) => decidePutObject(s.getBucket('b'), { bucket: 'b', key: 'é'.repeat(512), version: versionBody() }, ctx()))
      .then({ key: 'é'.repeat(512) });
  });
});

describe('DeleteObject on an unversioned bucket', () => {
  it('removes the null version', () => {
    const { state } = given(bucketCreated('b'), objectPut('b', 'k'))
      .when((s) => decideDeleteObject(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k' }, ctx()))
      .then({ type: 'ObjectVersionDeleted', versionId: 'null' });
    expect(state.versionsOf('b', 'k')).toEqual([]);
  });

  it('is a no-op (no event) for a key that does not exist, as S3 answers 204 anyway', () => {
    given(bucketCreated('b'))
      .when((s) => decideDeleteObject(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k' }, ctx()))
      .then(undefined);
  });

  it('accepts versionId=null', () => {
    given(bucketCreated('b'), objectPut('b', 'k'))
      .when((s) => decideDeleteObject(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', versionId: 'null' }, ctx()))
      .then({ versionId: 'null' });
  });

  it('refuses a missing bucket as NoSuchBucket', () => {
    given()
      .when((s) => decideDeleteObject(s.getBucket('b'), [], { bucket: 'b', key: 'k' }, ctx()))
      .thenThrows('NoSuchBucket');
  });
});

describe('conditional PutObject, decided on committed state', () => {
  const put = (conditions: { ifMatch?: string; ifNoneMatch?: '*' }, existedAtArrival?: boolean) => (s: ReturnType<typeof given>['state']) =>
    decidePutObject(s.getBucket('b'), { bucket: 'b', key: 'k', version: versionBody({ etag: 'new' }), conditions, existedAtArrival }, ctx(), s.versionsOf('b', 'k'));

  it('If-None-Match: * creates the key when it does not exist', () => {
    given(bucketCreated('b')).when(put({ ifNoneMatch: '*' })).then({ type: 'ObjectPut', version: { etag: 'new' } });
  });

  it('If-None-Match: * is PreconditionFailed when the key exists', () => {
    given(bucketCreated('b'), objectPut('b', 'k')).when(put({ ifNoneMatch: '*' })).thenThrows('PreconditionFailed');
  });

  it('of two racing If-None-Match: * writers, the second to commit fails', () => {
    const { state } = given(bucketCreated('b'));
    const first = put({ ifNoneMatch: '*' })(state);
    state.apply(first);
    given(bucketCreated('b'), first).when(put({ ifNoneMatch: '*' })).thenThrows('PreconditionFailed');
  });

  it('If-Match replaces the object when its ETag matches', () => {
    given(bucketCreated('b'), objectPut('b', 'k', { etag: 'old' })).when(put({ ifMatch: '"old"' })).then({ version: { etag: 'new' } });
  });

  it('If-Match is PreconditionFailed when the ETag differs', () => {
    given(bucketCreated('b'), objectPut('b', 'k', { etag: 'old' })).when(put({ ifMatch: '"other"' })).thenThrows('PreconditionFailed');
  });

  it('If-Match is NoSuchKey when the key does not exist', () => {
    given(bucketCreated('b')).when(put({ ifMatch: '"old"' })).thenThrows('NoSuchKey');
  });

  it('If-Match whose object was there when the request arrived but deleted before the commit is ConditionalRequestConflict (409)', () => {
    const old = objectPut('b', 'k', { etag: 'old' });
    const { state } = given(bucketCreated('b'), old);
    const deleted = decideDeleteObject(state.getBucket('b'), state.versionsOf('b', 'k'), { bucket: 'b', key: 'k' }, ctx())!;
    given(bucketCreated('b'), old, deleted).when(put({ ifMatch: '"old"' }, true)).thenThrows('ConditionalRequestConflict');
    // Replaced meanwhile by an object with another ETag: the condition fails (412), as for any later writer.
    given(bucketCreated('b'), objectPut('b', 'k', { etag: 'newer' })).when(put({ ifMatch: '"old"' }, true)).thenThrows('PreconditionFailed');
    // Absent when the request arrived too: NoSuchKey.
    given(bucketCreated('b')).when(put({ ifMatch: '"old"' }, false)).thenThrows('NoSuchKey');
  });

  it('an unconditional put ignores the current object', () => {
    given(bucketCreated('b'), objectPut('b', 'k')).when(put({})).then({ version: { etag: 'new' } });
  });
});
