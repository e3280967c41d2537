import { describe, expect, it } from 'vitest';
import { decisionContext, newEvent } from '../../../src/domain/deciders/decision-context';

describe('decision contexts and new events', () => {
  const context = decisionContext({ id: '01a23c8ce46e0000016392c632daedd1', time: 1_800_000_000_000 }, { actor: 'alice', requestId: 'REQ1' });

  it('a decision context is the stamp and who asked', () => {
    expect(context).toEqual({ id: '01a23c8ce46e0000016392c632daedd1', time: 1_800_000_000_000, actor: 'alice', requestId: 'REQ1' });
  });

  it('an event is written as type, v, envelope, then its own fields, in that order', () => {
    const event = newEvent('ObjectVersionDeleted', context, { bucket: 'b', key: 'k', versionId: 'null' });
    expect(JSON.stringify(event)).toBe(
      '{"type":"ObjectVersionDeleted","v":1,"id":"01a23c8ce46e0000016392c632daedd1","time":1800000000000,"actor":"alice","requestId":"REQ1","bucket":"b","key":"k","versionId":"null"}',
    );
  });
});
