/**
 * AWS `UriEncode`, as SigV4 defines it: the RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - . _ ~) stay as they are, every other byte of the UTF-8 form
 * becomes `%XX` with upper-case hex. Optionally `/` is kept (object key paths).
 */

/** `ENCODED[b]` is how byte `b` appears in UriEncode output. */
const ENCODED: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  isUnreserved(b) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0'),
);

const ALL_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const ALL_UNRESERVED_OR_SLASH = /^[A-Za-z0-9\-._~/]*$/;

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e // - . _ ~
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** UriEncode a string (its UTF-8 bytes). `keepSlash` leaves `/` unencoded. */
export function uriEncode(value: string, keepSlash = false): string {
  if ((keepSlash ? ALL_UNRESERVED_OR_SLASH : ALL_UNRESERVED).test(value)) return value;
  return uriEncodeBytes(Buffer.from(value, 'utf8'), keepSlash);
}

/** UriEncode raw bytes. */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += keepSlash && b === 0x2f ? '/' : ENCODED[b]!;
  }
  return out;
}

export interface NormalizeOptions {
  /** Keep literal `/` (a path); a `%2F` in the input stays encoded either way. */
  keepSlash?: boolean;
  /** Read a literal `+` as a space (form encoding, as query strings are often sent). */
  plusAsSpace?: boolean;
}

/**
 * Bring a string that is already percent-encoded (a raw path or query component
 * from the wire) to canonical UriEncode form without a lossy decode: `%XX`
 * escapes are decoded to their byte and re-encoded, literal characters are
 * encoded. So a client that sent `(` raw and one that sent `%28` give the same
 * result, and escapes of bytes that are not valid UTF-8 survive byte for byte.
 */
export function normalizeEncoded(raw: string, options: NormalizeOptions = {}): string {
  const { keepSlash = false, plusAsSpace = false } = options;
  // Fast path: most paths and query values are already canonical.
  if ((keepSlash ? ALL_UNRESERVED_OR_SLASH : ALL_UNRESERVED).test(raw)) return raw;
  let out = '';
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */ && i + 2 < n) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += ENCODED[(hi << 4) | lo]!;
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      // (A stray '%' that starts no escape lands here and becomes %25.)
      if (c === 0x2f && keepSlash) out += '/';
      else if (c === 0x2b && plusAsSpace) out += '%20';
      else out += ENCODED[c]!;
    } else {
      // Non-ASCII text (never on an HTTP/1.1 wire, where Node rejects it, but
      // possible from other callers): encode its UTF-8 bytes.
      const cp = raw.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out += uriEncodeBytes(Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
  }
  return out;
}
