/**
 * Event ids: 16 bytes shown as 32 hex digits, ordered by creation.
 *   bytes 0..5  milliseconds since the epoch (never going backwards, see below)
 *   bytes 6..7  a counter within that millisecond
 *   bytes 8..15 a random node id, fixed for the process (room for several writers later)
 * Every drive appends events in id order, so a drive's log is ordered by id as well as by
 * its sequence number, and the first 8 bytes order object versions (newest first).
 */
import { randomBytes } from 'node:crypto';

export const EVENT_ID_BYTES = 16;

/** The last millisecond formatted, and its form (formatting a double costs more than the rest of an id). */
let formatted = { ms: -1, hex: '' };

/** A millisecond as 12 lowercase hex digits, formatted once per millisecond (event and request ids). */
export function millisecondHex(ms: number): string {
  if (formatted.ms !== ms) formatted = { ms, hex: ms.toString(16).padStart(12, '0') };
  return formatted.hex;
}

export class EventIdClock {
  private lastMs = 0;
  private counter = 0;
  private readonly node = randomBytes(8).toString('hex');

  constructor(private readonly now: () => number = Date.now) {}

  /** Makes every later id greater than `id` (called with the newest id found on the drives). */
  observe(id: string): void {
    const ms = Number.parseInt(id.slice(0, 12), 16);
    const counter = Number.parseInt(id.slice(12, 16), 16);
    if (ms > this.lastMs || (ms === this.lastMs && counter >= this.counter)) {
      this.lastMs = ms;
      this.counter = counter + 1;
    }
  }

  /** A new id and the wall-clock time to record with it. */
  next(): { id: string; time: number } {
    const time = this.now();
    if (time > this.lastMs) {
      this.lastMs = time;
      this.counter = 0;
    } else if (this.counter > 0xffff) {
      // 65,536 ids in one millisecond (or a clock that went back): borrow the next millisecond.
      this.lastMs += 1;
      this.counter = 0;
    }
    const id = millisecondHex(this.lastMs) + (this.counter++).toString(16).padStart(4, '0') + this.node;
    return { id, time };
  }
}

export function eventIdToBytes(id: string): Buffer {
  return Buffer.from(id, 'hex');
}

export function eventIdFromBytes(bytes: Buffer): string {
  return bytes.toString('hex');
}

/** The millisecond an event id was issued at (used by replay "as of" instants). */
export function eventIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 12), 16);
}
