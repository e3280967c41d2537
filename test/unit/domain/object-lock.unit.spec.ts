import { describe, expect, it } from 'vitest';
import { decideCreateBucket } from '../../../src/domain/deciders/bucket-decider';
import { decidePutObjectLegalHold, decidePutObjectLockConfiguration, decidePutObjectRetention } from '../../../src/domain/deciders/object-lock-decider';
import { decideDeleteObject, decidePutBucketVersioning, decidePutObject } from '../../../src/domain/deciders/object-decider';
import { assertRetentionChange, assertValidDefaultRetention, lockForNewVersion, type Retention } from '../../../src/domain/rules/object-lock';
import { versionBody } from '../../helpers/events';
import { ctx } from '../../helpers/given-when-then';
import { InMemoryProjection } from '../../helpers/in-memory-projection';
import { codeOf } from '../../helpers/s3-error-code';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const DAY = 24 * 3600 * 1000;


function lockedBucket() {
  const state = new InMemoryProjection();
  state.apply(decideCreateBucket(undefined, { bucket: 'bkt', region: 'us-east-1', objectLockEnabled: true }, ctx(NOW)));
  return state;
}

function putLocked(state: InMemoryProjection, lock: Parameters<typeof decidePutObject>[1]['lock']) {
  const event = decidePutObject(state.getBucket('bkt'), { bucket: 'bkt', key: 'k', version: versionBody(), lock }, ctx(NOW), state.versionsOf('bkt', 'k'));
  state.apply(event);
  return event.version.versionId;
}

