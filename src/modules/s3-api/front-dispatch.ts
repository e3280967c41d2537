/**
 * Hands S3 requests to the gateway straight from the HTTP server, ahead of Fastify.
 *
 * Fastify's routing, hooks and Nest's middleware runner took about 5% of the event loop's
 * time on a small PUT or GET (perf, docs/performance.md) for a route that matches every
 * path and hijacks the reply at once. Only cairn's own API, under `/.cairn/` (no bucket
 * name starts with a dot), still goes through Fastify.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Paths below this prefix are cairn's own (admin API): Fastify routes them. */
export const CAIRN_PATH_PREFIX = '/.cairn/';

export type RawHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** An S3 handler: answers the request, errors included; rejects only if even that failed. */
export type S3Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Whether a request goes to Fastify (cairn's own API) rather than straight to S3. */
export function isCairnPath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith(CAIRN_PATH_PREFIX);
}

/** Where S3 requests go: served, or refused because the server is shutting down. */
export interface S3Handlers {
  serve: S3Handler;
  /**
   * The server stopped listening (shutdown): the request came on a connection kept alive
   * from before. It must be answered so that the connection closes: Node would serve kept-alive
   * connections indefinitely, and the shutdown waits for them (Fastify did this for its routes).
   */
  refuseWhileClosing: S3Handler;
  /** A handler rejected (its error answer failed too): the connection is cut, this says why. */
  onUnanswered(error: unknown): void;
}

/**
 * Replaces the server's 'request' listeners (Fastify's) with one that sends S3 requests to
 * `s3` and the rest to the listeners it replaced. Call once the server exists, before it
 * takes requests.
 */
export function routeAroundFastify(server: Server, s3: S3Handlers): void {
  const previous = server.listeners('request') as RawHandler[];
  if (previous.length === 0) throw new Error('the HTTP server has no request listener to route around');
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (isCairnPath(request.url)) {
      for (const listener of previous) listener.call(server, request, response);
      return;
    }
    const handler = server.listening ? s3.serve : s3.refuseWhileClosing;
    // Nothing else awaits the handler here (Fastify did): a rejection left alone would end the process.
    handler(request, response).catch((error: unknown) => {
      s3.onUnanswered(error);
      response.destroy();
    });
  });
}
