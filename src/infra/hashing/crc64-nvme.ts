/**
 * CRC-64/NVME, the checksum S3 stores by default: polynomial 0xAD93D23594C93659, reflected
 * (0x9A6C9329AC4BC9B5), init and xorout all ones. There is no native binding for it here, so
 * it is table-driven TypeScript over two 32-bit halves (no BigInt).
 *
 * Slicing-by-16: table k maps a byte to the CRC of that byte followed by k zero bytes, so
 * sixteen input bytes fold into the register with 32 lookups (about twice the speed of
 * byte-at-a-time and of the AWS SDK's slicing-by-8; ~1 GB/s on one core here).
 *
 * `defineCrc64Nvme` uses nothing from outside its own body: the digest worker evaluates its
 * source text (digest-workers.ts), so large bodies are checksummed off the event loop.
 */
export interface Crc64NvmeState {
  update(data: Uint8Array): void;
  /** Big-endian digest, as S3 sends it. */
  digest(): Buffer;
}

export function defineCrc64Nvme(): new () => Crc64NvmeState {
  const REFLECTED_POLY_HI = 0x9a6c9329;
  const REFLECTED_POLY_LO = 0xac4bc9b5;
  const SLICES = 16;
  // Each 64-bit table entry is kept as two Uint32 halves.
  const TABLE_LO = new Uint32Array(256 * SLICES);
  const TABLE_HI = new Uint32Array(256 * SLICES);
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ REFLECTED_POLY_LO) >>> 0;
        hi = (hi ^ REFLECTED_POLY_HI) >>> 0;
      }
    }
    TABLE_LO[i] = lo;
    TABLE_HI[i] = hi;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const prevLo = TABLE_LO[(k - 1) * 256 + i]!;
      const prevHi = TABLE_HI[(k - 1) * 256 + i]!;
      const idx = prevLo & 0xff;
      TABLE_LO[k * 256 + i] = (((prevLo >>> 8) | (prevHi << 24)) ^ TABLE_LO[idx]!) >>> 0;
      TABLE_HI[k * 256 + i] = ((prevHi >>> 8) ^ TABLE_HI[idx]!) >>> 0;
    }
  }

  return class Crc64Nvme implements Crc64NvmeState {
    // The register, already xor'ed with the all-ones init.
    private lo = 0xffffffff;
    private hi = 0xffffffff;

    update(data: Uint8Array): void {
      const tLo = TABLE_LO;
      const tHi = TABLE_HI;
      let lo = this.lo;
      let hi = this.hi;
      let i = 0;
      const end16 = data.length - (data.length % 16);
      while (i < end16) {
        // Little-endian: the first byte meets the lowest bits of the register.
        // Bytes 0-7 are folded with the register; bytes 8-15 only need the
        // shorter zero-extension tables.
        const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
        const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
        const c = data[i + 8]! | (data[i + 9]! << 8) | (data[i + 10]! << 16) | (data[i + 11]! << 24);
        const d = data[i + 12]! | (data[i + 13]! << 8) | (data[i + 14]! << 16) | (data[i + 15]! << 24);
        i += 16;
        const j15 = 15 * 256 + (a & 0xff);
        const j14 = 14 * 256 + ((a >>> 8) & 0xff);
        const j13 = 13 * 256 + ((a >>> 16) & 0xff);
        const j12 = 12 * 256 + (a >>> 24);
        const j11 = 11 * 256 + (b & 0xff);
        const j10 = 10 * 256 + ((b >>> 8) & 0xff);
        const j9 = 9 * 256 + ((b >>> 16) & 0xff);
        const j8 = 8 * 256 + (b >>> 24);
        const j7 = 7 * 256 + (c & 0xff);
        const j6 = 6 * 256 + ((c >>> 8) & 0xff);
        const j5 = 5 * 256 + ((c >>> 16) & 0xff);
        const j4 = 4 * 256 + (c >>> 24);
        const j3 = 3 * 256 + (d & 0xff);
        const j2 = 2 * 256 + ((d >>> 8) & 0xff);
        const j1 = 256 + ((d >>> 16) & 0xff);
        const j0 = d >>> 24;
        lo =
          tLo[j15]! ^ tLo[j14]! ^ tLo[j13]! ^ tLo[j12]! ^ tLo[j11]! ^ tLo[j10]! ^ tLo[j9]! ^ tLo[j8]! ^
          tLo[j7]! ^ tLo[j6]! ^ tLo[j5]! ^ tLo[j4]! ^ tLo[j3]! ^ tLo[j2]! ^ tLo[j1]! ^ tLo[j0]!;
        hi =
          tHi[j15]! ^ tHi[j14]! ^ tHi[j13]! ^ tHi[j12]! ^ tHi[j11]! ^ tHi[j10]! ^ tHi[j9]! ^ tHi[j8]! ^
          tHi[j7]! ^ tHi[j6]! ^ tHi[j5]! ^ tHi[j4]! ^ tHi[j3]! ^ tHi[j2]! ^ tHi[j1]! ^ tHi[j0]!;
      }
      for (; i < data.length; i++) {
        const idx = (lo ^ data[i]!) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ tLo[idx]!;
        hi = (hi >>> 8) ^ tHi[idx]!;
      }
      this.lo = lo >>> 0;
      this.hi = hi >>> 0;
    }

    digest(): Buffer {
      const out = Buffer.allocUnsafe(8);
      out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
      out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
      return out;
    }
  };
}

export const Crc64Nvme = defineCrc64Nvme();
