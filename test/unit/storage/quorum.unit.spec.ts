import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithQuorum, type DriveOperation } from '../../../src/infra/storage/quorum';

/** A drive operation that settles when the test says so, and records whether it was called a straggler. */
function operation() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, failed) => {
    resolve = ok;
    reject = failed;
  });
  return { promise, straggle: vi.fn<DriveOperation['straggle']>(), resolve, reject };
}

/** Whether `promise` has settled after pending microtasks and timers up to `ms` have run. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(ms);
  return settled;
}

describe('settleWithQuorum', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for every drive, not only the quorum, when all of them answer in time', async () => {
    const ops = [operation(), operation(), operation(), operation()];
    const outcome = settleWithQuorum(ops, 3, 10_000);
    ops.slice(0, 3).forEach((op) => op.resolve());
    expect(await settledWithin(outcome, 1_000)).toBe(false); // quorum reached, the fourth still running
    ops[3]!.resolve();
    expect(await outcome).toEqual({ succeeded: 4, failures: [] });
    expect(ops.every((op) => op.straggle.mock.calls.length === 0)).toBe(true);
  });

  it('counts a failed drive as a failure, not a success', async () => {
    const ops = [operation(), operation(), operation(), operation()];
    const outcome = settleWithQuorum(ops, 3, 10_000);
    const failure = new Error('EIO');
    ops[0]!.reject(failure);
    ops.slice(1).forEach((op) => op.resolve());
    expect(await outcome).toEqual({ succeeded: 3, failures: [failure] });
  });

  it('gives up on a hung drive a grace period after the quorum is known, and calls it a straggler', async () => {
    const ops = [operation(), operation(), operation(), operation()];
    const outcome = settleWithQuorum(ops, 3, 10_000);
    ops.slice(0, 3).forEach((op) => op.resolve());
    expect(await settledWithin(outcome, 9_999)).toBe(false);
    expect(await settledWithin(outcome, 1)).toBe(true);
    expect(await outcome).toEqual({ succeeded: 3, failures: [] });
    expect(ops.map((op) => op.straggle.mock.calls.length)).toEqual([0, 0, 0, 1]);
  });

  it('when the quorum can no longer be reached, the drives still running get the same grace period', async () => {
    const ops = [operation(), operation(), operation(), operation()];
    const outcome = settleWithQuorum(ops, 3, 10_000);
    ops[0]!.reject(new Error('EIO'));
    ops[1]!.reject(new Error('EIO')); // 2 of 4 failed: at most 2 can succeed, 3 needed
    ops[2]!.resolve();
    expect(await settledWithin(outcome, 10_000)).toBe(true);
    const { succeeded, failures } = await outcome;
    expect(succeeded).toBe(1);
    expect(failures).toHaveLength(2);
    expect(ops.map((op) => op.straggle.mock.calls.length)).toEqual([0, 0, 0, 1]);
  });

  it('starts no grace period before the outcome is known', async () => {
    const ops = [operation(), operation(), operation(), operation()];
    const outcome = settleWithQuorum(ops, 3, 10_000);
    ops[0]!.resolve();
    expect(await settledWithin(outcome, 60_000)).toBe(false); // one success of three needed: undecided, no straggler yet
    expect(ops.every((op) => op.straggle.mock.calls.length === 0)).toBe(true);
    ops.slice(1).forEach((op) => op.resolve());
    expect(await outcome).toEqual({ succeeded: 4, failures: [] });
  });

  it('resolves at once with nothing to wait for', async () => {
    expect(await settleWithQuorum([], 0, 10_000)).toEqual({ succeeded: 0, failures: [] });
  });
});
