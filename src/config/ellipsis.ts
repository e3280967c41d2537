/**
 * MinIO's ellipsis notation for drive lists: `/mnt/disk{1...4}` is four drives,
 * `/mnt/disk{01...16}` keeps the zero padding, `/data{a...d}` counts letters, and several
 * ellipses in one argument expand to every combination.
 */
const ELLIPSIS = /\{([0-9]+|[a-z])\.\.\.([0-9]+|[a-z])\}/;

export function expandEllipsis(argument: string): string[] {
  const match = ELLIPSIS.exec(argument);
  if (!match) return [argument];
  const [whole, from, to] = match;
  const before = argument.slice(0, match.index);
  const after = argument.slice(match.index + whole.length);
  return rangeOf(from, to).flatMap((value) => expandEllipsis(before + value + after));
}

function rangeOf(from: string, to: string): string[] {
  const numeric = /^\d+$/;
  if (numeric.test(from) && numeric.test(to)) {
    const start = Number(from);
    const end = Number(to);
    if (end < start) throw new Error(`invalid ellipsis range {${from}...${to}}`);
    const width = from.startsWith('0') && from.length > 1 ? from.length : 0;
    return Array.from({ length: end - start + 1 }, (_, i) => String(start + i).padStart(width, '0'));
  }
  if (!numeric.test(from) && !numeric.test(to) && from <= to) {
    const start = from.charCodeAt(0);
    return Array.from({ length: to.charCodeAt(0) - start + 1 }, (_, i) => String.fromCharCode(start + i));
  }
  throw new Error(`invalid ellipsis range {${from}...${to}}`);
}
