import type { CairnEvent, CairnEventType, EventEnvelope } from '../events';

/**
 * What every decision needs from the outside world, passed in so deciders stay pure:
 * the new event's id, the clock reading, and who asked.
 */
export interface DecisionContext {
  readonly id: string;
  readonly time: number;
  readonly actor: string;
  readonly requestId: string;
}

/** Who asked, carried from the request into the events it causes. */
export type RequestContext = Pick<DecisionContext, 'actor' | 'requestId'>;

/**
 * A request's decision context at an event's stamp. A literal rather than
 * `{ ...stamp, ...context }`: on Node 20 merging spreads take V8's slow path (~0.9 µs).
 */
export function decisionContext(stamp: { readonly id: string; readonly time: number }, context: RequestContext): DecisionContext {
  return { id: stamp.id, time: stamp.time, actor: context.actor, requestId: context.requestId };
}

/** An event's own fields: all but its type, schema version and envelope. */
export type EventFields<T extends CairnEventType> = Omit<Extract<CairnEvent, { type: T }>, 'type' | 'v' | keyof EventEnvelope>;

/**
 * A new event: type, schema version 1, the context's envelope, then `fields`, in that order
 * (its JSON's). Object.assign onto a literal rather than spreads, for the reason above.
 */
export function newEvent<T extends CairnEventType>(type: T, context: DecisionContext, fields: EventFields<T>): Extract<CairnEvent, { type: T }> {
  const head = { type, v: 1 as const, id: context.id, time: context.time, actor: context.actor, requestId: context.requestId };
  return Object.assign(head, fields) as unknown as Extract<CairnEvent, { type: T }>;
}
