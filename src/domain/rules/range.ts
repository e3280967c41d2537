/**
 * The HTTP Range header as S3 reads it: one byte range, `bytes=first-last`, `bytes=first-`
 * or `bytes=-suffixLength`. A header S3 cannot parse (or several ranges) is ignored and the
 * whole object is returned, as AWS does; a parsable range outside the object is
 * unsatisfiable (416 InvalidRange), except a suffix of an empty object (200, empty); a
 * suffix of no bytes (`bytes=-0`) is unsatisfiable on any object.
 */
export interface ByteRange {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

export type RangeResult = ByteRange | 'unsatisfiable' | undefined;

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return undefined;
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable'; // no bytes at all (RFC 9110 14.1.1), whatever the size
    // The last n bytes of an empty object are the whole (empty) object: 200, as AWS answers
    // (readers of file tails, Trino's among them, rely on it).
    if (size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return undefined; // syntactically invalid: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
