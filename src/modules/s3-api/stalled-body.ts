/**
 * A request body that stops arriving. AWS answers 400 RequestTimeout once a connection has
 * carried no byte for about 20 seconds while the server waits for the body; without such a
 * limit a client could hold a connection, and the upload it began, open for ever (Node's own
 * request timeout is off under Fastify, and it bounds a whole request, which may rightly take
 * hours over a slow link).
 *
 * One timer looks at every request whose body is still arriving, a few times per limit: a
 * request whose socket has read no byte since the last look, that has a reader (before one
 * starts the server, not the client, is the one waiting, and an `Expect: 100-continue` client
 * sends nothing) and whose reader has taken every byte received (otherwise the server is the
 * slow one) stalls once that has lasted the limit. Watching costs a request one map
 * entry: a timer or listeners of its own per request cost a small PUT 4% more instructions.
 */
import type { IncomingMessage } from 'node:http';

/** Looks per limit: a stall is answered between 1 and 1.25 limits after the last byte. */
const LOOKS_PER_LIMIT = 4;

interface Watched {
  readonly onStall: () => void;
  bytesRead: number;
  /** When the socket last read a byte, or the server last held unread ones (ms). */
  since: number;
}

export class StalledBodyWatch {
  private readonly watched = new Map<IncomingMessage, Watched>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly idleMs: number) {
    this.timer = setInterval(() => this.look(Date.now()), Math.max(10, Math.floor(idleMs / LOOKS_PER_LIMIT)));
    this.timer.unref();
  }

  /** Calls `onStall` once if the request's body stalls; nothing once it has all arrived. */
  watch(request: IncomingMessage, onStall: () => void): void {
    if (request.complete) return;
    this.watched.set(request, { onStall, bytesRead: request.socket.bytesRead, since: Date.now() });
  }

  /** Ends the watch early: a request refused before its body is read discards the rest under its own deadline (unread-body.ts). */
  unwatch(request: IncomingMessage): void {
    this.watched.delete(request);
  }

  close(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  private look(now: number): void {
    for (const [request, entry] of this.watched) {
      if (request.complete || request.destroyed) {
        this.watched.delete(request);
        continue;
      }
      const bytesRead = request.socket.bytesRead;
      if (bytesRead !== entry.bytesRead || request.readableFlowing === null || request.readableLength > 0) {
        entry.bytesRead = bytesRead;
        entry.since = now;
        continue;
      }
      if (now - entry.since < this.idleMs) continue;
      this.watched.delete(request);
      entry.onStall();
    }
  }
}
