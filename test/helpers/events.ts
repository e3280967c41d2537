/** Event builders for specs. */
import type { BucketCreated, ObjectPut } from '../../src/domain/events';
import type { ObjectVersion } from '../../src/domain/object-version';
import { ctx } from './given-when-then';

export function bucketCreated(bucket: string): BucketCreated {
  return { type: 'BucketCreated', v: 1, ...ctx(), bucket, region: 'us-east-1' };
}

export function versionBody(overrides: Partial<ObjectVersion> = {}): Omit<ObjectVersion, 'eventId' | 'versionId' | 'lastModified'> {
  return { size: 3, etag: 'acbd18db4cc2f85cedef654fccc4a4d8', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'empty' }, ...overrides };
}

export function objectPut(bucket: string, key: string, overrides: Partial<ObjectVersion> = {}): ObjectPut {
  const context = ctx();
  return {
    type: 'ObjectPut',
    v: 1,
    ...context,
    bucket,
    key,
    version: { ...versionBody(overrides), versionId: 'null', lastModified: context.time },
  };
}
