/**
 * RFC 2047 encoded-words, the form S3 uses for non-ASCII user metadata (x-amz-meta-*) in
 * headers. A value made only of encoded-words is decoded before it is stored; a raw header
 * byte outside US-ASCII is taken as ISO-8859-1 (which is how Node hands header bytes over).
 * On the way out a value that is not printable US-ASCII becomes one `=?UTF-8?B?...?=` word.
 */
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const ONLY_ENCODED_WORDS = /^\s*=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=(\s+=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)*\s*$/;
const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;

const CHARSETS: Readonly<Record<string, BufferEncoding>> = { 'utf-8': 'utf8', utf8: 'utf8', 'iso-8859-1': 'latin1', 'us-ascii': 'latin1' };

export function decodeHeaderValue(value: string): string {
  if (!ONLY_ENCODED_WORDS.test(value)) return value;
  let decoded = '';
  for (const [, charset, encoding, text] of value.matchAll(ENCODED_WORD)) {
    const bufferEncoding = CHARSETS[charset.toLowerCase()];
    if (!bufferEncoding) return value; // a charset we cannot read: keep the value as sent
    const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qDecode(text);
    decoded += bytes.toString(bufferEncoding);
  }
  return decoded;
}

/** Q encoding: `_` is a space, `=XX` a byte, everything else itself. */
function qDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '_') bytes.push(0x20);
    else if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(char.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

export function encodeHeaderValue(value: string): string {
  return PRINTABLE_ASCII.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
