/**
 * The CRC of a concatenation from the CRCs of its pieces and their lengths (zlib's
 * crc32_combine, for any reflected CRC with all-ones init and xorout: CRC32, CRC32C,
 * CRC64NVME). This is how a multipart upload gets its full-object checksum without
 * reading its bytes again: each part's CRC was computed as it arrived.
 */
const REFLECTED_POLYNOMIALS = { CRC32: 0xedb88320n, CRC32C: 0x82f63b78n, CRC64NVME: 0x9a6c9329ac4bc9b5n } as const;
const WIDTHS = { CRC32: 4, CRC32C: 4, CRC64NVME: 8 } as const;

export type CrcAlgorithm = keyof typeof REFLECTED_POLYNOMIALS;

export function isCrcAlgorithm(algorithm: string): algorithm is CrcAlgorithm {
  return algorithm in REFLECTED_POLYNOMIALS;
}

function times(matrix: readonly bigint[], vector: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vector !== 0n; i++, vector >>= 1n) if (vector & 1n) sum ^= matrix[i];
  return sum;
}

function square(matrix: readonly bigint[]): bigint[] {
  return matrix.map((row) => times(matrix, row));
}

/** crc(A ‖ B) from crc(A), crc(B) and the length of B in bytes. */
export function crcCombine(algorithm: CrcAlgorithm, crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (lengthB === 0) return crcA;
  const bits = WIDTHS[algorithm] * 8;
  // The operator for one zero bit, then squared into 2, 4, 8... zero bits.
  let odd: bigint[] = [REFLECTED_POLYNOMIALS[algorithm], ...Array.from({ length: bits - 1 }, (_, n) => 1n << BigInt(n))];
  let even = square(odd); // 2 zero bits
  odd = square(even); // 4 zero bits
  let crc = crcA;
  for (let remaining = lengthB; remaining > 0; ) {
    even = square(odd); // first pass: 1 zero byte
    if (remaining % 2 === 1) crc = times(even, crc);
    remaining = Math.floor(remaining / 2);
    if (remaining === 0) break;
    odd = square(even);
    if (remaining % 2 === 1) crc = times(odd, crc);
    remaining = Math.floor(remaining / 2);
  }
  return crc ^ crcB;
}

/** The full-object checksum (base64, big-endian as S3 sends it) of parts given in order. */
export function combineCrcs(algorithm: CrcAlgorithm, parts: ReadonlyArray<{ readonly value: string; readonly size: number }>): string {
  const width = WIDTHS[algorithm];
  const read = (base64: string) => BigInt(`0x${Buffer.from(base64, 'base64').toString('hex') || '0'}`);
  let crc = 0n;
  parts.forEach((part, i) => {
    crc = i === 0 ? read(part.value) : crcCombine(algorithm, crc, read(part.value), part.size);
  });
  return Buffer.from(crc.toString(16).padStart(width * 2, '0'), 'hex').toString('base64');
}
