/**
 * The one way a change to a key is made: under the key's lock, the decision is taken on the
 * committed state (bucket record, the key's versions) and its event appended; `then` runs
 * still under the lock (to reclaim data, or read what the event produced).
 */
import type { BucketRecord } from '../../domain/bucket';
import type { CairnEvent } from '../../domain/events';
import type { ObjectVersion } from '../../domain/object-version';
import { decisionState, type ProjectionWrite } from '../../domain/projections/projection';
import { assertValidObjectKey } from '../../domain/rules/names';
import type { NamespaceLocks } from '../../infra/locks/namespace-locks';
import type { ErasureSet } from '../../infra/storage/erasure-set';

export interface KeyState {
  readonly bucket: BucketRecord | undefined;
  /** The key's versions, newest first. */
  readonly versions: readonly ObjectVersion[];
}

export async function decideOnKey<E extends CairnEvent, R>(
  set: ErasureSet,
  locks: NamespaceLocks,
  target: { readonly bucket: string; readonly key: string },
  decide: (state: KeyState, stamp: { id: string; time: number }) => E | undefined,
  then: (appended: { event: E; writes: readonly ProjectionWrite[] } | undefined, state: KeyState) => R | Promise<R>,
): Promise<R> {
  assertValidObjectKey(target.key);
  const release = await locks.lockObject(target.bucket, target.key);
  try {
    const metadata = set.metadata();
    const state: KeyState = { bucket: await metadata.getBucket(target.bucket), versions: await metadata.versionsOf(target.bucket, target.key) };
    const appended = await set.appendEvent((stamp) => decide(state, stamp), {
      state: decisionState(target.bucket, state.bucket, target.key, state.versions),
    });
    return await then(appended, state);
  } finally {
    release();
  }
}
