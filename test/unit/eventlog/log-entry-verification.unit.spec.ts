import { describe, expect, it } from 'vitest';
import type { BucketCreated, CairnEvent } from '../../../src/domain/events';
import { logEntry, verifyAgainstLoggedJson } from '../../../src/infra/drives/log-entry';
import { VERIFY_PROJECTIONS } from '../../../src/infra/eventlog/verify-projections';
import { bucketCreated, objectPut } from '../../helpers/events';
import { given } from '../../helpers/given-when-then';

describe('a live log entry (projected from the event object) checked against the logged JSON', () => {
  it('an event of JSON values projects to the same bytes as its JSON parsed back', () => {
    const state = given(bucketCreated('b'), objectPut('b', 'k')).state;
    const event = objectPut('b', 'k', { user: { colour: 'blue' }, tags: undefined });
    const json = JSON.stringify(event);

    const live = logEntry(event, json, state);
    const logged = logEntry(JSON.parse(json) as CairnEvent, json, state);

    expect(() => verifyAgainstLoggedJson(live, state)).not.toThrow();
    expect(live.encodedWrites).toEqual(logged.encodedWrites);
    expect(live.undo.equals(logged.undo)).toBe(true);
    expect(live.encodedWrites.map((write) => [write.db, write.value === undefined ? 'remove' : 'put'])).toEqual([
      ['objects', 'remove'], // the null version it replaces
      ['objects', 'put'], // the new null version
    ]);
  });

  it('an event whose object projects differently from its JSON is refused', () => {
    const state = given().state;
    // A field JSON drops (a function) but a projection reads as true: the live projection
    // would record an Object Lock configuration that a rebuild from the log would not.
    const event = { ...bucketCreated('locked'), objectLockEnabled: (() => true) as unknown as true } satisfies BucketCreated;
    const live = logEntry(event, JSON.stringify(event), state);

    expect(() => verifyAgainstLoggedJson(live, state)).toThrow(`event ${event.id} (BucketCreated) projects differently from its logged JSON`);
  });

  it('the check is on for every server and engine the test suite starts (vitest.config.ts)', () => {
    expect(process.env.CAIRN_VERIFY_PROJECTIONS).toBe('1');
    expect(VERIFY_PROJECTIONS).toBe(true);
  });
});
