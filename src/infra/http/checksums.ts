/**
 * Incremental hashers for the S3 additional checksums (x-amz-checksum-*).
 *
 * Values travel as base64 of the big-endian digest, as S3 sends them. CRC32
 * comes from zlib (native), CRC32C from @node-rs/crc32 (native, SSE4.2), the
 * SHAs from OpenSSL; CRC64NVME has no native binding here (infra/hashing/crc64-nvme.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { Crc64Nvme } from '../hashing/crc64-nvme';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** AWS's answer to a request that declares two checksums (headers, form fields or a trailer). */
export const MULTIPLE_CHECKSUMS = 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.';

/** Digest size in bytes, to validate a client's value before comparing. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  update(data: Uint8Array): void;
  /** Big-endian digest. Call once, after the last update. */
  digest(): Buffer;
  digestBase64(): string;
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Checksum('CRC32', (data, crc) => zlib.crc32(data, crc));
    case 'CRC32C':
      return new Crc32Checksum('CRC32C', (data, crc) => crc32c(data, crc));
    case 'CRC64NVME':
      return new Crc64NvmeChecksum();
    case 'SHA1':
      return new HashChecksum('SHA1', createHash('sha1'));
    case 'SHA256':
      return new HashChecksum('SHA256', createHash('sha256'));
  }
}

/** 'CRC32' -> 'x-amz-checksum-crc32'. */
export function checksumHeaderName(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/**
 * Reads an algorithm name as clients send it: 'CRC32', 'crc32' (x-amz-sdk-checksum-algorithm,
 * x-amz-checksum-algorithm) or a header name 'x-amz-checksum-crc32' (x-amz-trailer).
 * Returns undefined for anything else.
 */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  let upper = name.trim().toUpperCase();
  if (upper.startsWith('X-AMZ-CHECKSUM-')) upper = upper.slice('X-AMZ-CHECKSUM-'.length);
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

/** Whether `value` is well-formed base64 of a digest of the algorithm's size. */
export function isValidChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  const bytes = DIGEST_BYTES[algorithm];
  if (value.length !== 4 * Math.ceil(bytes / 3) || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === bytes;
}

/** One-shot convenience: base64 checksum of a whole buffer. */
export function checksumBase64(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  const checksum = createChecksum(algorithm);
  checksum.update(data);
  return checksum.digestBase64();
}

class Crc32Checksum implements Checksum {
  private crc = 0;
  constructor(
    readonly algorithm: ChecksumAlgorithm,
    private readonly step: (data: Uint8Array, crc: number) => number,
  ) {}
  update(data: Uint8Array): void {
    this.crc = this.step(data, this.crc);
  }
  digest(): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE(this.crc >>> 0, 0);
    return out;
  }
  digestBase64(): string {
    return this.digest().toString('base64');
  }
}

class HashChecksum implements Checksum {
  constructor(
    readonly algorithm: ChecksumAlgorithm,
    private readonly hash: Hash,
  ) {}
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
  digestBase64(): string {
    return this.hash.digest('base64');
  }
}

/** CRC64NVME as a Checksum (the algorithm itself: infra/hashing/crc64-nvme.ts). */
class Crc64NvmeChecksum implements Checksum {
  readonly algorithm = 'CRC64NVME' as const;
  private readonly state = new Crc64Nvme();

  update(data: Uint8Array): void {
    this.state.update(data);
  }

  digest(): Buffer {
    return this.state.digest();
  }

  digestBase64(): string {
    return this.digest().toString('base64');
  }
}
