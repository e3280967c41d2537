/**
 * `Expect: 100-continue`, answered only once a handler reads the body.
 *
 * Node answers 100 Continue by itself unless the server listens for 'checkContinue'; then
 * the request is ours to dispatch and `writeContinue()` ours to call. We call it when the
 * body is first read, so a request refused before that (authentication, routing, a missing
 * bucket, too few drives online) gets its final status instead, and the client never sends
 * the body (RFC 9110, 10.1.1). Node then closes the connection after the answer: the client
 * may not know whether the server will read a body it did not send.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Requests that asked for 100 Continue and got it. */
const continued = new WeakSet<IncomingMessage>();

/**
 * Dispatches `Expect: 100-continue` requests like any other, without the automatic 100. Other
 * expectations are ignored (RFC 9110 10.1.1 allows it), so that the request gets S3's answer
 * rather than Node's bare 417 without a request id.
 */
export function deferContinue(server: Server): void {
  const dispatch = (request: IncomingMessage, response: ServerResponse) => server.emit('request', request, response);
  server.on('checkContinue', dispatch);
  server.on('checkExpectation', dispatch);
}

function expectsContinue(request: IncomingMessage): boolean {
  // As Node decides to emit 'checkContinue'.
  return request.httpVersion === '1.1' && /(?:^|\W)100-continue(?:$|\W)/i.test(request.headers.expect ?? '');
}

/** Sends the interim 100 Continue (if the client asked for it) when the body is first read. */
export function continueOnFirstRead(request: IncomingMessage, response: ServerResponse): void {
  if (!expectsContinue(request)) return;
  const send = () => {
    if (response.headersSent) return;
    continued.add(request);
    response.writeContinue();
  };
  // A body already complete (an empty one) has nothing to wait for.
  if (request.complete) return send();
  const read = request._read;
  request._read = function (size: number) {
    request._read = read;
    send();
    read.call(this, size);
  };
}

/** Whether the client waits for 100 Continue before it sends the body: none of it is on its way. */
export function awaitsContinue(request: IncomingMessage): boolean {
  return expectsContinue(request) && !continued.has(request);
}
