import { createHash, randomBytes } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { Crc32, Crc32cJs, Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import { Sha1 } from '@aws-sdk/checksums/sha';
import { Sha256 } from '@smithy/core/checksum';
import {
  CHECKSUM_ALGORITHMS,
  checksumBase64,
  checksumHeaderName,
  createChecksum,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../../../src/infra/http/checksums';

const hex = (algorithm: ChecksumAlgorithm, data: string | Buffer): string => {
  const checksum = createChecksum(algorithm);
  checksum.update(Buffer.from(data));
  return checksum.digest().toString('hex');
};

/** The SDK's own implementations, as @aws-sdk/client-s3 computes x-amz-checksum-* values. */
const SDK: Record<ChecksumAlgorithm, new () => { update(data: Uint8Array): void; digest(): Promise<Uint8Array> }> = {
  CRC32: Crc32,
  CRC32C: Crc32cJs,
  CRC64NVME: Crc64NvmeJs,
  SHA1: Sha1,
  SHA256: Sha256,
};

async function sdkBase64(algorithm: ChecksumAlgorithm, data: Buffer): Promise<string> {
  const hasher = new SDK[algorithm]();
  hasher.update(data);
  return Buffer.from(await hasher.digest()).toString('base64');
}

describe('checksums: known vectors', () => {
  it('the CRC check values of "123456789"', () => {
    expect(hex('CRC32', '123456789')).toBe('cbf43926');
    expect(hex('CRC32C', '123456789')).toBe('e3069283');
    expect(hex('CRC64NVME', '123456789')).toBe('ae8b14860a799888');
  });

  it('"hello world" as S3 sends it', () => {
    expect(checksumBase64('CRC32', Buffer.from('hello world'))).toBe('DUoRhQ==');
    expect(checksumBase64('SHA1', Buffer.from('hello world'))).toBe(createHash('sha1').update('hello world').digest('base64'));
    expect(checksumBase64('SHA256', Buffer.from('hello world'))).toBe('uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=');
  });

  it("the CRC32C of AWS's chunked-upload example (66560 x 'a') is sOO8/Q==", () => {
    expect(checksumBase64('CRC32C', Buffer.alloc(66560, 'a'))).toBe('sOO8/Q==');
  });

  it('empty input', () => {
    expect(checksumBase64('CRC32', Buffer.alloc(0))).toBe('AAAAAA==');
    expect(checksumBase64('CRC32C', Buffer.alloc(0))).toBe('AAAAAA==');
    expect(checksumBase64('CRC64NVME', Buffer.alloc(0))).toBe('AAAAAAAAAAA=');
    expect(checksumBase64('SHA256', Buffer.alloc(0))).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
});

describe("checksums: agree with the AWS SDK's implementations", () => {
  const lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 255, 1000, 65537, 1 << 20];
  it.each(CHECKSUM_ALGORITHMS)('%s over random data of many lengths', async (algorithm) => {
    for (const length of lengths) {
      const data = randomBytes(length);
      expect(checksumBase64(algorithm, data), `${length} bytes`).toBe(await sdkBase64(algorithm, data));
    }
  });
});

describe('checksums: incremental updates equal one-shot', () => {
  it.each(CHECKSUM_ALGORITHMS)('%s', (algorithm) => {
    const data = randomBytes(100_003);
    const oneShot = checksumBase64(algorithm, data);
    for (const cuts of [[1], [7, 8, 9], [16, 17, 50_000], [99_999, 100_002]]) {
      const checksum = createChecksum(algorithm);
      let from = 0;
      for (const cut of [...cuts, data.length]) {
        checksum.update(data.subarray(from, cut));
        from = cut;
      }
      expect(checksum.digestBase64(), `cuts ${cuts}`).toBe(oneShot);
    }
    const byteByByte = createChecksum(algorithm);
    for (let i = 0; i < 5000; i++) byteByByte.update(data.subarray(i, i + 1));
    expect(byteByByte.digestBase64()).toBe(checksumBase64(algorithm, data.subarray(0, 5000)));
  });
});

describe('checksums: names and values', () => {
  it('header names', () => {
    expect(CHECKSUM_ALGORITHMS.map(checksumHeaderName)).toEqual([
      'x-amz-checksum-crc32',
      'x-amz-checksum-crc32c',
      'x-amz-checksum-crc64nvme',
      'x-amz-checksum-sha1',
      'x-amz-checksum-sha256',
    ]);
  });

  it('parses algorithm names as clients send them', () => {
    expect(parseChecksumAlgorithm('CRC32')).toBe('CRC32');
    expect(parseChecksumAlgorithm('crc64nvme')).toBe('CRC64NVME');
    expect(parseChecksumAlgorithm('x-amz-checksum-crc32c')).toBe('CRC32C');
    expect(parseChecksumAlgorithm('X-Amz-Checksum-Sha256')).toBe('SHA256');
    expect(parseChecksumAlgorithm('md5')).toBeUndefined();
    expect(parseChecksumAlgorithm('x-amz-checksum-')).toBeUndefined();
  });

  it('validates values by their decoded size', () => {
    expect(isValidChecksumValue('CRC32', 'DUoRhQ==')).toBe(true);
    expect(isValidChecksumValue('CRC32', 'DUoRhQ=')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'DUoRhQAA')).toBe(false);
    expect(isValidChecksumValue('CRC64NVME', 'AAAAAAAAAAA=')).toBe(true);
    expect(isValidChecksumValue('SHA256', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBe(true);
    expect(isValidChecksumValue('SHA1', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'not base64!')).toBe(false);
  });
});

describe('checksums: throughput', () => {
  it('reports MB/s for each algorithm over 32 MiB in 64 KiB updates', () => {
    const data = randomBytes(32 << 20);
    const rates: string[] = [];
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const start = process.hrtime.bigint();
        const checksum = createChecksum(algorithm);
        for (let i = 0; i < data.length; i += 65536) checksum.update(data.subarray(i, i + 65536));
        checksum.digest();
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
      }
      const rate = data.length / 1e6 / best;
      rates.push(`${algorithm} ${rate.toFixed(0)} MB/s`);
      expect(rate).toBeGreaterThan(algorithm === 'CRC64NVME' ? 100 : 300);
    }
    console.log(`checksums: ${rates.join(', ')}`);
  });
});
