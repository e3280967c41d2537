/**
 * Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts and ListMultipartUploads. Upload state lives in the event
 * log like everything else. Parts follow PutObject's order: bytes durable first, then the
 * part's event under the key's lock (the commit point), then reclaim what it replaced.
 */
import { Injectable } from '@nestjs/common';
import type { BucketRecord } from '../../domain/bucket';
import { decisionContext, type RequestContext } from '../../domain/deciders/decision-context';
import {
  assertPartChecksumAlgorithm,
  assertUploadExists,
  assertValidPartNumber,
  decideAbortUpload,
  decideCompleteUpload,
  decideCreateUpload,
  decideUploadPart,
  type CompletedPartRequest,
  type CreateUploadCommand,
} from '../../domain/deciders/multipart-decider';
import { assertBucketExists } from '../../domain/deciders/object-decider';
import { isS3Error, s3Error } from '../../domain/errors';
import {
  MAX_PART_SIZE,
  objectChecksumOf,
  partDefaultChecksum,
  type ChecksumAlgorithm,
  type ChecksumType,
  type MultipartUpload,
  type ObjectPart,
  type UploadedPart,
} from '../../domain/multipart-upload';
import type { ChecksumValue, ObjectVersion } from '../../domain/object-version';
import { decisionState, releasedDataDirs, uploadDecisionState } from '../../domain/projections/projection';
import { assertValidObjectKey } from '../../domain/rules/names';
import { MAX_LIST_UPLOADS, type UploadListPage, type UploadListParams } from '../../domain/rules/upload-listing';
import { checksumBase64 } from '../../infra/http/checksums';
import { combineCrcs, isCrcAlgorithm } from '../../infra/http/crc-combine';
import { assertLockedWriteDigest } from '../../domain/rules/object-lock';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import type { ObjectPayload } from './object-payload';
import { ShardReclaimer } from '../storage/shard-reclaimer';
import { rangeCopyPayload } from './copy-payload';
import { ObjectService, type CopyObjectInput } from './object.service';
import { stageFiles } from './staged-data';
import type { Preconditions, WriteConditions } from '../../domain/rules/preconditions';

export const MAX_LIST_PARTS = 1000;

export interface PartsPage {
  readonly upload: MultipartUpload;
  readonly parts: UploadedPart[];
  readonly isTruncated: boolean;
  readonly nextPartNumberMarker?: number;
}

