/**
 * The checksum S3 stores with an object whose upload carried none: a full-object CRC64NVME
 * (AWS's default since December 2024), for a PutObject, a multipart upload created without an
 * algorithm, a copy of a source without a checksum, and a browser-form POST's file is covered in
 * post-object.e2e.spec.ts. Expected values come from the AWS SDK's own CRC64NVME, not cairn's;
 * downloads go through the SDK with its default response validation, which checks the bytes
 * against the value the server returns.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { minioClient, sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { checksumBase64 } from '../../src/infra/http/checksums';

const MiB = 1024 * 1024;

/** CRC64NVME as the AWS SDK computes it, base64. */
async function crc64(bytes: Buffer): Promise<string> {
  const checksum = new Crc64NvmeJs();
  checksum.update(bytes);
  return Buffer.from(await checksum.digest()).toString('base64');
}

describe('the default checksum of uploads that carry none', () => {
  let server: CairnServer;
  /** Sends no checksum of its own (as s3cmd, rclone or minio-js do) and checks none. */
  let plain: S3Client;
  /** The SDK's defaults: checks a GET's bytes against the checksum it gets back. */
  let validating: S3Client;
  const BUCKET = 'defaults';

  beforeAll(async () => {
    server = await CairnServer.start();
    plain = sdkClient(server, { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    validating = sdkClient(server);
    await plain.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    plain?.destroy();
    validating?.destroy();
    await server?.dispose();
  });

  /** The checksum HEAD reports in checksum mode, and the bytes a validating GET returns. */
  async function storedChecksum(key: string) {
    const head = await plain.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    const got = await validating.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    return {
      head: { CRC64NVME: head.ChecksumCRC64NVME, CRC32: head.ChecksumCRC32, type: head.ChecksumType },
      get: { CRC64NVME: got.ChecksumCRC64NVME, type: got.ChecksumType },
      bytes: await bytesOf(got.Body),
    };
  }

  it('gives a PutObject without a checksum the CRC64NVME of its bytes: empty, small, and large enough to be hashed on the worker thread', async () => {
    for (const size of [0, 5_000, 3 * MiB + 7]) {
      const body = randomBytes(size);
      const key = `put-${size}`;
      const put = await plain.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      const expected = await crc64(body);
      expect([put.ChecksumCRC64NVME, put.ChecksumType]).toEqual([expected, 'FULL_OBJECT']);
      const stored = await storedChecksum(key);
      expect(stored.head).toEqual({ CRC64NVME: expected, CRC32: undefined, type: 'FULL_OBJECT' });
      expect(stored.get).toEqual({ CRC64NVME: expected, type: 'FULL_OBJECT' });
      expect(stored.bytes.equals(body)).toBe(true);
    }
    const attributes = await plain.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'put-5000', ObjectAttributes: ['Checksum'] }));
    expect(attributes.Checksum?.ChecksumCRC64NVME).toBeDefined();
    expect(attributes.Checksum?.ChecksumType).toBe('FULL_OBJECT');
  });

  it('stores the checksum a client sends, and no default beside it', async () => {
    const body = randomBytes(4096);
    await validating.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'sent-crc32', Body: body, ChecksumAlgorithm: 'CRC32' }));
    const head = await plain.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'sent-crc32', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toBeDefined();
    expect(head.ChecksumCRC64NVME).toBeUndefined();
  });

  it('gives the same default to an object minio-js uploads', async () => {
    const body = randomBytes(70_000);
    await minioClient(server).putObject(BUCKET, 'minio-put', body);
    const stored = await storedChecksum('minio-put');
    expect(stored.head.CRC64NVME).toBe(await crc64(body));
    expect(stored.bytes.equals(body)).toBe(true);
  });

  it('gives a multipart upload created without an algorithm a full-object CRC64NVME combined from its parts', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(1234)];
    const whole = Buffer.concat(parts);
    const key = 'multipart-default';
    const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const completed = [];
    for (const [i, body] of parts.entries()) {
      const uploaded = await plain.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body: body }));
      // Each part carries the default too: that is what the whole object's is combined from.
      expect(uploaded.ChecksumCRC64NVME).toBe(await crc64(body));
      completed.push({ PartNumber: i + 1, ETag: uploaded.ETag });
    }
    const listed = await plain.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId }));
    expect(listed.Parts?.map((part) => part.ChecksumCRC64NVME)).toEqual([await crc64(parts[0]), await crc64(parts[1])]);
    const done = await plain.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
    const expected = await crc64(whole);
    expect([done.ChecksumCRC64NVME, done.ChecksumType]).toEqual([expected, 'FULL_OBJECT']);
    const stored = await storedChecksum(key);
    expect(stored.head).toEqual({ CRC64NVME: expected, CRC32: undefined, type: 'FULL_OBJECT' });
    expect(stored.bytes.equals(whole)).toBe(true);
  });

  it('gives a copied part of such an upload the default, and its object the combined one', async () => {
    const source = randomBytes(6 * MiB);
    await plain.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'part-source', Body: source }));
    const key = 'multipart-copied-parts';
    const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const first = await plain.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, CopySource: `${BUCKET}/part-source`, CopySourceRange: 'bytes=0-5242879' }));
    expect(first.CopyPartResult?.ChecksumCRC64NVME).toBe(await crc64(source.subarray(0, 5 * MiB)));
    const tail = randomBytes(100);
    const second = await plain.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: tail }));
    const done = await plain.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: first.CopyPartResult?.ETag }, { PartNumber: 2, ETag: second.ETag }] },
      }),
    );
    const whole = Buffer.concat([source.subarray(0, 5 * MiB), tail]);
    expect(done.ChecksumCRC64NVME).toBe(await crc64(whole));
    expect((await storedChecksum(key)).bytes.equals(whole)).toBe(true);
  });

  it('stores no checksum for parts of other algorithms, and a copy of that object gets the default', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(10)];
    const key = 'multipart-mixed';
    const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const one = await plain.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: parts[0] }));
    // The second part comes with a CRC32 of its own: the CRC64NVMEs cannot be combined.
    const two = await validating.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: parts[1], ChecksumAlgorithm: 'CRC32' }));
    expect(two.ChecksumCRC32).toBeDefined();
    expect(two.ChecksumCRC64NVME).toBeUndefined();
    const done = await plain.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }, { PartNumber: 2, ETag: two.ETag }] } }),
    );
    expect([done.ChecksumCRC64NVME, done.ChecksumCRC32]).toEqual([undefined, undefined]);
    const whole = Buffer.concat(parts);
    expect((await storedChecksum(key)).head).toEqual({ CRC64NVME: undefined, CRC32: undefined, type: undefined });

    const copied = await plain.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'mixed-copy', CopySource: `${BUCKET}/${key}` }));
    expect([copied.CopyObjectResult?.ChecksumCRC64NVME, copied.CopyObjectResult?.ChecksumType]).toEqual([await crc64(whole), 'FULL_OBJECT']);
    const stored = await storedChecksum('mixed-copy');
    expect(stored.head).toEqual({ CRC64NVME: await crc64(whole), CRC32: undefined, type: 'FULL_OBJECT' });
    expect(stored.bytes.equals(whole)).toBe(true);
  });

  it('gives an upload created without an algorithm whose every part came with a CRC32 (SDK and boto3 defaults) the CRC32 of the whole', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(777)];
    const whole = Buffer.concat(parts);
    const key = 'multipart-client-crc32';
    const { UploadId } = await validating.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const completed = [];
    for (const [i, body] of parts.entries()) {
      // SDK v3's default: UploadPart carries a CRC32 although the upload named no algorithm.
      const uploaded = await validating.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body: body }));
      expect(uploaded.ChecksumCRC32).toBe(checksumBase64('CRC32', body));
      completed.push({ PartNumber: i + 1, ETag: uploaded.ETag });
    }
    const done = await validating.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
    const expected = checksumBase64('CRC32', whole);
    expect([done.ChecksumCRC32, done.ChecksumType]).toEqual([expected, 'FULL_OBJECT']);
    const stored = await storedChecksum(key);
    expect(stored.head).toEqual({ CRC64NVME: undefined, CRC32: expected, type: 'FULL_OBJECT' });
    expect(stored.bytes.equals(whole)).toBe(true);
  });

  it('a part sent without a checksum: a FULL_OBJECT upload computes its own algorithm\'s, a COMPOSITE one refuses it', async () => {
    const composite = await plain.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'needs-crc32', ChecksumAlgorithm: 'CRC32' }));
    const error = await s3ErrorOf(plain.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'needs-crc32', UploadId: composite.UploadId, PartNumber: 1, Body: randomBytes(100) })));
    expect([error.name, error.message]).toEqual(['InvalidRequest', 'The upload was created using a CRC32 checksum. The part must include a CRC32 checksum.']);
    expect((await plain.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'needs-crc32', UploadId: composite.UploadId }))).Parts ?? []).toEqual([]);

    for (const algorithm of ['CRC32', 'CRC64NVME'] as const) {
      const key = `full-object-${algorithm}`;
      const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' }));
      const parts = [randomBytes(5 * MiB), randomBytes(321)];
      const completed = [];
      for (const [i, Body] of parts.entries()) {
        const uploaded = await plain.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body }));
        expect(uploaded[`Checksum${algorithm}`], `${algorithm} part ${i + 1}`).toBe(checksumBase64(algorithm, Body));
        completed.push({ PartNumber: i + 1, ETag: uploaded.ETag });
      }
      const done = await plain.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: completed } }));
      const whole = Buffer.concat(parts);
      expect([done[`Checksum${algorithm}`], done.ChecksumType]).toEqual([checksumBase64(algorithm, whole), 'FULL_OBJECT']);
      expect((await storedChecksum(key)).bytes.equals(whole)).toBe(true);
    }
  });
});
