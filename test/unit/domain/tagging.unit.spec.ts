import { describe, expect, it } from 'vitest';
import { decideDeleteBucketTagging, decideDeleteObjectTagging, decidePutBucketTagging, decidePutObjectTagging } from '../../../src/domain/deciders/tagging-decider';
import { isS3Error } from '../../../src/domain/errors';
import type { CairnEvent } from '../../../src/domain/events';
import { invertWrites, project } from '../../../src/domain/projections/projection';
import { assertValidTagSet, destinationTags, parseTaggingHeader, type Tag } from '../../../src/domain/rules/tagging';
import { bucketCreated, objectPut } from '../../helpers/events';
import { ctx, given } from '../../helpers/given-when-then';
import { InMemoryProjection } from '../../helpers/in-memory-projection';

const tags = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isS3Error(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an S3 error');
}

describe('tag set rules', () => {
  it('accepts 10 object tags and 50 bucket tags, and refuses one more as BadRequest', () => {
    expect(() => assertValidTagSet(tags(10), 'object')).not.toThrow();
    expect(errorOf(() => assertValidTagSet(tags(11), 'object'))).toEqual({ code: 'BadRequest', message: 'Object tags cannot be greater than 10' });
    expect(() => assertValidTagSet(tags(50), 'bucket')).not.toThrow();
    expect(errorOf(() => assertValidTagSet(tags(51), 'bucket')).code).toBe('BadRequest');
  });

  it('limits keys to 1-128 and values to 0-256 characters, counting code points', () => {
    expect(() => assertValidTagSet([{ key: 'é'.repeat(128), value: '' }], 'object')).not.toThrow();
    expect(() => assertValidTagSet([{ key: 'k', value: '日'.repeat(256) }], 'object')).not.toThrow();
    expect(errorOf(() => assertValidTagSet([{ key: '', value: 'v' }], 'object')).message).toBe('The TagKey you have provided is invalid');
    expect(errorOf(() => assertValidTagSet([{ key: 'k'.repeat(129), value: 'v' }], 'object')).code).toBe('InvalidTag');
    expect(errorOf(() => assertValidTagSet([{ key: 'k', value: 'v'.repeat(257) }], 'object')).message).toBe('The TagValue you have provided is invalid');
  });

  it('allows letters, digits, spaces and + - = . _ : / @ only', () => {
    expect(() => assertValidTagSet([{ key: 'Project Name_1.2:x/y=z+w-q@r', value: 'Ünïcödé 42' }], 'object')).not.toThrow();
    for (const bad of ['a&b', 'a#b', 'a?b', 'a%b', 'a*b', 'a\nb']) {
      expect(errorOf(() => assertValidTagSet([{ key: bad, value: 'v' }], 'object')).code, bad).toBe('InvalidTag');
      expect(errorOf(() => assertValidTagSet([{ key: 'k', value: bad }], 'object')).code, bad).toBe('InvalidTag');
    }
  });

  it('refuses duplicate keys and the reserved aws: prefix as InvalidTag', () => {
    expect(errorOf(() => assertValidTagSet([{ key: 'a', value: '1' }, { key: 'a', value: '2' }], 'object')).message).toBe('Cannot provide multiple Tags with the same key');
    expect(errorOf(() => assertValidTagSet([{ key: 'aws:cost', value: '1' }], 'bucket')).code).toBe('InvalidTag');
  });
});

describe('the x-amz-tagging header', () => {
  it('is URL query encoded', () => {
    expect(parseTaggingHeader('a=1&b%20c=d+e&empty=&flag')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b c', value: 'd e' },
      { key: 'empty', value: '' },
      { key: 'flag', value: '' },
    ]);
    expect(parseTaggingHeader('')).toEqual([]);
    expect(parseTaggingHeader('k=%E6%97%A5')).toEqual([{ key: 'k', value: '日' }]);
  });

  it('refuses duplicates and undecodable text as InvalidArgument, and bad tags as InvalidTag', () => {
    expect(errorOf(() => parseTaggingHeader('a=1&a=2')).code).toBe('InvalidArgument');
    expect(errorOf(() => parseTaggingHeader('a=%E6%97')).code).toBe('InvalidArgument');
    expect(errorOf(() => parseTaggingHeader('a=%23')).code).toBe('InvalidTag');
    expect(errorOf(() => parseTaggingHeader(tags(11).map((t) => `${t.key}=${t.value}`).join('&'))).code).toBe('BadRequest');
  });
});

describe('destination tags of a copy (x-amz-tagging-directive)', () => {
  const source = [{ key: 'from', value: 'source' }];
  it('copies the source tags by default and with COPY, ignoring the header', () => {
    expect(destinationTags(source, undefined, 'x=1')).toEqual(source);
    expect(destinationTags(source, 'COPY', undefined)).toEqual(source);
    expect(destinationTags(undefined, 'COPY', undefined)).toEqual([]);
  });
  it('takes the header with REPLACE (no tags without one)', () => {
    expect(destinationTags(source, 'REPLACE', 'x=1')).toEqual([{ key: 'x', value: '1' }]);
    expect(destinationTags(source, 'REPLACE', undefined)).toEqual([]);
  });
  it('refuses other directives as InvalidArgument', () => {
    expect(errorOf(() => destinationTags(source, 'MERGE', undefined)).code).toBe('InvalidArgument');
  });
});

