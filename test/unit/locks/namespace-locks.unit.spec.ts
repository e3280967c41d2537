import { describe, expect, it } from 'vitest';
import { NamespaceLocks } from '../../../src/infra/locks/namespace-locks';

/** Whether a promise has settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('namespace locks', () => {
  it('grant one writer per key at a time, in arrival order', async () => {
    const locks = new NamespaceLocks();
    const first = await locks.lockObject('b', 'k');
    const second = locks.lockObject('b', 'k');
    const third = locks.lockObject('b', 'k');
    expect(await settled(second)).toBe(false);
    first();
    const releaseSecond = await second;
    expect(await settled(third)).toBe(false);
    releaseSecond();
    (await third)();
  });

  it('let writers of different keys of a bucket go together', async () => {
    const locks = new NamespaceLocks();
    const one = await locks.lockObject('b', 'k1');
    const other = locks.lockObject('b', 'k2');
    expect(await settled(other)).toBe(true);
    one();
    (await other)();
  });

  it('hold a bucket lock until its object writers are done, and object writers until it is released', async () => {
    const locks = new NamespaceLocks();
    const writer = await locks.lockObject('b', 'k');
    const bucket = locks.lockBucket('b');
    expect(await settled(bucket)).toBe(false);
    const laterWriter = locks.lockObject('b', 'other');
    writer();
    const releaseBucket = await bucket;
    expect(await settled(laterWriter)).toBe(false);
    releaseBucket();
    (await laterWriter)();
  });

  it('a release called twice releases once', async () => {
    const locks = new NamespaceLocks();
    const first = await locks.lockObject('b', 'k');
    const second = locks.lockObject('b', 'k');
    const third = locks.lockObject('b', 'k');
    first();
    first();
    await second;
    expect(await settled(third)).toBe(false);
  });
});
