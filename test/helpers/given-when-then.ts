/**
 * Given / when / then specs for deciders:
 *   given(bucketCreated('photos')).when((state) => decideX(state..., command, ctx())).then(expected)
 *   ... .thenThrows('NoSuchBucket')
 */
import { expect } from 'vitest';
import type { DecisionContext } from '../../src/domain/deciders/decision-context';
import { isS3Error, type S3ErrorCode } from '../../src/domain/errors';
import type { CairnEvent } from '../../src/domain/events';
import { InMemoryProjection } from './in-memory-projection';

let sequence = 0;

/** A decision context with a fresh, increasing event id and a fixed clock. */
export function ctx(time = Date.UTC(2026, 10, 22, 12, 0, 0)): DecisionContext {
  sequence++;
  const id = time.toString(16).padStart(12, '0') + sequence.toString(16).padStart(4, '0') + '0'.repeat(16);
  return { id, time, actor: 'minioadmin', requestId: `REQ${sequence}` };
}

export function given(...events: CairnEvent[]) {
  const state = InMemoryProjection.of(events);
  return {
    state,
    when(decide: (state: InMemoryProjection) => CairnEvent | undefined) {
      return {
        then(expected: Record<string, unknown> | undefined) {
          const event = decide(state);
          if (expected === undefined) expect(event).toBeUndefined();
          else expect(event).toMatchObject(expected);
          return { event, state: event ? (state.apply(event), state) : state };
        },
        thenThrows(code: S3ErrorCode) {
          let thrown: unknown;
          try {
            decide(state);
          } catch (error) {
            thrown = error;
          }
          expect(isS3Error(thrown), `expected ${code}, got ${String(thrown)}`).toBe(true);
          expect((thrown as { code: string }).code).toBe(code);
        },
      };
    },
  };
}
