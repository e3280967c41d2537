/**
 * The XML writer's timestamps: S3's ISO 8601 to the whole second (".000Z"). xmlTimestamp keeps
 * the minute's prefix between calls, so it is checked against Date#toISOString of the time cut
 * to its second in the orders a listing meets them (same minute, next minute, back again) and at
 * the edges.
 */
import { describe, expect, it } from 'vitest';
import { escapeXml, s3Document, s3DocumentBytes, tag, xmlTimestamp } from '../../../src/infra/http/xml-writer';

/** What S3 writes for a time: its second, as ISO 8601. */
const toTheSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();

describe('xmlTimestamp', () => {
  it('writes the time to the second, as S3 does', () => {
    expect(xmlTimestamp(Date.UTC(2026, 11, 5, 11, 28, 31, 581))).toBe('2026-12-05T11:28:31.000Z');
    expect(xmlTimestamp(Date.UTC(2026, 11, 5, 11, 28, 59, 999))).toBe('2026-12-05T11:28:59.000Z');
  });

  it('matches toISOString to the second for times in any order, however the minute changes', () => {
    const base = Date.UTC(2026, 11, 2, 23, 59, 58, 7);
    const times = [base, base + 1, base + 993, base + 1_000, base + 2_000, base - 60_000, base, base + 86_400_000 * 400];
    let seed = 42;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      times.push(base + (seed % 10_000_000) - 5_000_000);
    }
    for (const ms of times) expect(xmlTimestamp(ms)).toBe(toTheSecond(ms));
  });

  it('matches toISOString to the second at the epoch, before it, after year 9999 and for fractional milliseconds', () => {
    for (const ms of [0, 999, 59_999, 60_000, -1, -60_001, 253_402_300_799_999, 253_402_300_800_000, 1_700_000_000_000.5]) {
      expect(xmlTimestamp(ms)).toBe(toTheSecond(ms));
    }
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and control characters, and leaves the rest alone', () => {
    expect(escapeXml('plain/key-1.txt')).toBe('plain/key-1.txt');
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(escapeXml('cr\rtab\tnl\n\u0001')).toBe('cr&#13;tab\tnl\n&#1;');
  });
});

describe('s3DocumentBytes', () => {
  it('writes the same bytes as the string document, growing past its first guess, in UTF-8', () => {
    const keys = ['a', 'é/ü', '日本語/キー', 'x'.repeat(1024), '<&>"\'', 'emoji 🪨'];
    const expected = s3Document('Root', keys.map((key) => tag('Key', key)).join(''));
    const bytes = s3DocumentBytes('Root', 16, (out) => {
      for (const key of keys) out.raw('<Key>').text(key).raw('</Key>');
    });
    expect(bytes.toString('utf8')).toBe(expected);
    expect(bytes.length).toBe(Buffer.byteLength(expected));
  });
});
