/**
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload and AbortMultipartUpload as
 * decisions over the upload's committed state.
 */
import type { BucketRecord } from '../bucket';
import { s3Error } from '../errors';
import type { MultipartPartUploaded, MultipartUploadAborted, MultipartUploadCompleted, MultipartUploadCreated } from '../events';
import {
  MAX_PART_NUMBER,
  MIN_PART_SIZE,
  objectChecksumOf,
  type ChecksumAlgorithm,
  type ChecksumType,
  type MultipartUpload,
  type ObjectPart,
  type UploadedPart,
} from '../multipart-upload';
import { isComposite, NULL_VERSION_ID, type ChecksumValue, type ObjectVersion, type StorageClass } from '../object-version';
import { multipartEtag } from '../rules/multipart-etag';
import { lockForNewVersion } from '../rules/object-lock';
import { assertWriteConditions, type WriteConditions } from '../rules/preconditions';
import { assertValidObjectKey } from '../rules/names';
import { newEvent, type DecisionContext } from './decision-context';
import { assertBucketExists, currentVersion } from './object-decider';

/** What CreateMultipartUpload asks for: the event's own fields. */
export type CreateUploadCommand = Pick<MultipartUploadCreated, 'bucket' | 'key' | 'system' | 'user' | 'checksumAlgorithm' | 'checksumType' | 'lock' | 'tags'> & {
  /** x-amz-storage-class; STANDARD when absent. */
  readonly storageClass?: StorageClass;
};

export function decideCreateUpload(
  bucket: BucketRecord | undefined,
  command: CreateUploadCommand,
  context: DecisionContext,
): MultipartUploadCreated {
  assertBucketExists(bucket, command.bucket);
  assertValidObjectKey(command.key);
  const checksumType = checksumTypeFor(command.checksumAlgorithm, command.checksumType);
  lockForNewVersion(bucket, command.lock, context.time); // refuses lock headers the bucket cannot honour
  return newEvent('MultipartUploadCreated', context, {
    bucket: command.bucket,
    key: command.key,
    system: command.system,
    user: command.user,
    ...(command.checksumAlgorithm ? { checksumAlgorithm: command.checksumAlgorithm, checksumType } : {}),
    ...(command.lock ? { lock: command.lock } : {}),
    storageClass: command.storageClass ?? 'STANDARD',
    ...(command.tags && command.tags.length > 0 ? { tags: command.tags } : {}),
  });
}

const CRC_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME'];

/** AWS's rules: FULL_OBJECT needs a CRC; CRC64NVME is FULL_OBJECT only; COMPOSITE is the default otherwise. */
export function checksumTypeFor(algorithm: ChecksumAlgorithm | undefined, requested: ChecksumType | undefined): ChecksumType {
  if (!algorithm) {
    if (requested) throw s3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return 'COMPOSITE';
  }
  if (requested === 'FULL_OBJECT' && !CRC_ALGORITHMS.includes(algorithm)) {
    throw s3Error('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  if (algorithm === 'CRC64NVME' && requested === 'COMPOSITE') {
    throw s3Error('InvalidRequest', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  }
  return requested ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
}

export function assertValidPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw s3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, {
      ArgumentName: 'partNumber',
      ArgumentValue: String(partNumber),
    });
  }
}

export function assertUploadExists(upload: MultipartUpload | undefined, uploadId: string): asserts upload is MultipartUpload {
  if (!upload) throw s3Error('NoSuchUpload', undefined, { UploadId: uploadId });
}

/** A part's checksum must be of the algorithm its upload was created with. */
export function assertPartChecksum(upload: MultipartUpload, checksum: ChecksumValue | undefined): void {
  assertPartChecksumAlgorithm(upload, checksum?.algorithm);
}

/** The same, on the algorithm alone: checked before a part's bytes are read, and at its decision. */
export function assertPartChecksumAlgorithm(upload: MultipartUpload, algorithm: ChecksumAlgorithm | undefined): void {
  if (!upload.checksumAlgorithm) return;
  if (algorithm !== upload.checksumAlgorithm) {
    throw s3Error(
      'InvalidRequest',
      `The upload was created using a ${upload.checksumAlgorithm} checksum. The part must include a ${upload.checksumAlgorithm} checksum.`,
    );
  }
}

export function decideUploadPart(
  upload: MultipartUpload | undefined,
  command: { bucket: string; key: string; uploadId: string; part: Omit<UploadedPart, 'uploadId' | 'lastModified'> },
  context: DecisionContext,
): MultipartPartUploaded {
  assertUploadExists(upload, command.uploadId);
  assertValidPartNumber(command.part.partNumber);
  assertPartChecksum(upload, command.part.checksum);
  return newEvent('MultipartPartUploaded', context, { bucket: command.bucket, key: command.key, uploadId: command.uploadId, part: command.part });
}

/** One entry of the CompleteMultipartUpload document. */
export interface CompletedPartRequest {
  readonly partNumber: number;
  /** As the client sent it, quotes or not. */
  readonly etag: string;
  readonly checksum?: ChecksumValue;
}

