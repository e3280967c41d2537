/**
 * The digests a request declares for the object bytes it carries — Content-MD5 and at most
 * one additional checksum (x-amz-checksum-<algorithm>) — and their verification once the
 * bytes have all gone by. A PutObject declares them in headers, a browser-form POST in form
 * fields; both are read and checked here, with AWS's errors:
 *
 * - a Content-MD5 that is not base64 of 16 bytes: InvalidDigest; one that does not match: BadDigest;
 * - an unknown x-amz-checksum-* name, or two of them: InvalidRequest;
 * - a value that is not base64 of the algorithm's digest size: InvalidRequest "Value for ... is invalid.";
 * - a value that does not match the bytes: BadDigest.
 */
import { createHash, type Hash } from 'node:crypto';
import { s3Error } from '../../domain/errors';
import type { ChecksumValue } from '../../domain/object-version';
import { DigestWorkers, type DigestAlgorithm, type DigestJob } from '../../infra/hashing/digest-workers';
import { trailerNames } from '../../infra/http/aws-chunked';
import { createChecksum, isValidChecksumValue, MULTIPLE_CHECKSUMS, parseChecksumAlgorithm, type Checksum, type ChecksumAlgorithm } from '../../infra/http/checksums';
import type { PayloadMode } from '../../infra/http/sigv4';

export interface DeclaredDigests {
  readonly contentMd5?: Buffer;
  /** The checksum to compute and store; `value` is checked when the request sent one. */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value?: string };
  /**
   * The checksum to compute and store when the request declared none (`checksum` absent):
   * S3 gives every new object a CRC64NVME (DEFAULT_CHECKSUM_ALGORITHM).
   */
  readonly defaultChecksum?: ChecksumAlgorithm;
}

/** x-amz-checksum-* names that are not a checksum value. */
const NOT_A_VALUE = new Set(['x-amz-checksum-mode', 'x-amz-checksum-type', 'x-amz-checksum-algorithm']);

/** Whether a (lower-case) header or field name carries a checksum value: x-amz-checksum-<algorithm>. */
export function isChecksumValueName(name: string): boolean {
  return name.startsWith('x-amz-checksum-') && !NOT_A_VALUE.has(name);
}

export const UNSUPPORTED_CHECKSUM_ALGORITHM =
  'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]';

/**
 * The algorithm an x-amz-checksum-algorithm header names for a checksum cairn is to compute
 * (CreateMultipartUpload, CopyObject); undefined when absent, InvalidRequest when unknown.
 */
export function requestedChecksumAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  if (value === undefined) return undefined;
  const algorithm = parseChecksumAlgorithm(value);
  if (!algorithm) throw s3Error('InvalidRequest', UNSUPPORTED_CHECKSUM_ALGORITHM);
  return algorithm;
}

const SDK_ALGORITHM_INVALID = 'Value for x-amz-sdk-checksum-algorithm header is invalid.';

/**
 * x-amz-sdk-checksum-algorithm names the checksum an SDK attached to the request, in a header
 * or as a trailer. As AWS, a request that names one and carries none, or another, is refused:
 * the object would otherwise be stored without the checksum the application asked for, and
 * nobody would notice. A trailer counts only where the payload mode has trailers (the only
 * place the aws-chunked decoder reads and checks one).
 */
