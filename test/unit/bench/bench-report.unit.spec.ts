import { describe, expect, it } from 'vitest';
// The benchmark's report is plain JavaScript (bench/ runs without a build).
// @ts-expect-error -- no type declarations for the bench's .mjs modules
import { comparisons, median } from '../../../bench/lib/report.mjs';
// @ts-expect-error -- no type declarations for the bench's .mjs modules
import { loopSchedule, mainThreadSchedule } from '../../../bench/lib/cpu.mjs';

interface Cell {
  server: string;
  workload: string;
  round: number;
  opsPerSec: number;
  serverCpuMsPerOp: number;
  otherCores: number;
}

const workloads = [{ id: 'get-4k', name: 'GET 4 KiB', kind: 'get', label: '4k', concurrency: 16, target: { metric: 'ops', ratio: 4, cpuMs: 0.2 } }];
const cell = (server: string, round: number, opsPerSec: number, serverCpuMsPerOp = 0.1): Cell => ({
  server,
  workload: 'get-4k',
  round,
  opsPerSec,
  serverCpuMsPerOp,
  otherCores: 0,
});

describe('bench report', () => {
  it('takes the median of odd and even counts, and null of none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('pairs cairn and s3rver by round and reports the median of the paired ratios', () => {
    // The host was twice as fast in round 2: each figure swings, the paired ratio does not.
    const cells = [cell('cairn', 1, 3000, 0.3), cell('s3rver', 1, 600), cell('s3rver', 2, 1200), cell('cairn', 2, 6000, 0.15), cell('cairn', 3, 4400, 0.2), cell('s3rver', 3, 1000)];
    const [get] = comparisons(cells, workloads) as Array<Record<string, unknown>>;
    expect(get.ratios).toEqual([5, 5, 4.4]);
    expect(get.ratio).toBe(5);
    expect(get.ratioMet).toBe(true);
    // Unpaired medians would give 4,400 / 1,000 = 4.4.
    expect(get.cairn).toBe(4400);
    expect(get.s3rver).toBe(1000);
    expect(get.cpuMsPerOp).toBe(0.2);
    expect(get.cpuMet).toBe(true);
    expect(get.pairedRounds).toBe(3);
    expect(get.disturbedRounds).toBe(0);
  });

  it('leaves a round without its s3rver cell out of the ratio', () => {
    const cells = [cell('cairn', 1, 3000), cell('s3rver', 1, 1000), cell('cairn', 2, 9000)];
    const [get] = comparisons(cells, workloads) as Array<Record<string, unknown>>;
    expect(get.ratios).toEqual([3]);
    expect(get.ratioMet).toBe(false);
  });

  it('gives no verdict when a round of cairn or s3rver failed, even if the other rounds meet the target', () => {
    const failed = (server: string, round: number) => ({ server, workload: 'get-4k', round, error: 'connection reset' });
    const s3rverFailed = comparisons([cell('cairn', 1, 5000), cell('s3rver', 1, 1000), cell('cairn', 2, 5000), failed('s3rver', 2)], workloads);
    expect(s3rverFailed[0].ratio).toBe(5);
    expect(s3rverFailed[0].ratioMet).toBeNull();
    expect(s3rverFailed[0].cpuMet).toBe(true); // cairn's own CPU figure is whole
    const cairnFailed = comparisons([cell('cairn', 1, 5000), cell('s3rver', 1, 1000), failed('cairn', 2), cell('s3rver', 2, 1000)], workloads);
    expect(cairnFailed[0].ratioMet).toBeNull();
    expect(cairnFailed[0].cpuMet).toBeNull();
  });

  it("pairs the durable floor server with s3rver and with cairn by round: the floor's own ratio and cairn's share of it", () => {
    const cells = [cell('durable', 1, 2000, 0.2), cell('cairn', 1, 1500), cell('s3rver', 1, 1000), cell('s3rver', 2, 500), cell('durable', 2, 1100, 0.3), cell('cairn', 2, 880)];
    const [get] = comparisons(cells, workloads) as Array<Record<string, unknown>>;
    expect(get.floorRatio).toBeCloseTo(2.1); // median of 2.0 and 2.2
    expect(get.floorCpuMsPerOp).toBeCloseTo(0.25);
    expect(get.cairnOfFloor).toBeCloseTo(0.775); // median of 0.75 and 0.8
    expect(get.floorDisturbedRounds).toBe(0);
    const disturbed = comparisons([{ ...cell('durable', 1, 2000), otherCores: 0.5 }, cell('s3rver', 1, 1000), cell('cairn', 1, 1500)], workloads) as Array<Record<string, unknown>>;
    expect(disturbed[0].floorDisturbedRounds).toBe(1);
    expect(disturbed[0].disturbedRounds).toBe(0); // cairn's own ratio was not disturbed
    const [withoutFloor] = comparisons([cell('cairn', 1, 1500), cell('s3rver', 1, 1000)], workloads) as Array<Record<string, unknown>>;
    expect(withoutFloor.floorRatio).toBeNull();
    expect(withoutFloor.cairnOfFloor).toBeNull();
  });

  it('counts the rounds whose paired cells were disturbed, not every disturbed cell', () => {
    const busy = (c: Cell) => ({ ...c, otherCores: 0.5 });
    const cells = [cell('cairn', 1, 5000), busy(cell('s3rver', 1, 1000)), cell('cairn', 2, 5000), cell('s3rver', 2, 1000), busy(cell('cairn', 3, 5000))];
    const [get] = comparisons(cells, workloads) as Array<Record<string, unknown>>;
    expect(get.pairedRounds).toBe(2); // round 3 has no s3rver cell
    expect(get.disturbedRounds).toBe(1);
  });
});

describe("the bench's event-loop schedule", () => {
  const sample = (entries: Array<[number, number, number]>) => new Map(entries.map(([pid, runMs, waitMs]) => [pid, { runMs, waitMs }]));

  it("takes the busiest process's main thread and gives its shares of the window", () => {
    // pid 10 is a wrapper that barely runs; pid 11 is the server; pid 12 appeared mid-window.
    const start = sample([[10, 5, 1], [11, 1000, 200]]);
    const end = sample([[10, 6, 1], [11, 3560, 1280], [12, 900, 0]]);
    expect(loopSchedule(start, end, 4000)).toEqual({ loopOnCore: 0.64, loopWaiting: 0.27 });
  });

  it('reports nothing rather than zero when no main thread could be read', () => {
    expect(loopSchedule(new Map(), sample([[11, 10, 0]]), 4000)).toEqual({ loopOnCore: null, loopWaiting: null });
  });

  it("reads real schedstat figures of this process's main thread (vitest runs test files in forks)", () => {
    const before = mainThreadSchedule([process.pid]).get(process.pid);
    const busyUntil = performance.now() + 50;
    while (performance.now() < busyUntil); // 50 ms on a core, or waiting for one
    const after = mainThreadSchedule([process.pid]).get(process.pid);
    expect(after.runMs - before.runMs + (after.waitMs - before.waitMs)).toBeGreaterThanOrEqual(45);
  });
});
