import { describe, expect, it } from 'vitest';
import { EventIdClock, eventIdTime } from '../../../src/infra/eventlog/event-id';
import { newRequestId } from '../../../src/modules/s3-api/request-id';

describe('event ids', () => {
  it('increase within a millisecond and across milliseconds, and carry their millisecond', () => {
    let now = 1_800_000_000_000;
    const clock = new EventIdClock(() => now);
    const ids: string[] = [];
    for (const step of [0, 0, 0, 1, 1, 0, 7]) {
      now += step;
      const { id, time } = clock.next();
      expect(eventIdTime(id)).toBe(time);
      ids.push(id);
    }
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventIdTime(ids.at(-1)!)).toBe(now);
  });

  it('stay after an observed id, even when the clock went back', () => {
    const later = new EventIdClock(() => 1_900_000_000_000).next().id;
    const clock = new EventIdClock(() => 1_800_000_000_000);
    clock.observe(later);
    const { id } = clock.next();
    expect(id > later).toBe(true);
  });
});

describe('request ids', () => {
  it('are 16 uppercase hex digits, all different', () => {
    const ids = Array.from({ length: 1000 }, () => newRequestId());
    expect(ids.every((id) => /^[0-9A-F]{16}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
