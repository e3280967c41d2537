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

export async function settleWithQuorum(operations: readonly DriveOperation[], needed: number, graceMs: number): Promise<{ succeeded: number; failures: unknown[] }> {
  let succeeded = 0;
  let settled = 0;
  const failures: unknown[] = [];
  const done = new Array<boolean>(operations.length).fill(false);
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      if (settled === operations.length) {
        if (timer) clearTimeout(timer);
        resolve();
        return;
      }
      const decided = succeeded >= needed || operations.length - failures.length < needed;
      if (decided && !timer) {
        timer = setTimeout(() => {
          operations.forEach((operation, i) => done[i] || operation.straggle());
          resolve();
        }, graceMs);
      }
    };
    if (operations.length === 0) resolve();
    operations.forEach((operation, i) => {
      operation.promise.then(
        () => {
          succeeded++;
        },
        (error: unknown) => {
          failures.push(error);
        },
      ).finally(() => {
        done[i] = true;
        settled++;
        check();
      });
    });
  });
  return { succeeded, failures };
}
