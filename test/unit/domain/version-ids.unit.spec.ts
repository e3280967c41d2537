import { describe, expect, it } from 'vitest';
import { assertWellFormedVersionId, isWellFormedVersionId } from '../../../src/domain/rules/version-ids';
import { EventIdClock } from '../../../src/infra/eventlog/event-id';
import { codeOf } from '../../helpers/s3-error-code';

describe('version ids a request may name', () => {
  it('accepts the ids cairn issues (event ids) and "null"', () => {
    const clock = new EventIdClock();
    for (let i = 0; i < 3; i++) expect(isWellFormedVersionId(clock.next().id)).toBe(true);
    expect(isWellFormedVersionId('null')).toBe(true);
  });

  it('refuses anything else with InvalidArgument, the empty id with its own message', () => {
    const id = new EventIdClock().next().id;
    for (const bad of ['bogus', id.toUpperCase(), id.slice(1), `${id}0`, 'NULL', ' null']) {
      expect(isWellFormedVersionId(bad), bad).toBe(false);
      expect(codeOf(() => assertWellFormedVersionId(bad)), bad).toBe('InvalidArgument');
    }
    expect(() => assertWellFormedVersionId('')).toThrow('Version id cannot be the empty string');
  });
});
