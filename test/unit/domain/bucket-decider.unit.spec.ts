import { describe, expect, it } from 'vitest';
import { decideCreateBucket, decideDeleteBucket } from '../../../src/domain/deciders/bucket-decider';
import { bucketCreated, objectPut } from '../../helpers/events';
import { ctx, given } from '../../helpers/given-when-then';

describe('CreateBucket', () => {
  it('creates a bucket that does not exist', () => {
    given()
      .when((s) => decideCreateBucket(s.getBucket('photos'), { bucket: 'photos', region: 'us-east-1' }, ctx()))
      .then({ type: 'BucketCreated', bucket: 'photos', region: 'us-east-1' });
  });

  it('refuses an existing bucket as BucketAlreadyOwnedByYou', () => {
    given(bucketCreated('photos'))
      .when((s) => decideCreateBucket(s.getBucket('photos'), { bucket: 'photos', region: 'us-east-1' }, ctx()))
      .thenThrows('BucketAlreadyOwnedByYou');
  });

  it('refuses invalid names before anything else', () => {
    given()
      .when((s) => decideCreateBucket(s.getBucket('Bad_Name'), { bucket: 'Bad_Name', region: 'us-east-1' }, ctx()))
      .thenThrows('InvalidBucketName');
  });

  it('projects the bucket with its creation time and unversioned state', () => {
    const { state } = given()
      .when(() => decideCreateBucket(undefined, { bucket: 'photos', region: 'us-east-1' }, ctx(1_700_000_000_000)))
      .then({ bucket: 'photos' });
    expect(state.getBucket('photos')).toMatchObject({ name: 'photos', createdAt: 1_700_000_000_000, versioning: 'Unversioned' });
  });
});

describe('DeleteBucket', () => {
  it('deletes an empty bucket', () => {
    const { state } = given(bucketCreated('photos'))
      .when((s) => decideDeleteBucket(s.getBucket('photos'), { hasObjects: false }, { bucket: 'photos' }, ctx()))
      .then({ type: 'BucketDeleted', bucket: 'photos' });
    expect(state.getBucket('photos')).toBeUndefined();
  });

  it('refuses a bucket with objects as BucketNotEmpty', () => {
    given(bucketCreated('photos'), objectPut('photos', 'a.jpg'))
      .when((s) => decideDeleteBucket(s.getBucket('photos'), { hasObjects: s.versionsOf('photos', 'a.jpg').length > 0 }, { bucket: 'photos' }, ctx()))
      .thenThrows('BucketNotEmpty');
  });

  it('refuses a missing bucket as NoSuchBucket', () => {
    given()
      .when((s) => decideDeleteBucket(s.getBucket('photos'), { hasObjects: false }, { bucket: 'photos' }, ctx()))
      .thenThrows('NoSuchBucket');
  });

  it('allows the name to be created again after deletion', () => {
    given(bucketCreated('photos'), { type: 'BucketDeleted', v: 1, ...ctx(), bucket: 'photos' })
      .when((s) => decideCreateBucket(s.getBucket('photos'), { bucket: 'photos', region: 'us-east-1' }, ctx()))
      .then({ type: 'BucketCreated' });
  });
});
