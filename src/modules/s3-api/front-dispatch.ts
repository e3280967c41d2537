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

/** Whether a request goes to Fastify (cairn's own API) rather than straight to S3. */
export function isCairnPath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith(CAIRN_PATH_PREFIX);
}

/**
 * Replaces the server's 'request' listeners (Fastify's) with one that sends S3 requests to
 * `s3` and the rest to the listeners it replaced. Call once the server exists, before it
 * takes requests.
 */
export function routeAroundFastify(server: Server, s3: RawHandler): void {
  const previous = server.listeners('request') as RawHandler[];
  if (previous.length === 0) throw new Error('the HTTP server has no request listener to route around');
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!isCairnPath(request.url)) return s3(request, response);
    for (const listener of previous) listener.call(server, request, response);
  });
}
