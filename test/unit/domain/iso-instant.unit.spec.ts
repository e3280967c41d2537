import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from '../../../src/domain/rules/iso-instant';

describe('audit instants (ISO 8601)', () => {
  it('reads dates, date-times, fractions and zones; UTC when no zone is given', () => {
    expect(parseIsoInstant('2026-12-01')).toBe(Date.UTC(2026, 11, 1));
    expect(parseIsoInstant('2026-12-01T19:20')).toBe(Date.UTC(2026, 11, 1, 19, 20));
    expect(parseIsoInstant('2026-12-01T19:20:05.123Z')).toBe(Date.UTC(2026, 11, 1, 19, 20, 5, 123));
    expect(parseIsoInstant('2026-12-01T19:20:05.123456789Z')).toBe(Date.UTC(2026, 11, 1, 19, 20, 5, 123));
    expect(parseIsoInstant('2026-12-01T21:20:05+02:00')).toBe(Date.UTC(2026, 11, 1, 19, 20, 5));
    expect(parseIsoInstant('2026-12-01T14:20:05-0500')).toBe(Date.UTC(2026, 11, 1, 19, 20, 5));
  });

  it('refuses what is not an instant, and impossible dates', () => {
    for (const text of ['yesterday', '', '1733080800000', '2026-13-01', '2026-02-30', '2026-12-01T25:00', '2026-12-01T19:20:05 UTC']) {
      expect(parseIsoInstant(text), text).toBeUndefined();
    }
    expect(parseIsoInstant('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });
});
