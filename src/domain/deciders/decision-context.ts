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
