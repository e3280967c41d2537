/**
 * The unread rest of a request body, when the request is refused before or while its body is
 * read (authentication, a missing bucket, too few drives online, a bad chunk signature...).
 *
 * The answer goes out once the rest has been read and discarded: answered earlier, on a
 * connection that is to close (the client asked, as AWS SDKs do for Expect: 100-continue
 * requests, or we close it) Node ends the socket while the client still writes, and the
 * client gets EPIPE / ECONNRESET instead of the error; on a keep-alive one the unread bytes
 * would be taken for the next request. A rest beyond the limit is not worth reading: the
 * answer then closes the connection, and a client still writing may miss it.
 */
import type { IncomingMessage } from 'node:http';
import { awaitsContinue } from './expect-continue';

/** The most of a refused body read and discarded to answer on a usable connection. */
export const DISCARD_LIMIT = 64 * 1024 * 1024;
/** How long a refused body may take to arrive: a client trickling it does not hold the answer. */
export const DISCARD_DEADLINE_MS = 30_000;

/**
 * Reads and discards the rest of the body. Resolves true when the connection can carry
 * another request after the answer, false when the answer must close it (a rest beyond
 * `limit` or not in within DISCARD_DEADLINE_MS, a client gone, a client waiting for 100
 * Continue that will send no body).
 */
export function discardRestOfBody(request: IncomingMessage, limit = DISCARD_LIMIT): Promise<boolean> {
  if (request.complete || request.readableEnded) return Promise.resolve(true);
  if (request.destroyed || awaitsContinue(request)) return Promise.resolve(false);
  // Nothing read yet: the declared length is what remains.
  const declared = Number(request.headers['content-length']);
  if (!request.readableDidRead && declared > limit) return Promise.resolve(false);
  return new Promise((resolve) => {
    let discarded = 0;
    const deadline = setTimeout(() => settle(false), DISCARD_DEADLINE_MS);
    const settle = (usable: boolean) => {
      clearTimeout(deadline);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      resolve(usable);
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limit) settle(false);
    };
    const onEnd = () => settle(true);
    const onClose = () => settle(request.complete);
    request.unpipe(); // from whatever was reading it (an aws-chunked decoder, a form parser)
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.resume();
  });
}
