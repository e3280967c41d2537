import { describe, expect, it } from 'vitest';
import type { MultipartUpload } from '../../../src/domain/multipart-upload';
import { listUploadsPage, uploadScanStart, type UploadListParams } from '../../../src/domain/rules/upload-listing';
import { compareUtf8 } from '../../../src/domain/rules/utf8-order';

const uploads: MultipartUpload[] = (
  [
    ['a', '01'],
    ['a', '02'],
    ['b/1', '03'],
    ['b/2', '04'],
    ['b/2', '05'],
    ['c', '06'],
    ['d/x/1', '07'],
  ] as const
).map(([key, id]) => ({ bucket: 'bk', key, uploadId: id.padStart(32, '0'), initiated: 0, system: {}, user: {}, storageClass: 'STANDARD' }));

/** What the store gives the rule: the uploads from the scan start on, in order. */
function page(params: Partial<UploadListParams>) {
  const full: UploadListParams = { prefix: '', maxUploads: 1000, ...params };
  const start = uploadScanStart(full);
  return listUploadsPage(
    uploads.filter((u) => compareUtf8(u.key, start) >= 0),
    full,
  );
}

const ids = (p: ReturnType<typeof page>) => p.uploads.map((u) => `${u.key}#${Number(u.uploadId)}`);

describe('ListMultipartUploads paging', () => {
  it('lists every upload in key then initiation order', () => {
    expect(ids(page({}))).toEqual(['a#1', 'a#2', 'b/1#3', 'b/2#4', 'b/2#5', 'c#6', 'd/x/1#7']);
  });

  it('continues after key-marker alone (all uploads of that key skipped) and after key + upload-id markers', () => {
    expect(ids(page({ keyMarker: 'b/2' }))).toEqual(['c#6', 'd/x/1#7']);
    expect(ids(page({ keyMarker: 'b/2', uploadIdMarker: '4'.padStart(32, '0') }))).toEqual(['b/2#5', 'c#6', 'd/x/1#7']);
  });

  it('answers max-uploads=0 with an empty page that is not truncated (no marker to page on with)', () => {
    expect(page({ maxUploads: 0 })).toEqual({ uploads: [], commonPrefixes: [], isTruncated: false });
  });

  it('truncates at max-uploads and names the next markers, which resume exactly', () => {
    const first = page({ maxUploads: 3 });
    expect(ids(first)).toEqual(['a#1', 'a#2', 'b/1#3']);
    expect(first).toMatchObject({ isTruncated: true, nextKeyMarker: 'b/1', nextUploadIdMarker: '3'.padStart(32, '0') });
    const second = page({ maxUploads: 3, keyMarker: first.nextKeyMarker, uploadIdMarker: first.nextUploadIdMarker });
    expect(ids(second)).toEqual(['b/2#4', 'b/2#5', 'c#6']);
    const third = page({ maxUploads: 3, keyMarker: second.nextKeyMarker, uploadIdMarker: second.nextUploadIdMarker });
    expect(ids(third)).toEqual(['d/x/1#7']);
    expect(third.isTruncated).toBe(false);
  });

  it('rolls keys up at the delimiter, counts a common prefix once against max-uploads, and resumes past it', () => {
    const rolled = page({ delimiter: '/' });
    expect(ids(rolled)).toEqual(['a#1', 'a#2', 'c#6']);
    expect(rolled.commonPrefixes).toEqual(['b/', 'd/']);
    const first = page({ delimiter: '/', maxUploads: 3 });
    expect([...ids(first), ...first.commonPrefixes]).toEqual(['a#1', 'a#2', 'b/']);
    expect(first.nextKeyMarker).toBe('b/');
    const rest = page({ delimiter: '/', maxUploads: 3, keyMarker: first.nextKeyMarker });
    expect(ids(rest)).toEqual(['c#6']);
    expect(rest.commonPrefixes).toEqual(['d/']);
  });

  it('keeps to the prefix', () => {
    expect(ids(page({ prefix: 'b/' }))).toEqual(['b/1#3', 'b/2#4', 'b/2#5']);
    expect(page({ prefix: 'd/', delimiter: '/' }).commonPrefixes).toEqual(['d/x/']);
  });
});
