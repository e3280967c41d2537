/**
 * Event schema migrations. Logs are never rewritten: an event written with an older schema
 * version is turned into the current shape when it is read (projection, rebuild, audit).
 *
 * To change an event's shape: bump its version in src/domain/events.ts (EVENT_VERSIONS) and
 * register here a function from the old version to the next one. Upcasters chain, so an
 * event written at v1 passes through v1->v2, v2->v3 and so on.
 */
import type { CairnEvent } from '../src/domain/events';

type RawEvent = Record<string, unknown> & { type: string; v: number };
type Upcaster = (event: RawEvent) => RawEvent;

/** type -> version it upgrades from -> upgrade to version + 1. None yet: every event is at v1. */
const UPCASTERS: Record<string, Record<number, Upcaster>> = {};

export function upcastEvent(raw: unknown): CairnEvent {
  let event = raw as RawEvent;
  for (let upgrade = UPCASTERS[event.type]?.[event.v]; upgrade; upgrade = UPCASTERS[event.type]?.[event.v]) {
    event = upgrade(event);
  }
  return event as unknown as CairnEvent;
}
