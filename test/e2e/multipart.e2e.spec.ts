/**
 * Multipart uploads driven by real clients with their defaults: SDK v3 commands and
 * lib-storage's Upload (CRC32 part checksums), the aws cli's `s3 cp` of a large file, boto3's
 * upload_file with a small threshold, and minio-js streaming a large file.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { awsCliEnv, minioClient, sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { tempDir } from '../helpers/temp-dirs';
import { checksumBase64 } from '../../src/infra/http/checksums';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest();
/** The ETag S3 gives a multipart object, computed independently of cairn's code. */
const multipartEtag = (parts: Buffer[]) => `"${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-${parts.length}"`;

describe('multipart uploads', () => {
  let server: CairnServer;
  let s3: S3Client;
  const files = tempDir('cairn-multipart-');
  const BUCKET = 'multipart';

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
    files.remove();
  });

  async function create(key: string): Promise<string> {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    expect(UploadId).toMatch(/^[0-9a-f]{32}$/);
    return UploadId!;
  }

  async function uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body }));
    expect(ETag).toBe(`"${md5(body).toString('hex')}"`);
    return ETag!;
  }

  it('uploads parts, lists them, completes with the multipart ETag and reads back every byte and range', async () => {
    const key = 'photos/raw/large.bin';
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 17), randomBytes(1234)];
    const uploadId = await create(key);
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) etags.push(await uploadPart(key, uploadId, i + 1, body));

    const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual(parts.map((body, i) => [i + 1, body.length, etags[i]]));
    // A page at a time: max-parts and part-number-marker.
    const first = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 2 }));
    expect([first.Parts?.map((p) => p.PartNumber), first.IsTruncated, first.NextPartNumberMarker, first.MaxParts]).toEqual([[1, 2], true, '2', 2]);
    const rest = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 2, PartNumberMarker: first.NextPartNumberMarker }));
    expect([rest.Parts?.map((p) => p.PartNumber), rest.IsTruncated, rest.PartNumberMarker]).toEqual([[3], false, '2']);
    const none = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MaxParts: 0 }));
    expect([none.Parts ?? [], none.IsTruncated]).toEqual([[], false]);
    // Uploads in progress are not objects.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'photos/' }))).KeyCount).toBe(0);

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(done.ETag).toBe(multipartEtag(parts));
    expect(done.Key).toBe(key);

    const whole = Buffer.concat(parts);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(got.ETag).toBe(multipartEtag(parts));
    expect(got.ContentLength).toBe(whole.length);
    expect((await bytesOf(got.Body)).equals(whole)).toBe(true);
    // Ranges inside one part and across part boundaries.
    for (const [start, end] of [
      [0, 9],
      [5 * MiB - 5, 5 * MiB + 5],
      [10 * MiB + 10, whole.length - 1],
      [MiB, 10 * MiB + 100],
    ]) {
      const range = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=${start}-${end}` }));
      expect((await bytesOf(range.Body)).equals(whole.subarray(start, end + 1)), `range ${start}-${end}`).toBe(true);
    }
    // partNumber reads one part, and says how many there are.
    const second = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 2 }));
    expect((await bytesOf(second.Body)).equals(parts[1])).toBe(true);
    expect([second.PartsCount, second.ContentRange]).toEqual([3, `bytes ${5 * MiB}-${10 * MiB + 16}/${whole.length}`]);
    // The upload is gone once completed.
    expect((await s3ErrorOf(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId })))).name).toBe('NoSuchUpload');
  });

  it('replaces a part uploaded twice with the same number and completes with a subset of parts', async () => {
    const key = 'replaced';
    const uploadId = await create(key);
    await uploadPart(key, uploadId, 1, randomBytes(5 * MiB));
    const first = randomBytes(5 * MiB);
    const etag1 = await uploadPart(key, uploadId, 1, first);
    await uploadPart(key, uploadId, 2, randomBytes(100)); // left out of the completion
    const last = randomBytes(200);
    const etag3 = await uploadPart(key, uploadId, 3, last);
    const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.map((p) => p.ETag)).toEqual([etag1, expect.any(String), etag3]);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag1 }, { PartNumber: 3, ETag: etag3 }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await bytesOf(got.Body)).equals(Buffer.concat([first, last]))).toBe(true);
    expect(got.ETag).toBe(multipartEtag([first, last]));
  });

  it('refuses bad completions with AWS error codes and leaves the upload intact', async () => {
    const key = 'refusals';
    const uploadId = await create(key);
    const small = randomBytes(1000);
    const etag1 = await uploadPart(key, uploadId, 1, small);
    const etag2 = await uploadPart(key, uploadId, 2, randomBytes(1000));
    const complete = (Parts: Array<{ PartNumber: number; ETag: string }>) =>
      s3ErrorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts } })));

    expect((await complete([{ PartNumber: 2, ETag: etag2 }, { PartNumber: 1, ETag: etag1 }])).name).toBe('InvalidPartOrder');
    expect((await complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }])).name).toBe('InvalidPart');
    expect((await complete([{ PartNumber: 7, ETag: etag1 }])).name).toBe('InvalidPart');
    const tooSmall = await complete([{ PartNumber: 1, ETag: etag1 }, { PartNumber: 2, ETag: etag2 }]);
    expect(tooSmall.name).toBe('EntityTooSmall');
    expect(tooSmall.$metadata.httpStatusCode).toBe(400);

    // Nothing was created, the upload is still there with both parts.
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).$metadata.httpStatusCode).toBe(404);
    const listed = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.length).toBe(2);

    // A single small part is a valid upload (the last part has no minimum).
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag1 }] } }));
    expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body)).equals(small)).toBe(true);
  });

  it('answers a retried completion (its first answer lost) with the same result, while the object it made is there', async () => {
    const key = 'retried';
    const uploadId = await create(key);
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'all of it' }));
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    const first = await complete();
    const again = await complete();
    expect([again.ETag, again.Key]).toEqual([first.ETag, key]);
    expect(first.ETag).toMatch(/-1"$/);
    // Overwritten, the upload's object is gone: a late retry is NoSuchUpload again.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'newer' }));
    expect((await s3ErrorOf(complete())).name).toBe('NoSuchUpload');
    // An upload that never completed is NoSuchUpload as before.
    const never = s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: '0123456789abcdef0123456789abcdef', MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect((await s3ErrorOf(never)).name).toBe('NoSuchUpload');
  });

  it('refuses parts of unknown uploads and out-of-range part numbers', async () => {
    const unknown = await s3ErrorOf(
      s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId: 'ffffffffffffffffffffffffffffffff', PartNumber: 1, Body: randomBytes(10) })),
    );
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(['NoSuchUpload', 404]);
    expect((await s3ErrorOf(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'k', UploadId: 'not-an-id', PartNumber: 1, Body: 'x' })))).name).toBe(
      'NoSuchUpload',
    );
    const uploadId = await create('numbers');
    for (const PartNumber of [0, 10001]) {
      const error = await s3ErrorOf(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'numbers', UploadId: uploadId, PartNumber, Body: 'x' })));
      expect(error.name, `part ${PartNumber}`).toBe('InvalidArgument');
    }
    // An upload belongs to its key.
    expect((await s3ErrorOf(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'other-key', UploadId: uploadId })))).name).toBe('NoSuchUpload');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'numbers', UploadId: uploadId }));
  });

  it('aborts uploads: parts are gone and the upload no longer lists', async () => {
    const uploadId = await create('aborted');
    await uploadPart('aborted', uploadId, 1, randomBytes(300 * 1024));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted', UploadId: uploadId }));
    expect((await s3ErrorOf(s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'aborted', UploadId: uploadId })))).name).toBe('NoSuchUpload');
    const again = await s3ErrorOf(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'aborted', UploadId: uploadId })));
    expect(again.name).toBe('NoSuchUpload');
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'aborted' }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('lists uploads in key order with prefix, delimiter and pagination by key and upload id markers', async () => {
    const bucket = 'uploads-listing';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const started: Array<[string, string]> = [];
    for (const key of ['b/2', 'a', 'b/1', 'a', 'c', 'b/1']) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      started.push([key, UploadId!]);
    }
    // Key order, then initiation order within a key.
    const expected = [...started].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : 1));
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(all.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual(expected);

    const seen: Array<[string, string]> = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: 2, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      seen.push(...(page.Uploads ?? []).map((u): [string, string] => [u.Key!, u.UploadId!]));
      if (!page.IsTruncated) break;
      expect(page.Uploads?.length).toBe(2);
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    expect(seen).toEqual(expected);

    const rolled = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Delimiter: '/' }));
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['b/']);
    expect(rolled.Uploads?.map((u) => u.Key)).toEqual(['a', 'a', 'c']);
    const underB = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'b/' }));
    expect(underB.Uploads?.map((u) => u.Key)).toEqual(['b/1', 'b/1', 'b/2']);

    // DeleteBucket takes the uploads in progress with it: a new bucket of the name starts empty.
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
  });

  it('completes lib-storage uploads (SDK defaults: CRC32 part checksums) with a composite checksum', async () => {
    const body = randomBytes(12 * MiB + 5);
    const upload = new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'lib-storage.bin', Body: body }, partSize: 5 * MiB, queueSize: 2 });
    await upload.done();
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lib-storage.bin', ChecksumMode: 'ENABLED' }));
    expect((await bytesOf(got.Body)).equals(body)).toBe(true);
    const parts = [body.subarray(0, 5 * MiB), body.subarray(5 * MiB, 10 * MiB), body.subarray(10 * MiB)];
    expect(got.ETag).toBe(multipartEtag(parts));
    // Composite: the CRC32 of the parts' CRC32s, with the part count.
    const crc32 = (b: Buffer) => {
      const digest = Buffer.alloc(4);
      digest.writeUInt32BE(zlibCrc32(b));
      return digest;
    };
    expect(got.ChecksumCRC32).toBe(`${crc32(Buffer.concat(parts.map(crc32))).toString('base64')}-3`);
    expect(got.ChecksumType).toBe('COMPOSITE');

    // A part read by number comes with that part's own checksum, which the SDK checks as it reads.
    const second = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lib-storage.bin', PartNumber: 2, ChecksumMode: 'ENABLED' }));
    expect((await bytesOf(second.Body)).equals(parts[1])).toBe(true);
    expect([second.ChecksumCRC32, second.ChecksumType, second.PartsCount]).toEqual([crc32(parts[1]).toString('base64'), 'COMPOSITE', 3]);
    const third = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'lib-storage.bin', PartNumber: 3, ChecksumMode: 'ENABLED' }));
    expect(third.ChecksumCRC32).toBe(crc32(parts[2]).toString('base64'));
    // Any other range has no checksum to give.
    const ranged = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lib-storage.bin', Range: 'bytes=0-99', ChecksumMode: 'ENABLED' }));
    expect((await bytesOf(ranged.Body)).equals(body.subarray(0, 100))).toBe(true);
    expect(ranged.ChecksumCRC32).toBeUndefined();
    // A single-part object's part 1 is the whole object, and so is its checksum.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'single-part.bin', Body: parts[2], ChecksumAlgorithm: 'CRC32' }));
    const only = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'single-part.bin', PartNumber: 1, ChecksumMode: 'ENABLED' }));
    expect((await bytesOf(only.Body)).equals(parts[2])).toBe(true);
    expect(only.ChecksumCRC32).toBe(crc32(parts[2]).toString('base64'));
  });

  it('gives a FULL_OBJECT checksum (the CRC of the whole object) when asked, and checks the client\'s whole-object checksum', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(777)];
    const whole = Buffer.concat(parts);
    const crc = (algorithm: 'CRC32' | 'CRC64NVME', bytes: Buffer) => checksumBase64(algorithm, bytes);
    for (const algorithm of ['CRC32', 'CRC64NVME'] as const) {
      const key = `full-object-${algorithm}`;
      const created = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' }),
      );
      expect(created.ChecksumType).toBe('FULL_OBJECT');
      const uploaded: Array<Record<string, unknown>> = [];
      for (const [i, body] of parts.entries()) {
        const { ETag } = await s3.send(
          new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: algorithm }),
        );
        uploaded.push({ PartNumber: i + 1, ETag, [`Checksum${algorithm}`]: crc(algorithm, body) });
      }
      const complete = (value: string) =>
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: key,
            UploadId: created.UploadId,
            MultipartUpload: { Parts: uploaded },
            ChecksumType: 'FULL_OBJECT',
            [`Checksum${algorithm}`]: value,
          }),
        );
      // A wrong whole-object checksum is refused and the upload stays.
      expect((await s3ErrorOf(complete(crc(algorithm, Buffer.from('something else'))))).name).toBe('BadDigest');
      const done = await complete(crc(algorithm, whole));
      expect(done[`Checksum${algorithm}`]).toBe(crc(algorithm, whole));
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      expect((await bytesOf(got.Body)).equals(whole)).toBe(true);
      expect([got[`Checksum${algorithm}`], got.ChecksumType]).toEqual([crc(algorithm, whole), 'FULL_OBJECT']);
      // A FULL_OBJECT checksum covers the whole object only: a part of two has none to show.
      const part = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 2, ChecksumMode: 'ENABLED' }));
      expect((await bytesOf(part.Body)).equals(parts[1])).toBe(true);
      expect(part[`Checksum${algorithm}`]).toBeUndefined();
    }
    // CRC64NVME has no COMPOSITE form; SHA256 has no FULL_OBJECT form.
    expect((await s3ErrorOf(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })))).name).toBe(
      'InvalidRequest',
    );
  });

  it('completes a COMPOSITE upload only with every part\'s checksum named, a checksum type that is the upload\'s, and the whole checksum with or without its -N', async () => {
    const key = 'composite-rules';
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32' }));
    const bodies = [randomBytes(5 * MiB), randomBytes(99)];
    const uploaded: Array<{ PartNumber: number; ETag?: string; ChecksumCRC32?: string }> = [];
    for (const [i, Body] of bodies.entries()) {
      const { ETag, ChecksumCRC32 } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: 'CRC32' }));
      uploaded.push({ PartNumber: i + 1, ETag, ChecksumCRC32 });
    }
    const complete = (Parts: typeof uploaded, extra: Partial<ConstructorParameters<typeof CompleteMultipartUploadCommand>[0]> = {}) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts }, ...extra }));
    const withoutChecksums = await s3ErrorOf(complete(uploaded.map(({ PartNumber, ETag }) => ({ PartNumber, ETag }))));
    expect([withoutChecksums.name, withoutChecksums.message]).toEqual([
      'InvalidRequest',
      'The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
    ]);
    // Another checksum mode or algorithm than the upload's is a bad request, not a mismatch of values.
    const otherMode = await s3ErrorOf(complete(uploaded, { ChecksumType: 'FULL_OBJECT' }));
    expect([otherMode.name, otherMode.message]).toEqual(['InvalidRequest', 'The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.']);
    const otherAlgorithm = await s3ErrorOf(complete(uploaded, { ChecksumSHA256: checksumBase64('SHA256', Buffer.concat(bodies)) }));
    expect([otherAlgorithm.name, otherAlgorithm.message]).toEqual(['InvalidRequest', 'Checksum Type mismatch occurred, expected checksum Type: crc32, actual checksum Type: sha256']);
    // x-amz-mp-object-size must be the completed object's size.
    const wrongSize = await s3ErrorOf(complete(uploaded, { MpuObjectSize: 5 * MiB + 98 }));
    expect([wrongSize.name, wrongSize.message]).toEqual(['InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${5 * MiB + 98} does not match what was computed: ${5 * MiB + 99}`]);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).name).toBe('NotFound');
    // The whole object's COMPOSITE checksum: the CRC32 of the parts' CRC32s.
    const composite = checksumBase64('CRC32', Buffer.concat(uploaded.map((part) => Buffer.from(part.ChecksumCRC32!, 'base64'))));
    const done = await complete(uploaded, { ChecksumType: 'COMPOSITE', ChecksumCRC32: composite, MpuObjectSize: 5 * MiB + 99 });
    expect([done.ChecksumCRC32, done.ChecksumType]).toEqual([`${composite}-2`, 'COMPOSITE']);
    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'listed-type', ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'listed-type' }));
    expect(listed.Uploads?.map((u) => [u.ChecksumAlgorithm, u.ChecksumType])).toEqual([['CRC32', 'FULL_OBJECT']]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'listed-type', UploadId: other.UploadId }));
  });

  it('copies parts from existing objects (UploadPartCopy, whole and ranged) and checks the copy-source conditions', async () => {
    const source = randomBytes(6 * MiB + 11);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-src', Body: source }));
    const key = 'assembled';
    const uploadId = await create(key);
    const whole = await s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 1, CopySource: `${BUCKET}/copy-src` }));
    expect(whole.CopyPartResult?.ETag).toBe(`"${md5(source).toString('hex')}"`);
    const ranged = await s3.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 2, CopySource: `${BUCKET}/copy-src`, CopySourceRange: 'bytes=100-199' }),
    );
    expect(ranged.CopyPartResult?.ETag).toBe(`"${md5(source.subarray(100, 200)).toString('hex')}"`);
    for (const CopySourceRange of ['bytes=0-99999999', 'bytes=10-5', 'bytes=-10']) {
      const error = await s3ErrorOf(s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy-src`, CopySourceRange })));
      expect(error.name, CopySourceRange).toBe('InvalidArgument');
      // A range that is not bytes=first-last is told apart from one outside the source.
      expect(error.message.startsWith(CopySourceRange === 'bytes=-10' ? 'The x-amz-copy-source-range value must be of the form' : 'Range specified is not valid'), CopySourceRange).toBe(true);
    }
    const stale = await s3ErrorOf(
      s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/copy-src`, CopySourceIfMatch: '"0000"' })),
    );
    expect(stale.name).toBe('PreconditionFailed');
    expect((await s3ErrorOf(s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: 3, CopySource: `${BUCKET}/nope` })))).name).toBe('NoSuchKey');
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: whole.CopyPartResult!.ETag }, { PartNumber: 2, ETag: ranged.CopyPartResult!.ETag }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await bytesOf(got.Body)).equals(Buffer.concat([source, source.subarray(100, 200)]))).toBe(true);

    // The aws cli copies an object above its 8 MiB threshold with UploadPartCopy.
    const big = randomBytes(17 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cli-copy-src', Body: big }));
    execFileSync('aws', ['--endpoint-url', server.endpoint, 's3', 'cp', '--only-show-errors', `s3://${BUCKET}/cli-copy-src`, `s3://${BUCKET}/cli-copy-dst`], {
      env: { ...process.env, ...awsCliEnv() },
    });
    const copied = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cli-copy-dst' }));
    expect(copied.ETag).toMatch(/-3"$/);
    expect((await bytesOf(copied.Body)).equals(big)).toBe(true);
  });

  it('takes large files from the aws cli, boto3 and minio-js, each as a multipart upload', async () => {
    const body = randomBytes(17 * MiB + 3);
    const file = path.join(files.path, 'large.bin');
    writeFileSync(file, body);
    const expectedEtag = (partSize: number) => {
      const parts = [];
      for (let at = 0; at < body.length; at += partSize) parts.push(body.subarray(at, at + partSize));
      return multipartEtag(parts);
    };

    // aws cli: 8 MiB parts by default above an 8 MiB threshold.
    execFileSync('aws', ['--endpoint-url', server.endpoint, 's3', 'cp', '--only-show-errors', file, `s3://${BUCKET}/cli.bin`], { env: { ...process.env, ...awsCliEnv() } });
    const cli = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'cli.bin' }));
    expect(cli.ETag).toBe(expectedEtag(8 * MiB));

    const python = `
import boto3, sys
from boto3.s3.transfer import TransferConfig
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name='us-east-1')
s3.upload_file(sys.argv[4], '${BUCKET}', 'boto3.bin', Config=TransferConfig(multipart_threshold=5*1024*1024, multipart_chunksize=6*1024*1024))
s3.download_file('${BUCKET}', 'boto3.bin', sys.argv[4] + '.boto3')
`;
    execFileSync('python3', ['-c', python, server.endpoint, ACCESS_KEY, SECRET_KEY, file], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null' } });
    expect(readFileSync(`${file}.boto3`).equals(body)).toBe(true);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'boto3.bin' }))).ETag).toBe(expectedEtag(6 * MiB));

    const minio = minioClient(server, { partSize: 5 * MiB });
    // minio-js sends a large stream as a multipart upload (its own choice of part size).
    await minio.putObject(BUCKET, 'minio.bin', Readable.from([body.subarray(0, 7 * MiB), body.subarray(7 * MiB)]), body.length);
    const stat = await minio.statObject(BUCKET, 'minio.bin');
    expect(stat.etag).toMatch(/^[0-9a-f]{32}-[2-9]$/);
    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject(BUCKET, 'minio.bin')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });
});