describe('Object Lock rules', () => {
  it('a lock-enabled bucket starts versioned and cannot be suspended', () => {
    const state = lockedBucket();
    expect(state.getBucket('bkt')).toMatchObject({ versioning: 'Enabled', objectLock: {} });
    expect(codeOf(() => decidePutBucketVersioning(state.getBucket('bkt'), { bucket: 'bkt', status: 'Suspended' }, ctx()))).toBe('InvalidBucketState');
  });

  it('COMPLIANCE blocks deleting the version even with bypass, until the retention expires; a delete marker is fine', () => {
    const state = lockedBucket();
    const versionId = putLocked(state, { retention: { mode: 'COMPLIANCE', retainUntil: NOW + DAY } });
    const current = state.versionsOf('bkt', 'k');
    expect(codeOf(() => decideDeleteObject(state.getBucket('bkt'), current, { bucket: 'bkt', key: 'k', versionId, bypassGovernance: true }, ctx(NOW + 1000)))).toBe('AccessDenied');
    expect(decideDeleteObject(state.getBucket('bkt'), current, { bucket: 'bkt', key: 'k' }, ctx(NOW + 1000))).toMatchObject({ type: 'DeleteMarkerCreated' });
    expect(decideDeleteObject(state.getBucket('bkt'), current, { bucket: 'bkt', key: 'k', versionId }, ctx(NOW + DAY + 1))).toMatchObject({ type: 'ObjectVersionDeleted' });
  });

  it('GOVERNANCE yields to the bypass; a legal hold yields to nothing', () => {
    const state = lockedBucket();
    const versionId = putLocked(state, { retention: { mode: 'GOVERNANCE', retainUntil: NOW + DAY } });
    const del = (bypassGovernance: boolean) => () => decideDeleteObject(state.getBucket('bkt'), state.versionsOf('bkt', 'k'), { bucket: 'bkt', key: 'k', versionId, bypassGovernance }, ctx(NOW));
    expect(codeOf(del(false))).toBe('AccessDenied');
    expect(codeOf(del(true))).toBeUndefined();
    state.apply(decidePutObjectLegalHold(state.getBucket('bkt'), state.versionsOf('bkt', 'k'), { bucket: 'bkt', key: 'k', versionId, on: true }, ctx(NOW)));
    expect(codeOf(del(true))).toBe('AccessDenied');
  });

  it('retention can be extended, never shortened or weakened under COMPLIANCE', () => {
    const current: Retention = { mode: 'COMPLIANCE', retainUntil: NOW + DAY };
    const change = (next: Retention | undefined, bypassGovernance = false) => () => assertRetentionChange(current, next, { bypassGovernance }, NOW);
    expect(codeOf(change({ mode: 'COMPLIANCE', retainUntil: NOW + 2 * DAY }))).toBeUndefined();
    expect(codeOf(change({ mode: 'COMPLIANCE', retainUntil: NOW + DAY / 2 }, true))).toBe('AccessDenied');
    expect(codeOf(change({ mode: 'GOVERNANCE', retainUntil: NOW + 2 * DAY }, true))).toBe('AccessDenied');
    expect(codeOf(change(undefined, true))).toBe('AccessDenied');
    const governance = { mode: 'GOVERNANCE' as const, retainUntil: NOW + DAY };
    expect(codeOf(() => assertRetentionChange(governance, undefined, { bypassGovernance: true }, NOW))).toBeUndefined();
    expect(codeOf(() => assertRetentionChange(governance, { mode: 'COMPLIANCE', retainUntil: NOW + DAY }, { bypassGovernance: false }, NOW))).toBeUndefined();
  });

  it('the default retention applies to versions that name none: Days or Years from the decision time', () => {
    const state = lockedBucket();
    state.apply(decidePutObjectLockConfiguration(state.getBucket('bkt'), { bucket: 'bkt', defaultRetention: { mode: 'GOVERNANCE', years: 1 } }, ctx(NOW)));
    expect(lockForNewVersion(state.getBucket('bkt')!, undefined, NOW).retention).toEqual({ mode: 'GOVERNANCE', retainUntil: Date.UTC(2027, 10, 22, 12, 0, 0) });
    expect(lockForNewVersion(state.getBucket('bkt')!, { retention: { mode: 'COMPLIANCE', retainUntil: NOW + 5 } }, NOW).retention?.mode).toBe('COMPLIANCE');
    for (const bad of [{ mode: 'GOVERNANCE' }, { mode: 'GOVERNANCE', days: 1, years: 1 }, { mode: 'SOMETIMES', days: 1 }]) {
      expect(codeOf(() => assertValidDefaultRetention(bad)), JSON.stringify(bad)).toBe('MalformedXML');
    }
    expect(codeOf(() => assertValidDefaultRetention({ mode: 'COMPLIANCE', days: 0 }))).toBe('InvalidArgument');
  });

  it('caps the default retention at 100 years, as AWS does, so a retain-until date is always a date', () => {
    expect(assertValidDefaultRetention({ mode: 'COMPLIANCE', years: 100 })).toEqual({ mode: 'COMPLIANCE', years: 100 });
    expect(assertValidDefaultRetention({ mode: 'COMPLIANCE', days: 36_500 })).toEqual({ mode: 'COMPLIANCE', days: 36_500 });
    for (const tooLong of [{ years: 101 }, { years: 300_000 }, { days: 36_501 }, { days: 200_000_000 }]) {
      expect(codeOf(() => assertValidDefaultRetention({ mode: 'COMPLIANCE', ...tooLong })), JSON.stringify(tooLong)).toBe('InvalidArgument');
    }
  });

  it('a retain-until that is not a number protects the version instead of releasing it', () => {
    const state = lockedBucket();
    const versionId = putLocked(state, { retention: { mode: 'COMPLIANCE', retainUntil: NOW + DAY } });
    const version = state.versionsOf('bkt', 'k')[0]!;
    const inMemory = [{ ...version, retention: { mode: 'COMPLIANCE' as const, retainUntil: Number.NaN } }];
    // The log is JSON: NaN comes back as null after a restart or a rebuild.
    const readBack = JSON.parse(JSON.stringify(inMemory)) as typeof inMemory;
    expect(readBack[0]!.retention.retainUntil).toBeNull();
    for (const broken of [inMemory, readBack]) {
      expect(codeOf(() => decideDeleteObject(state.getBucket('bkt'), broken, { bucket: 'bkt', key: 'k', versionId, bypassGovernance: true }, ctx(NOW)))).toBe('AccessDenied');
      expect(codeOf(() => assertRetentionChange(broken[0]!.retention, undefined, { bypassGovernance: false }, NOW))).toBe('AccessDenied');
    }
  });

  it('refuses lock settings on a bucket without Object Lock, and a retention date in the past', () => {
    const state = new InMemoryProjection();
    state.apply(decideCreateBucket(undefined, { bucket: 'bkt', region: 'us-east-1' }, ctx(NOW)));
    expect(codeOf(() => putLocked(state, { legalHold: true }))).toBe('InvalidRequest');
    expect(codeOf(() => decidePutObjectLockConfiguration(state.getBucket('bkt'), { bucket: 'bkt' }, ctx()))).toBe('InvalidBucketState');
    const locked = lockedBucket();
    expect(codeOf(() => putLocked(locked, { retention: { mode: 'GOVERNANCE', retainUntil: NOW - 1 } }))).toBe('InvalidArgument');
    expect(codeOf(() => decidePutObjectRetention(locked.getBucket('bkt'), [], { bucket: 'bkt', key: 'k', bypassGovernance: false }, ctx()))).toBe('NoSuchKey');
  });
});
