/**
 * Waits for `needed` of several drive operations to succeed. Resolves with the slots that
 * succeeded as soon as there are enough; rejects as soon as too many have failed for
 * quorum to be possible. Operations still running keep running (their failures take their
 * drives offline on their own).
 */
export class QuorumError extends Error {
  constructor(
    readonly succeeded: number,
    readonly needed: number,
    readonly failures: readonly unknown[],
  ) {
    super(`quorum not met: ${succeeded} of ${needed} needed succeeded`);
  }
}

export function quorum(operations: ReadonlyArray<Promise<unknown>>, needed: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let succeeded = 0;
    const failures: unknown[] = [];
    if (operations.length < needed) {
      reject(new QuorumError(0, needed, []));
      return;
    }
    for (const operation of operations) {
      operation.then(
        () => {
          if (++succeeded === needed) resolve(succeeded);
        },
        (error: unknown) => {
          failures.push(error);
          if (operations.length - failures.length === needed - 1) reject(new QuorumError(succeeded, needed, failures));
        },
      );
    }
  });
}
