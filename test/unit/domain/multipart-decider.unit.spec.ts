import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decideAbortUpload,
  decideCompleteUpload,
  decideCreateUpload,
  decideUploadPart,
} from '../../../src/domain/deciders/multipart-decider';
import type { MultipartUploadCreated } from '../../../src/domain/events';
import { MIN_PART_SIZE, type UploadedPart } from '../../../src/domain/multipart-upload';
import { project, releasedDataDirs } from '../../../src/domain/projections/projection';
import { multipartEtag } from '../../../src/domain/rules/multipart-etag';
import { bucketCreated, objectPut } from '../../helpers/events';
import { ctx, given } from '../../helpers/given-when-then';
import type { InMemoryProjection } from '../../helpers/in-memory-projection';

const layout = { dataShards: 2, parityShards: 2, blockSize: 1024 * 1024, distribution: [0, 1, 2, 3] };
const part = (partNumber: number, size: number, dataDir = `dir-${partNumber}-${size}`): Omit<UploadedPart, 'uploadId' | 'lastModified'> => ({
  partNumber,
  size,
  etag: createHash('md5').update(`${partNumber}:${size}:${dataDir}`).digest('hex'),
  data: { kind: 'files', layout, dataDir },
});

function created(bucket = 'b', key = 'k'): MultipartUploadCreated {
  return decideCreateUpload({ name: bucket, createdAt: 0, eventId: 'x', region: 'us-east-1', versioning: 'Unversioned' }, { bucket, key, system: {}, user: {} }, ctx());
}

function withParts(state: InMemoryProjection, uploadId: string, ...parts: Array<Omit<UploadedPart, 'uploadId' | 'lastModified'>>): void {
  for (const p of parts) state.apply(decideUploadPart(state.getUpload('b', 'k', uploadId), { bucket: 'b', key: 'k', uploadId, part: p }, ctx()));
}

describe('CreateMultipartUpload', () => {
  it('starts an upload whose id is the event id', () => {
    const context = ctx();
    const { state } = given(bucketCreated('b'))
      .when((s) => decideCreateUpload(s.getBucket('b'), { bucket: 'b', key: 'k', system: { contentType: 'text/plain' }, user: {} }, context))
      .then({ type: 'MultipartUploadCreated', key: 'k' });
    expect(state.getUpload('b', 'k', context.id)).toMatchObject({ uploadId: context.id, system: { contentType: 'text/plain' } });
  });

  it('refuses a missing bucket', () => {
    given().when((s) => decideCreateUpload(s.getBucket('b'), { bucket: 'b', key: 'k', system: {}, user: {} }, ctx())).thenThrows('NoSuchBucket');
  });
});

describe('UploadPart', () => {
  it('refuses an unknown upload and part numbers outside 1..10000', () => {
    const upload = created();
    given(bucketCreated('b'))
      .when((s) => decideUploadPart(s.getUpload('b', 'k', upload.id), { bucket: 'b', key: 'k', uploadId: upload.id, part: part(1, 10) }, ctx()))
      .thenThrows('NoSuchUpload');
    for (const n of [0, 10_001, 1.5]) {
      given(bucketCreated('b'), upload)
        .when((s) => decideUploadPart(s.getUpload('b', 'k', upload.id), { bucket: 'b', key: 'k', uploadId: upload.id, part: part(n, 10) }, ctx()))
        .thenThrows('InvalidArgument');
    }
  });

  it('replaces a part with the same number, releasing the old part\'s shards', () => {
    const upload = created();
    const { state } = given(bucketCreated('b'), upload);
    withParts(state, upload.id, part(1, 10, 'old'));
    const event = decideUploadPart(state.getUpload('b', 'k', upload.id), { bucket: 'b', key: 'k', uploadId: upload.id, part: part(1, 20, 'new') }, ctx());
    expect(releasedDataDirs(project(event, state))).toEqual(['old']);
    state.apply(event);
    expect(state.partsOf(upload.id).map((p) => [p.partNumber, p.size])).toEqual([[1, 20]]);
  });

  it('requires the checksum algorithm the upload was created with', () => {
    const upload = { ...created(), checksumAlgorithm: 'CRC32' as const };
    given(bucketCreated('b'), upload)
      .when((s) => decideUploadPart(s.getUpload('b', 'k', upload.id), { bucket: 'b', key: 'k', uploadId: upload.id, part: part(1, 10) }, ctx()))
      .thenThrows('InvalidRequest');
  });
});

