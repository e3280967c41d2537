import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checksumBase64 } from '../../../src/infra/http/checksums';
import { combineCrcs, crcCombine, type CrcAlgorithm } from '../../../src/infra/http/crc-combine';

describe('combining CRCs of parts into the CRC of the whole', () => {
  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as CrcAlgorithm[]) {
    it(`${algorithm}: equals the CRC computed over the concatenated bytes`, () => {
      const parts = [randomBytes(1), randomBytes(1000), randomBytes(0), randomBytes(65_537), randomBytes(3)];
      const whole = checksumBase64(algorithm, Buffer.concat(parts));
      const combined = combineCrcs(
        algorithm,
        parts.map((p) => ({ value: checksumBase64(algorithm, p), size: p.length })),
      );
      expect(combined).toBe(whole);
      expect(combineCrcs(algorithm, [{ value: checksumBase64(algorithm, parts[1]), size: 1000 }])).toBe(checksumBase64(algorithm, parts[1]));
    });
  }

  it('works with part lengths beyond 4 GiB: combining is associative there too', () => {
    // crc(X ‖ Y ‖ Z) both ways, with |Y| = 3 GB and |Z| = 2.5 GB: lengths past 32 bits.
    for (const algorithm of ['CRC32', 'CRC64NVME'] as CrcAlgorithm[]) {
      const [x, y, z] = [randomBytes(8), randomBytes(8), randomBytes(8)].map((b) => b.subarray(0, algorithm === 'CRC32' ? 4 : 8));
      const [lengthY, lengthZ] = [3_000_000_000, 2_500_000_000];
      const crc = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex')}`);
      const left = crcCombine(algorithm, crcCombine(algorithm, crc(x), crc(y), lengthY), crc(z), lengthZ);
      const right = crcCombine(algorithm, crc(x), crcCombine(algorithm, crc(y), crc(z), lengthZ), lengthY + lengthZ);
      expect(left, algorithm).toBe(right);
    }
  });
});