@Injectable()
export class MultipartService {
  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
    private readonly reclaimer: ShardReclaimer,
    private readonly objects: ObjectService,
  ) {}

  async createUpload(
    context: RequestContext,
    command: CreateUploadCommand,
  ): Promise<string> {
    const bucketRecord = await this.set.metadata().getBucket(command.bucket);
    const appended = await this.set.appendEvent((stamp) => decideCreateUpload(bucketRecord, command, decisionContext(stamp, context)), {
      state: decisionState(command.bucket, bucketRecord),
    });
    return appended!.event.id;
  }

  /**
   * @param command.payloadFor the part's bytes, given the checksum to compute when the request
   *   carries none (partDefaultChecksum)
   * @param command.digestSent the request sent Content-MD5 or an x-amz-checksum-* (undefined:
   *   a copied part, with no body of its own)
   */
  async uploadPart(
    context: RequestContext,
    command: {
      bucket: string;
      key: string;
      uploadId: string;
      partNumber: number;
      payloadFor: (defaultChecksum: ChecksumAlgorithm | undefined) => ObjectPayload;
      digestSent?: boolean;
    },
  ): Promise<{ etag: string; lastModified: number; checksum?: ChecksumValue }> {
    const { bucket, key, uploadId, partNumber } = command;
    assertValidPartNumber(partNumber);
    // Refuse early, before reading a body that could not be stored.
    const { bucketRecord, upload } = await this.bucketAndUpload(bucket, key, uploadId);
    assertUploadExists(upload, uploadId);
    assertLockedWriteDigest(bucketRecord, upload.lock, command.digestSent, 'Put Part');
    const payload = command.payloadFor(partDefaultChecksum(upload));
    assertPartChecksumAlgorithm(upload, payload.checksumAlgorithm);
    if (payload.size > MAX_PART_SIZE) throw s3Error('EntityTooLarge', undefined, { ProposedSize: payload.size, MaxSizeAllowed: MAX_PART_SIZE });
    this.set.assertWritable();

    const staged = await stageFiles(this.set, this.set.shardLayoutFor(bucket, key), payload);
    try {
      const { md5Hex, checksum } = await payload.finish();
      const part = { partNumber, size: payload.size, etag: md5Hex, ...(checksum ? { checksum } : {}), data: staged.data as UploadedPart['data'] };
      const appended = await this.withUpload(bucket, key, uploadId, (state, upload) =>
        this.set.appendEvent((stamp) => decideUploadPart(upload, { bucket, key, uploadId, part }, decisionContext(stamp, context)), { state }),
      );
      await staged.publish();
      this.reclaimer.reclaim(releasedDataDirs(appended!.writes));
      return { etag: md5Hex, lastModified: appended!.event.time, ...(checksum ? { checksum } : {}) };
    } catch (error) {
      await staged.abort();
      throw error;
    }
  }

  /** UploadPartCopy: a part whose bytes are (a range of) an existing object version. */
  async uploadPartCopy(
    context: RequestContext,
    command: { bucket: string; key: string; uploadId: string; partNumber: number; source: CopyObjectInput['source']; sourceConditions: Preconditions; range?: string },
  ): Promise<{ etag: string; lastModified: number; checksum?: ChecksumValue; sourceVersionId: string }> {
    assertValidPartNumber(command.partNumber);
    const upload = await this.findUpload(command.bucket, command.key, command.uploadId);
    assertUploadExists(upload, command.uploadId);
    const read = await this.objects.copyPartSource(command.source, command.sourceConditions, command.range);
    const size = read.range ? read.range.end - read.range.start + 1 : read.version.size;
    // The copy's bytes go through the server: the part always gets the upload's checksum.
    const payload = rangeCopyPayload(size, (sink) => read.pipe(sink), objectChecksumOf(upload).algorithm);
    const part = await this.uploadPart(context, {
      bucket: command.bucket,
      key: command.key,
      uploadId: command.uploadId,
      partNumber: command.partNumber,
      payloadFor: () => payload,
    });
    return { ...part, sourceVersionId: read.version.versionId };
  }

  async completeUpload(
    context: RequestContext,
    command: {
      bucket: string;
      key: string;
      uploadId: string;
      parts: readonly CompletedPartRequest[];
      expectedChecksum?: ChecksumValue;
      expectedChecksumType?: ChecksumType;
      expectedSize?: number;
      conditions?: WriteConditions;
    },
  ): Promise<{ etag: string; versionId: string; checksum?: ChecksumValue }> {
    const { bucket, key, uploadId } = command;
    const answer = (version: Omit<ObjectVersion, 'eventId'>) => ({ etag: version.etag, versionId: version.versionId, ...(version.checksum ? { checksum: version.checksum } : {}) });
    let appended;
    try {
      appended = await this.withUpload(bucket, key, uploadId, async (state, upload, parts) => {
        const bucketRecord = state.getBucket(bucket);
        const current = state.versionsOf(bucket, key);
        return this.set.appendEvent(
          (stamp) => decideCompleteUpload(bucketRecord, upload, parts, { ...command, checksumOfParts }, decisionContext(stamp, context), current),
          { state },
        );
      });
    } catch (error) {
      // A retry of a completion that succeeded (its answer was lost) gets that answer again,
      // as AWS gives it, while the version the upload became is still there.
      const completed = isS3Error(error) && error.code === 'NoSuchUpload' ? await this.versionCompletedBy(bucket, key, uploadId) : undefined;
      if (completed) return answer(completed);
      throw error;
    }
    this.reclaimer.reclaim(releasedDataDirs(appended!.writes));
    return answer(appended!.event.version);
  }

  private async versionCompletedBy(bucket: string, key: string, uploadId: string): Promise<ObjectVersion | undefined> {
    const versions = await this.set.metadata().versionsOf(bucket, key);
    return versions.find((version) => version.data.kind === 'multipart' && version.data.uploadId === uploadId);
  }

  async abortUpload(context: RequestContext, command: { bucket: string; key: string; uploadId: string }): Promise<void> {
    const appended = await this.withUpload(command.bucket, command.key, command.uploadId, (state, upload) =>
      this.set.appendEvent((stamp) => decideAbortUpload(upload, command, decisionContext(stamp, context)), { state }),
    );
    this.reclaimer.reclaim(releasedDataDirs(appended!.writes));
  }

  async listParts(bucket: string, key: string, uploadId: string, options: { partNumberMarker: number; maxParts: number }): Promise<PartsPage> {
    const upload = await this.findUpload(bucket, key, uploadId);
    assertUploadExists(upload, uploadId);
    const after = (await this.set.metadata().partsOf(uploadId)).filter((part) => part.partNumber > options.partNumberMarker);
    const maxParts = Math.min(options.maxParts, MAX_LIST_PARTS);
    const parts = after.slice(0, maxParts);
    // max-parts=0 is an empty page, not a truncated one (as max-keys=0 in a listing).
    const isTruncated = maxParts > 0 && after.length > maxParts;
    return { upload, parts, isTruncated, ...(isTruncated ? { nextPartNumberMarker: parts[parts.length - 1].partNumber } : {}) };
  }

  async listUploads(bucket: string, params: UploadListParams): Promise<UploadListPage> {
    const metadata = this.set.metadata();
    assertBucketExists(await metadata.getBucket(bucket), bucket);
    return metadata.listUploads(bucket, { ...params, maxUploads: Math.min(params.maxUploads, MAX_LIST_UPLOADS) });
  }

  private async findUpload(bucket: string, key: string, uploadId: string): Promise<MultipartUpload | undefined> {
    return (await this.bucketAndUpload(bucket, key, uploadId)).upload;
  }

  private async bucketAndUpload(bucket: string, key: string, uploadId: string): Promise<{ bucketRecord: BucketRecord; upload: MultipartUpload | undefined }> {
    assertValidObjectKey(key);
    const metadata = this.set.metadata();
    const bucketRecord = await metadata.getBucket(bucket);
    assertBucketExists(bucketRecord, bucket);
    return { bucketRecord, upload: await metadata.getUpload(bucket, key, uploadId) };
  }

  /** Runs `decide` under the key's lock with the upload's committed state. */
  private async withUpload<T>(
    bucket: string,
    key: string,
    uploadId: string,
    decide: (state: ReturnType<typeof uploadDecisionState>, upload: MultipartUpload | undefined, parts: UploadedPart[]) => Promise<T>,
  ): Promise<T> {
    assertValidObjectKey(key);
    const release = await this.locks.lockObject(bucket, key);
    try {
      const metadata = this.set.metadata();
      const bucketRecord = await metadata.getBucket(bucket);
      assertBucketExists(bucketRecord, bucket);
      const upload = await metadata.getUpload(bucket, key, uploadId);
      const parts = upload ? await metadata.partsOf(uploadId) : [];
      const versions = await metadata.versionsOf(bucket, key);
      return await decide(uploadDecisionState(decisionState(bucket, bucketRecord, key, versions), upload, parts), upload, parts);
    } finally {
      release();
    }
  }
}

