import { describe, expect, it } from 'vitest';
import { scannerScheduleFrom } from '../../../src/modules/healing/background-scanner';
import { healBudgetFrom } from '../../../src/modules/healing/heal.service';

describe('healing settings from the environment', () => {
  it('takes a heal budget in (0, 1] and falls back to 0.25 otherwise', () => {
    expect(healBudgetFrom(undefined)).toBe(0.25);
    expect(healBudgetFrom('0.5')).toBe(0.5);
    expect(healBudgetFrom('1')).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'fast', '']) expect(healBudgetFrom(bad), bad).toBe(0.25);
  });

  it('schedules scans every 6 hours, deep every 4th, and turns them off with 0', () => {
    expect(scannerScheduleFrom({})).toEqual({ intervalMs: 6 * 3600 * 1000, deepEvery: 4 });
    expect(scannerScheduleFrom({ CAIRN_SCAN_INTERVAL: '60', CAIRN_SCAN_DEEP_EVERY: '2' })).toEqual({ intervalMs: 60_000, deepEvery: 2 });
    expect(scannerScheduleFrom({ CAIRN_SCAN_INTERVAL: '0' }).intervalMs).toBe(0);
    expect(scannerScheduleFrom({ CAIRN_SCAN_INTERVAL: 'x', CAIRN_SCAN_DEEP_EVERY: '0' })).toEqual({ intervalMs: 0, deepEvery: 4 });
  });
});
