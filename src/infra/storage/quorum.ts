/**
 * Waiting for drive operations with a quorum.
 *
 * An append is not finished when a quorum has acknowledged it: the next decision on the same
 * key must see it on *every* online drive, or a slower drive would project the next event
 * against stale state. So we wait for every operation to settle; an operation still
 * running `graceMs` after the outcome is known (quorum reached or impossible) has its drive
 * taken offline instead, so one hung drive cannot stall the namespace.
 */
export interface DriveOperation {
  readonly promise: Promise<unknown>;
  /** Called when the operation did not settle in time. */
  readonly straggle: () => void;
}

export function settleWithQuorum(operations: readonly DriveOperation[], needed: number, graceMs: number): Promise<{ succeeded: number; failures: unknown[] }> {
  let succeeded = 0;
  let settled = 0;
  const failures: unknown[] = [];
  const done: boolean[] = [];
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => resolve({ succeeded, failures });
    const check = () => {
      if (settled === operations.length) {
        if (timer) clearTimeout(timer);
        finish();
        return;
      }
      const decided = succeeded >= needed || operations.length - failures.length < needed;
      if (decided && !timer) {
        timer = setTimeout(() => {
          operations.forEach((operation, i) => done[i] || operation.straggle());
          finish();
        }, graceMs);
      }
    };
    const settle = (i: number) => {
      done[i] = true;
      settled++;
      check();
    };
    if (operations.length === 0) finish();
    operations.forEach((operation, i) => {
      done.push(false);
      operation.promise.then(
        () => {
          succeeded++;
          settle(i);
        },
        (error: unknown) => {
          failures.push(error);
          settle(i);
        },
      );
    });
  });
}
