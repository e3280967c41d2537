import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, encodeHeaderValue } from '../../../src/infra/http/rfc2047';

describe('RFC 2047 metadata values', () => {
  it('decodes B and Q encoded-words, and several words separated by spaces', () => {
    expect(decodeHeaderValue('=?UTF-8?B?Y2Fmw6k=?=')).toBe('café');
    expect(decodeHeaderValue('=?utf-8?Q?caf=C3=A9_au_lait?=')).toBe('café au lait');
    expect(decodeHeaderValue('=?UTF-8?B?w6k=?= =?ISO-8859-1?Q?=E9?=')).toBe('éé');
  });

  it('keeps anything else as sent: plain text, mixed text, unknown charsets', () => {
    expect(decodeHeaderValue('plain value')).toBe('plain value');
    expect(decodeHeaderValue('x =?UTF-8?B?w6k=?=')).toBe('x =?UTF-8?B?w6k=?=');
    expect(decodeHeaderValue('=?KOI8-R?B?w6k=?=')).toBe('=?KOI8-R?B?w6k=?=');
  });

  it('encodes values that are not printable US-ASCII as one UTF-8 B word, and round-trips', () => {
    expect(encodeHeaderValue('plain')).toBe('plain');
    expect(encodeHeaderValue('café')).toBe('=?UTF-8?B?Y2Fmw6k=?=');
    expect(encodeHeaderValue('a\nb')).toBe(`=?UTF-8?B?${Buffer.from('a\nb').toString('base64')}?=`);
    for (const value of ['日本語', 'naïve ✓', 'plain']) expect(decodeHeaderValue(encodeHeaderValue(value))).toBe(value);
  });
});
