/**
 * Instants given to the audit commands (--at, --since, --until): ISO 8601 with a date, an
 * optional time and an optional zone (UTC when none is given, unlike Date.parse, which reads
 * a date-time without a zone as local time).
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch, or undefined when `text` is not an ISO 8601 instant. */
export function parseIsoInstant(text: string): number | undefined {
  const match = ISO_8601.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const normalisedZone = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${(fraction + '000').slice(0, 3)}${normalisedZone}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls impossible days (Feb 30) over into the next month; refuse them.
  const day = Number(d);
  if (day < 1 || day > new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate()) return undefined;
  return ms;
}
