import { describe, expect, it } from 'vitest';
import { keyStart, versionKey, versionsRange } from '../../../src/infra/eventlog/object-keys';

/** The layout spelled out: bucket 0x00 key 0x00 (first 8 bytes of the event id, inverted). */
function expectedVersionKey(bucket: string, key: string, eventId: string): Buffer {
  const order = Buffer.from(eventId.slice(0, 16), 'hex').map((byte) => 0xff - byte);
  return Buffer.concat([Buffer.from(bucket), Buffer.of(0), Buffer.from(key), Buffer.of(0), order]);
}

describe('object version keys', () => {
  const older = '01a23c8ce46e0000016392c632daedd1';
  const newer = '01a23c8ce46e0001016392c632daedd1';

  it.each([
    ['plain', 'b', 'k'],
    ['multi-byte UTF-8', 'bucket-1', 'dir/é日本/🙂'],
    ['the longest key', 'b'.repeat(63), 'é'.repeat(512)],
    ['an empty key prefix', 'b', ''],
  ])('%s: bucket 0x00 key 0x00 inverted order', (_name, bucket, key) => {
    expect(versionKey(bucket, key, older)).toEqual(expectedVersionKey(bucket, key, older));
    expect(keyStart(bucket, key)).toEqual(Buffer.concat([Buffer.from(bucket), Buffer.of(0), Buffer.from(key)]));
  });

  it('sort a key’s versions newest first, all inside the key’s range, and no other key’s', () => {
    const { start, end } = versionsRange('b', 'k');
    const inRange = (key: Buffer) => Buffer.compare(start, key) <= 0 && Buffer.compare(key, end) < 0;
    expect(Buffer.compare(versionKey('b', 'k', newer), versionKey('b', 'k', older))).toBe(-1);
    expect([versionKey('b', 'k', newer), versionKey('b', 'k', older)].every(inRange)).toBe(true);
    expect([versionKey('b', 'k0', older), versionKey('b', 'j', older), versionKey('c', 'k', older), keyStart('b', 'k')].some(inRange)).toBe(false);
  });
});