describe('CompleteMultipartUpload', () => {
  const complete = (state: InMemoryProjection, uploadId: string, parts: Array<{ partNumber: number; etag: string }>) =>
    decideCompleteUpload(state.getBucket('b'), state.getUpload('b', 'k', uploadId), state.partsOf(uploadId), { bucket: 'b', key: 'k', uploadId, parts }, ctx());

  it('makes the listed parts one version with the multipart ETag, replacing the null version, and releases unlisted parts', () => {
    const upload = created();
    const { state } = given(bucketCreated('b'), objectPut('b', 'k', { data: { kind: 'files', layout, dataDir: 'previous' } }), upload);
    const p1 = part(1, MIN_PART_SIZE, 'p1');
    const p2 = part(2, 7, 'p2');
    const p3 = part(3, 9, 'p3');
    withParts(state, upload.id, p1, p2, p3);
    const event = complete(state, upload.id, [
      { partNumber: 1, etag: `"${p1.etag}"` },
      { partNumber: 3, etag: p3.etag },
    ]);
    expect(event.version).toMatchObject({ versionId: 'null', size: MIN_PART_SIZE + 9, etag: multipartEtag([p1.etag, p3.etag]), data: { kind: 'multipart' } });
    expect(releasedDataDirs(project(event, state)).sort()).toEqual(['p2', 'previous']);
    state.apply(event);
    expect(state.getUpload('b', 'k', upload.id)).toBeUndefined();
    expect(state.partsOf(upload.id)).toEqual([]);
    expect(state.versionsOf('b', 'k').map((v) => v.etag)).toEqual([multipartEtag([p1.etag, p3.etag])]);
  });

  it('refuses parts out of order, unknown parts, wrong ETags, small non-final parts and an empty list', () => {
    const upload = created();
    const { state } = given(bucketCreated('b'), upload);
    const small = part(1, MIN_PART_SIZE - 1);
    const last = part(2, 1);
    withParts(state, upload.id, small, last);
    const cases: Array<[Array<{ partNumber: number; etag: string }>, string]> = [
      [[{ partNumber: 2, etag: last.etag }, { partNumber: 1, etag: small.etag }], 'InvalidPartOrder'],
      [[{ partNumber: 1, etag: small.etag }, { partNumber: 1, etag: small.etag }], 'InvalidPartOrder'],
      [[{ partNumber: 5, etag: small.etag }], 'InvalidPart'],
      [[{ partNumber: 1, etag: last.etag }], 'InvalidPart'],
      [[{ partNumber: 1, etag: small.etag }, { partNumber: 2, etag: last.etag }], 'EntityTooSmall'],
      [[], 'MalformedXML'],
    ];
    for (const [parts, code] of cases) {
      let thrown: { code?: string } | undefined;
      try {
        complete(state, upload.id, parts);
      } catch (error) {
        thrown = error as { code?: string };
      }
      expect(thrown?.code, JSON.stringify(parts)).toBe(code);
    }
    expect(state.partsOf(upload.id).length).toBe(2);
  });

  it('computes the multipart ETag as the MD5 of the binary part MD5s', () => {
    const a = createHash('md5').update('a').digest('hex');
    const b = createHash('md5').update('b').digest('hex');
    const expected = createHash('md5').update(Buffer.concat([Buffer.from(a, 'hex'), Buffer.from(b, 'hex')])).digest('hex');
    expect(multipartEtag([a, b])).toBe(`${expected}-2`);
  });
});

describe('conditional CompleteMultipartUpload (If-None-Match, If-Match), decided on committed state', () => {
  const complete = (conditions: { ifMatch?: string; ifNoneMatch?: '*' }) => (state: InMemoryProjection) => {
    const uploadId = state.uploadsIn('b')[0]!.uploadId;
    const p1 = state.partsOf(uploadId)[0]!;
    return decideCompleteUpload(
      state.getBucket('b'),
      state.getUpload('b', 'k', uploadId),
      state.partsOf(uploadId),
      { bucket: 'b', key: 'k', uploadId, parts: [{ partNumber: 1, etag: p1.etag }], conditions },
      ctx(),
      state.versionsOf('b', 'k'),
    );
  };
  const withUpload = (...before: Parameters<typeof given>) => {
    const upload = created();
    const scenario = given(...before, upload);
    withParts(scenario.state, upload.id, part(1, 10));
    return scenario;
  };

  it('If-None-Match: * completes when the key has no object, and is PreconditionFailed when one was written meanwhile', () => {
    withUpload(bucketCreated('b')).when(complete({ ifNoneMatch: '*' })).then({ type: 'MultipartUploadCompleted' });
    withUpload(bucketCreated('b'), objectPut('b', 'k')).when(complete({ ifNoneMatch: '*' })).thenThrows('PreconditionFailed');
  });

  it('If-Match completes over the object with that ETag; another ETag is PreconditionFailed, no object NoSuchKey', () => {
    withUpload(bucketCreated('b'), objectPut('b', 'k', { etag: 'old' })).when(complete({ ifMatch: '"old"' })).then({ type: 'MultipartUploadCompleted' });
    withUpload(bucketCreated('b'), objectPut('b', 'k', { etag: 'other' })).when(complete({ ifMatch: '"old"' })).thenThrows('PreconditionFailed');
    withUpload(bucketCreated('b')).when(complete({ ifMatch: '"old"' })).thenThrows('NoSuchKey');
  });
});

describe('AbortMultipartUpload', () => {
  it('removes the upload and releases every part; a second abort is NoSuchUpload', () => {
    const upload = created();
    const { state } = given(bucketCreated('b'), upload);
    withParts(state, upload.id, part(1, 5, 'a'), part(2, 5, 'b'));
    const event = decideAbortUpload(state.getUpload('b', 'k', upload.id), { bucket: 'b', key: 'k', uploadId: upload.id }, ctx());
    expect(releasedDataDirs(project(event, state)).sort()).toEqual(['a', 'b']);
    state.apply(event);
    given()
      .when(() => decideAbortUpload(state.getUpload('b', 'k', upload.id), { bucket: 'b', key: 'k', uploadId: upload.id }, ctx()))
      .thenThrows('NoSuchUpload');
  });
});