export function decideCompleteUpload(
  bucket: BucketRecord | undefined,
  upload: MultipartUpload | undefined,
  uploaded: readonly UploadedPart[],
  command: {
    bucket: string;
    key: string;
    uploadId: string;
    parts: readonly CompletedPartRequest[];
    /** The upload's checksum over the chosen parts (computed by the caller: it needs the algorithm's code). */
    checksumOfParts?: (upload: MultipartUpload, parts: readonly ObjectPart[]) => ChecksumValue | undefined;
    /** A checksum of the whole object the client sent with the request: it must match. */
    expectedChecksum?: ChecksumValue;
    /** x-amz-checksum-type sent with the request: it must be the upload's. */
    expectedChecksumType?: ChecksumType;
    /** x-amz-mp-object-size sent with the request: it must be the completed object's size. */
    expectedSize?: number;
    /** If-None-Match / If-Match: decided on the key's committed versions, as a PutObject's are. */
    conditions?: WriteConditions;
  },
  context: DecisionContext,
  /** The key's committed versions, newest first (needed by conditional completion). */
  current: readonly ObjectVersion[] = [],
): MultipartUploadCompleted {
  assertBucketExists(bucket, command.bucket);
  assertUploadExists(upload, command.uploadId);
  if (command.conditions) assertWriteConditions(command.conditions, currentVersion(current), command);
  if (command.parts.length === 0) throw s3Error('MalformedXML', 'You must specify at least one part.');
  const objectChecksum = objectChecksumOf(upload);
  // A checksum of another mode or algorithm than the upload's is a bad request, not a mismatch.
  if (command.expectedChecksumType !== undefined && command.expectedChecksumType !== objectChecksum.type) {
    throw s3Error('InvalidRequest', `The upload was created using the ${objectChecksum.type} checksum mode. The complete request must use the same checksum mode.`);
  }
  // A COMPOSITE checksum is of the parts' checksums: the client names each one, as AWS requires.
  const composite = objectChecksum.type === 'COMPOSITE';
  const byNumber = new Map(uploaded.map((part) => [part.partNumber, part]));
  const parts: ObjectPart[] = [];
  let previousNumber = 0;
  for (const requested of command.parts) {
    if (requested.partNumber <= previousNumber) throw s3Error('InvalidPartOrder');
    previousNumber = requested.partNumber;
    const part = byNumber.get(requested.partNumber);
    if (!part || unquote(requested.etag) !== part.etag) {
      throw s3Error('InvalidPart', undefined, { UploadId: command.uploadId, PartNumber: requested.partNumber, ETag: requested.etag });
    }
    if (composite && !requested.checksum) {
      const algorithm = upload.checksumAlgorithm!.toLowerCase();
      throw s3Error(
        'InvalidRequest',
        `The upload was created using a ${algorithm} checksum. The complete request must include the checksum for each part. It was missing for part ${requested.partNumber} in the request.`,
      );
    }
    if (requested.checksum && (requested.checksum.algorithm !== part.checksum?.algorithm || requested.checksum.value !== part.checksum.value)) {
      throw s3Error('InvalidPart', `The ${requested.checksum.algorithm} checksum of part ${requested.partNumber} does not match the uploaded part.`, {
        UploadId: command.uploadId,
        PartNumber: requested.partNumber,
      });
    }
    parts.push({ partNumber: part.partNumber, size: part.size, etag: part.etag, ...(part.checksum ? { checksum: part.checksum } : {}), data: part.data });
  }
  parts.slice(0, -1).forEach((part) => {
    if (part.size < MIN_PART_SIZE) {
      throw s3Error('EntityTooSmall', undefined, { ProposedSize: part.size, MinSizeAllowed: MIN_PART_SIZE, PartNumber: part.partNumber, ETag: part.etag });
    }
  });

  const size = parts.reduce((sum, part) => sum + part.size, 0);
  if (command.expectedSize !== undefined && command.expectedSize !== size) {
    throw s3Error('InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${command.expectedSize} does not match what was computed: ${size}`);
  }

  const checksum = command.checksumOfParts?.(upload, parts);
  const expected = command.expectedChecksum;
  const objectAlgorithm = checksum?.algorithm ?? objectChecksum.algorithm;
  if (expected && expected.algorithm !== objectAlgorithm) {
    throw s3Error(
      'InvalidRequest',
      `Checksum Type mismatch occurred, expected checksum Type: ${objectAlgorithm.toLowerCase()}, actual checksum Type: ${expected.algorithm.toLowerCase()}`,
    );
  }
  // A COMPOSITE value may be sent with or without its `-<parts>` suffix.
  const matches = (value: string) => value === checksum?.value || (checksum !== undefined && isComposite(checksum) && value === checksum.value.replace(/-\d+$/, ''));
  if (expected && !matches(expected.value)) {
    throw s3Error('BadDigest', `The ${expected.algorithm.toLowerCase()} you specified for the whole object did not match the calculated checksum.`);
  }
  return newEvent('MultipartUploadCompleted', context, {
    bucket: command.bucket,
    key: command.key,
    uploadId: command.uploadId,
    version: {
      versionId: bucket.versioning === 'Enabled' ? context.id : NULL_VERSION_ID,
      lastModified: context.time,
      size,
      etag: multipartEtag(parts.map((part) => part.etag)),
      system: upload.system,
      user: upload.user,
      ...(checksum ? { checksum } : {}),
      storageClass: upload.storageClass,
      ...(upload.tags ? { tags: upload.tags } : {}),
      data: { kind: 'multipart', parts, uploadId: command.uploadId },
      ...lockForNewVersion(bucket, upload.lock, context.time),
    },
  });
}

export function decideAbortUpload(
  upload: MultipartUpload | undefined,
  command: { bucket: string; key: string; uploadId: string },
  context: DecisionContext,
): MultipartUploadAborted {
  assertUploadExists(upload, command.uploadId);
  return newEvent('MultipartUploadAborted', context, { bucket: command.bucket, key: command.key, uploadId: command.uploadId });
}

function unquote(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
}
