/**
 * S3 orders keys by their UTF-8 bytes. JavaScript compares strings by UTF-16 code units,
 * which disagrees for characters above U+FFFF against U+E000..U+FFFF; comparing code points
 * gives UTF-8 byte order.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when one side is a surrogate does code-unit order differ from code-point order.
    if (x >= 0xd800 && y >= 0xd800) return a.codePointAt(i)! - b.codePointAt(i)!;
    return x - y;
  }
  return a.length - b.length;
}
