import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainHash, decodeEventRecord, encodeEventRecord, recordHashIsValid } from '../../../src/infra/eventlog/event-record';

/** The chain hash as the record format defines it: SHA-256(prevHash || seq as 8 bytes big-endian || json). */
function specifiedHash(prevHash: Buffer, seq: number, json: Buffer): Buffer {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(BigInt(seq));
  return createHash('sha256').update(prevHash).update(seqBytes).update(json).digest();
}

describe('event record chain hash', () => {
  it('is SHA-256 over prevHash, the 8-byte sequence number and the JSON (the on-disk format)', () => {
    for (const [seq, length] of [
      [1, 0],
      [2, 1],
      [255, 600],
      [65_536, 3000],
      [2 ** 40 + 7, 70_000],
    ]) {
      const prevHash = randomBytes(32);
      const json = randomBytes(length);
      expect(chainHash(prevHash, seq, json).equals(specifiedHash(prevHash, seq, json))).toBe(true);
    }
    // A fixed vector, so that the format cannot drift with both sides of the comparison above.
    expect(chainHash(Buffer.alloc(32, 0xab), 42, Buffer.from('{"type":"ObjectPut"}')).toString('hex')).toBe(
      '1b326af97d56bdf56f60379c458b4bd54d430159183271e27ada46a4fc710307',
    );
  });

  it('is what an encoded record carries, and a changed JSON or sequence number no longer matches it', () => {
    const prevHash = randomBytes(32);
    const { bytes, hash } = encodeEventRecord(7, prevHash, '{"a":1}', Buffer.from('shard'), Buffer.from('[]'));
    const record = decodeEventRecord(bytes);
    expect(record.hash.equals(hash)).toBe(true);
    expect(recordHashIsValid(record)).toBe(true);
    expect(recordHashIsValid({ ...record, json: '{"a":2}' })).toBe(false);
    expect(recordHashIsValid({ ...record, seq: 8 })).toBe(false);
    expect(recordHashIsValid({ ...record, prevHash: randomBytes(32) })).toBe(false);
  });
});