/**
 * The object's checksum from its parts' checksums: FULL_OBJECT combines the parts' CRCs into
 * the CRC of the whole; COMPOSITE is the checksum of the parts' binary checksums, `-<parts>`.
 *
 * An upload created without an algorithm gives its parts the default CRC64NVME, unless a part
 * came with a checksum of its own (boto3 sends a CRC32 with every part by default): when every
 * part came with the same CRC algorithm, the object gets that CRC of the whole; with a mix,
 * no checksum.
 */
function checksumOfParts(upload: MultipartUpload, parts: readonly ObjectPart[]): ChecksumValue | undefined {
  const { algorithm: defaultAlgorithm, type } = objectChecksumOf(upload);
  const algorithm = upload.checksumAlgorithm ?? parts[0]?.checksum?.algorithm ?? defaultAlgorithm;
  if (type === 'FULL_OBJECT' && isCrcAlgorithm(algorithm)) {
    if (!parts.every((part) => part.checksum?.algorithm === algorithm)) return undefined;
    return { algorithm, value: combineCrcs(algorithm, parts.map((part) => ({ value: part.checksum!.value, size: part.size }))) };
  }
  if (!upload.checksumAlgorithm) return undefined; // parts with SHA checksums: nothing to combine
  const digests = parts.map((part) => Buffer.from(part.checksum?.value ?? '', 'base64'));
  return { algorithm, value: `${checksumBase64(algorithm, Buffer.concat(digests))}-${parts.length}` };
}
