/**
 * `Expect: 100-continue`, answered only after authentication.
 *
 * Node answers 100 Continue by itself unless the server listens for 'checkContinue'; then
 * the request is ours to dispatch and `writeContinue()` ours to call. A request that fails
 * authentication (or routing) thus gets its error before the client sends a byte of body.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Dispatches `Expect: 100-continue` requests like any other, without the automatic 100. */
export function deferContinue(server: Server): void {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response));
}

/** Sends the interim 100 Continue if the client asked for it (once the request may proceed). */
export function sendContinue(request: IncomingMessage, response: ServerResponse): void {
  const expect = request.headers.expect;
  if (expect !== undefined && expect.toLowerCase() === '100-continue' && !response.headersSent) response.writeContinue();
}
