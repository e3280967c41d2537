/**
 * Multipart uploads as the projections hold them: an upload in progress and its parts.
 * Parts are always stored as shard files (or nothing, when empty); CompleteMultipartUpload
 * turns the chosen parts into one object version whose data lists them in order.
 */
import type { Tag } from './rules/tagging';
import { DEFAULT_CHECKSUM_ALGORITHM, type ChecksumValue, type ObjectData, type StorageClass, type SystemMetadata } from './object-version';
import type { LockRequest } from './rules/object-lock';

/** The data of one part: shard files under the erasure layout of the part, or no bytes. */
export type PartData = Extract<ObjectData, { kind: 'files' } | { kind: 'empty' }>;

export type ChecksumAlgorithm = ChecksumValue['algorithm'];

/**
 * How a multipart upload's checksum covers it: COMPOSITE is the checksum of the parts'
 * checksums (`<value>-<parts>`); FULL_OBJECT is the CRC of the whole object's bytes
 * (CRC algorithms only; the only kind CRC64NVME has).
 */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export interface MultipartUpload {
  readonly bucket: string;
  readonly key: string;
  /** The id of the event that created the upload. */
  readonly uploadId: string;
  readonly initiated: number;
  readonly system: SystemMetadata;
  readonly user: Readonly<Record<string, string>>;
  /** x-amz-checksum-algorithm given at creation: every part must then carry that checksum. */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  /** With checksumAlgorithm; absent in uploads logged before full-object checksums (= COMPOSITE). */
  readonly checksumType?: ChecksumType;
  /** x-amz-object-lock-* given at creation: applied to the object when it is completed. */
  readonly lock?: LockRequest;
  readonly storageClass: StorageClass;
  /** x-amz-tagging given at creation: the completed object's tags. */
  readonly tags?: readonly Tag[];
}

/**
 * The checksum an upload's object gets, as AWS's rules have it: the algorithm and type it was
 * created with (COMPOSITE for uploads logged before types were kept); for one created without
 * an algorithm, the default full-object CRC64NVME (combined from its parts' when every part
 * has one).
 */
export function objectChecksumOf(upload: MultipartUpload): { readonly algorithm: ChecksumAlgorithm; readonly type: ChecksumType } {
  if (!upload.checksumAlgorithm) return { algorithm: DEFAULT_CHECKSUM_ALGORITHM, type: 'FULL_OBJECT' };
  return { algorithm: upload.checksumAlgorithm, type: upload.checksumType ?? 'COMPOSITE' };
}

/**
 * The checksum a part gets when its request carries none: a FULL_OBJECT upload's own algorithm
 * (the object's CRC is combined from its parts', and AWS does not require clients to send them);
 * none for a COMPOSITE one, whose parts must each come with the checksum the client will name
 * at completion.
 */
export function partDefaultChecksum(upload: MultipartUpload): ChecksumAlgorithm | undefined {
  const { algorithm, type } = objectChecksumOf(upload);
  return type === 'FULL_OBJECT' ? algorithm : undefined;
}

export interface UploadedPart {
  readonly uploadId: string;
  readonly partNumber: number;
  readonly size: number;
  /** Hex MD5 of the part, without quotes. */
  readonly etag: string;
  readonly lastModified: number;
  readonly checksum?: ChecksumValue;
  readonly data: PartData;
}

/** A part of a completed object, as its version records it (in part-number order). */
export interface ObjectPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  readonly checksum?: ChecksumValue;
  readonly data: PartData;
}

/** S3's limits on multipart uploads. */
export const MAX_PART_NUMBER = 10_000;
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