export function assertSdkChecksumSent(headers: Readonly<Record<string, string | string[] | undefined>>, payload: PayloadMode): void {
  const named = headers['x-amz-sdk-checksum-algorithm'];
  if (named === undefined) return;
  const algorithm = typeof named === 'string' && !named.toLowerCase().startsWith('x-amz-') ? parseChecksumAlgorithm(named) : undefined;
  if (!algorithm) throw s3Error('InvalidRequest', SDK_ALGORITHM_INVALID);
  const trailers = 'trailer' in payload ? trailerNames(payload.trailer) : [];
  const sent = [...Object.keys(headers), ...trailers]
    .filter(isChecksumValueName)
    .map(parseChecksumAlgorithm)
    .filter((sentAlgorithm) => sentAlgorithm !== undefined);
  if (sent.length === 0) {
    throw s3Error('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  if (!sent.includes(algorithm)) throw s3Error('InvalidRequest', SDK_ALGORITHM_INVALID);
}

/** Content-MD5 as sent: base64 of 16 bytes, else InvalidDigest. */
export function parseContentMd5(value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  const digest = Buffer.from(value, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== value) throw s3Error('InvalidDigest');
  return digest;
}

/**
 * The x-amz-checksum-<algorithm> value among `entries` (lowercase header or field names), if
 * any; `algorithmName` is an x-amz-checksum-algorithm naming the algorithm to use when no value
 * is sent (a value must then be of that algorithm).
 */
export function declaredChecksum(entries: Iterable<readonly [string, string]>, algorithmName?: string): DeclaredDigests['checksum'] {
  let found: { algorithm: ChecksumAlgorithm; value: string; name: string } | undefined;
  for (const [name, value] of entries) {
    if (!isChecksumValueName(name)) continue;
    const algorithm = parseChecksumAlgorithm(name);
    if (!algorithm) throw s3Error('InvalidRequest', `The ${name} header is not a supported checksum.`);
    if (found) throw s3Error('InvalidRequest', MULTIPLE_CHECKSUMS);
    if (!isValidChecksumValue(algorithm, value)) throw s3Error('InvalidRequest', `Value for ${name} header is invalid.`);
    found = { algorithm, value, name };
  }
  if (algorithmName === undefined) return found && { algorithm: found.algorithm, value: found.value };
  const algorithm = parseChecksumAlgorithm(algorithmName);
  if (!algorithm || algorithmName.toLowerCase().startsWith('x-amz-')) throw s3Error('InvalidRequest', UNSUPPORTED_CHECKSUM_ALGORITHM);
  if (found && found.algorithm !== algorithm) {
    throw s3Error('InvalidRequest', `The x-amz-checksum-algorithm (${algorithm}) does not match the checksum sent (${found.name}).`);
  }
  return found ? { algorithm, value: found.value } : { algorithm };
}

/** What BodyDigests returns once every digest checked out. */
export interface VerifiedDigests {
  readonly md5Hex: string;
  readonly checksum?: ChecksumValue;
}

/**
 * Checksums the worker computes along with the MD5 (CRC32C stays on the loop: its native
 * binding is not available to the worker's code; so does CRC64NVME where the worker could not
 * evaluate its source).
 */
const WORKER_CHECKSUMS: Partial<Record<ChecksumAlgorithm, DigestAlgorithm>> = {
  CRC32: 'crc32',
  ...(DigestWorkers.computesCrc64Nvme ? { CRC64NVME: 'crc64nvme' as const } : {}),
  SHA1: 'sha1',
  SHA256: 'sha256',
};

/**
 * Hashes the bytes as they go by; `finish` checks them against what was declared. Large
 * bodies (`offload`) have their MD5 and SHA digests computed on a worker thread
 * (digest-workers.ts), the rest on the calling thread.
 */
export class BodyDigests {
  private readonly md5: Hash | undefined;
  private readonly payloadSha256: Hash | undefined;
  private readonly checksum: Checksum | undefined;
  /** The worker's job, opened with the first bytes (a body refused unread costs the worker nothing). */
  private job: DigestJob | undefined;
  private readonly workerAlgorithms: DigestAlgorithm[] | undefined;
  /** The worker's digests, once `end` asked for them: md5, then the checksum's, then the payload's SHA-256. */
  private fromWorker: Promise<Buffer[]> | undefined;
  private readonly workerChecksum: DigestAlgorithm | undefined;

  /**
   * @param options.signedSha256 the x-amz-content-sha256 of a signed payload, checked too
   * @param options.offload hash on a worker thread
   */
  constructor(
    private readonly declared: DeclaredDigests,
    private readonly options: { signedSha256?: string; offload?: boolean } = {},
  ) {
    const algorithm = declared.checksum?.algorithm ?? declared.defaultChecksum;
    this.workerChecksum = options.offload && algorithm ? WORKER_CHECKSUMS[algorithm] : undefined;
    if (options.offload) {
      const algorithms: DigestAlgorithm[] = ['md5'];
      if (this.workerChecksum) algorithms.push(this.workerChecksum);
      if (options.signedSha256 !== undefined) algorithms.push('sha256');
      this.workerAlgorithms = algorithms;
    } else {
      this.md5 = createHash('md5');
      if (options.signedSha256 !== undefined) this.payloadSha256 = createHash('sha256');
    }
    if (algorithm && !this.workerChecksum) this.checksum = createChecksum(algorithm);
  }

  update(chunk: Buffer): void {
    if (this.workerAlgorithms) (this.job ??= DigestWorkers.shared().open(this.workerAlgorithms)).update(chunk);
    this.md5?.update(chunk);
    this.payloadSha256?.update(chunk);
    this.checksum?.update(chunk);
  }

  /** Every byte has gone by: a worker starts finishing its digests while the caller goes on. */
  end(): void {
    if (!this.workerAlgorithms || this.fromWorker) return;
    this.job ??= DigestWorkers.shared().open(this.workerAlgorithms);
    this.fromWorker = this.job.end();
    // Awaited by `finish`; a caller that never gets there must not leave a rejection unhandled.
    this.fromWorker.catch(() => undefined);
  }

  /** The body was abandoned: the worker drops its part. */
  cancel(): void {
    if (!this.fromWorker) this.job?.cancel();
  }

  /**
   * The MD5 (for the ETag) and the checksum to store, once every byte has gone by. Throws
   * XAmzContentSHA256Mismatch or BadDigest on a mismatch. Call once.
   */
  async finish(): Promise<VerifiedDigests> {
    this.end();
    const digests = this.fromWorker ? [...(await this.fromWorker)] : [];
    const md5 = this.md5 ? this.md5.digest() : digests.shift()!;
    const workerChecksum = this.workerChecksum ? digests.shift()! : undefined;
    const payloadSha256 = this.payloadSha256 ? this.payloadSha256.digest() : digests.shift();
    if (this.options.signedSha256 !== undefined && payloadSha256!.toString('hex') !== this.options.signedSha256) {
      throw s3Error('XAmzContentSHA256Mismatch', undefined, { ClientComputedContentSHA256: this.options.signedSha256, S3ComputedContentSHA256: payloadSha256!.toString('hex') });
    }
    if (this.declared.contentMd5 && !this.declared.contentMd5.equals(md5)) throw s3Error('BadDigest');
    const declared = this.declared.checksum;
    const algorithm = declared?.algorithm ?? this.declared.defaultChecksum;
    if (!algorithm) return { md5Hex: md5.toString('hex') };
    const computed = workerChecksum ? workerChecksum.toString('base64') : this.checksum!.digestBase64();
    if (declared?.value !== undefined && computed !== declared.value) {
      throw s3Error('BadDigest', `The ${declared.algorithm} you specified did not match the calculated checksum.`);
    }
    return { md5Hex: md5.toString('hex'), checksum: { algorithm, value: computed } };
  }
}