describe('PutObjectTagging', () => {
  it('tags the latest version; the projection rewrites that version in place', () => {
    const put = objectPut('b', 'k');
    const { state } = given(bucketCreated('b'), put)
      .when((s) => decidePutObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', tags: [{ key: 'a', value: '1' }] }, ctx()))
      .then({ type: 'ObjectTaggingPut', versionId: 'null', tags: [{ key: 'a', value: '1' }] });
    const versions = state.versionsOf('b', 'k');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ eventId: put.id, tags: [{ key: 'a', value: '1' }] });
  });

  it('an empty tag set leaves no tags field', () => {
    const { state } = given(bucketCreated('b'), objectPut('b', 'k', { tags: [{ key: 'a', value: '1' }] }))
      .when((s) => decidePutObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', tags: [] }, ctx()))
      .then({ tags: [] });
    expect('tags' in state.versionsOf('b', 'k')[0]).toBe(false);
  });

  it('refuses a missing key, version, bucket, and invalid tags', () => {
    given(bucketCreated('b'))
      .when((s) => decidePutObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', tags: [] }, ctx()))
      .thenThrows('NoSuchKey');
    given(bucketCreated('b'), objectPut('b', 'k'))
      .when((s) => decidePutObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', versionId: 'nope', tags: [] }, ctx()))
      .thenThrows('NoSuchVersion');
    given()
      .when((s) => decidePutObjectTagging(s.getBucket('b'), [], { bucket: 'b', key: 'k', tags: [] }, ctx()))
      .thenThrows('NoSuchBucket');
    given(bucketCreated('b'), objectPut('b', 'k'))
      .when((s) => decidePutObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', tags: tags(11) }, ctx()))
      .thenThrows('BadRequest');
  });

  it('inverts to the version as it was (the undo of a rolled-back tagging)', () => {
    const state = InMemoryProjection.of([bucketCreated('b'), objectPut('b', 'k')]);
    const before = state.versionsOf('b', 'k')[0];
    const event = decidePutObjectTagging(state.getBucket('b'), state.versionsOf('b', 'k'), { bucket: 'b', key: 'k', tags: tags(2) }, ctx());
    const writes = project(event, state);
    expect(invertWrites(writes, state)).toEqual([{ op: 'putVersion', bucket: 'b', key: 'k', version: before }]);
  });
});

describe('DeleteObjectTagging', () => {
  it('removes the tags of the version', () => {
    const { state } = given(bucketCreated('b'), objectPut('b', 'k', { tags: [{ key: 'a', value: '1' }] }))
      .when((s) => decideDeleteObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k', versionId: 'null' }, ctx()))
      .then({ type: 'ObjectTaggingDeleted', versionId: 'null' });
    expect(state.versionsOf('b', 'k')[0].tags).toBeUndefined();
  });

  it('records nothing when there are no tags, and refuses a missing key', () => {
    given(bucketCreated('b'), objectPut('b', 'k'))
      .when((s) => decideDeleteObjectTagging(s.getBucket('b'), s.versionsOf('b', 'k'), { bucket: 'b', key: 'k' }, ctx()))
      .then(undefined);
    given(bucketCreated('b'))
      .when((s) => decideDeleteObjectTagging(s.getBucket('b'), [], { bucket: 'b', key: 'k' }, ctx()))
      .thenThrows('NoSuchKey');
  });
});

describe('Put/DeleteBucketTagging', () => {
  it('stores the tag set on the bucket record and removes it', () => {
    const { state } = given(bucketCreated('b'))
      .when((s) => decidePutBucketTagging(s.getBucket('b'), { bucket: 'b', tags: tags(3) }, ctx()))
      .then({ type: 'BucketTaggingPut', tags: tags(3) });
    expect(state.getBucket('b')?.tags).toEqual(tags(3));
    const event = decideDeleteBucketTagging(state.getBucket('b'), { bucket: 'b' }, ctx()) as CairnEvent;
    expect(event).toMatchObject({ type: 'BucketTaggingDeleted' });
    state.apply(event);
    expect(state.getBucket('b')).not.toHaveProperty('tags');
  });

  it('refuses 51 tags and a missing bucket; deleting absent tags records nothing', () => {
    given(bucketCreated('b'))
      .when((s) => decidePutBucketTagging(s.getBucket('b'), { bucket: 'b', tags: tags(51) }, ctx()))
      .thenThrows('BadRequest');
    given()
      .when((s) => decidePutBucketTagging(s.getBucket('b'), { bucket: 'b', tags: [] }, ctx()))
      .thenThrows('NoSuchBucket');
    given(bucketCreated('b'))
      .when((s) => decideDeleteBucketTagging(s.getBucket('b'), { bucket: 'b' }, ctx()))
      .then(undefined);
  });
});
