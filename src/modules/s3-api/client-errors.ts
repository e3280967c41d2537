/**
 * Requests Node's HTTP parser refuses before any handler sees them (headers over the size
 * limit, a malformed request line or length, bytes after a request that are not one) get an
 * S3 error document with a request id, as every S3 answer has, instead of the HTTP
 * framework's JSON. The connection closes after it: the parser cannot go on.
 *
 * A parse error can come while an earlier request on the same connection is still being
 * answered (pipelined bytes after it): that answer is finished first, so the client never
 * takes the error for the reply to a request that was served. An error inside that request's
 * own body (the client went away mid-upload) destroys the connection, which aborts it.
 */
import { maxHeaderSize, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { s3Error, type S3Error } from '../../domain/errors';
import { HOST_ID, newRequestId } from './request-id';
import { renderError } from './xml/error.xml';

/** What the parser's error codes mean to an S3 client. */
function s3ErrorFor(error: NodeJS.ErrnoException): S3Error {
  // Node's limit (16 KiB, request line included): the backstop behind AWS's 8 KB of header
  // lines, which the gateway checks (header-section.ts).
  if (error.code === 'HPE_HEADER_OVERFLOW') return s3Error('RequestHeaderSectionTooLarge', undefined, { MaxSizeAllowed: maxHeaderSize });
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return s3Error('RequestTimeout');
  return s3Error('BadRequest', 'The request could not be parsed as HTTP/1.1.');
}

function writeError(socket: Socket, error: S3Error): void {
  const requestId = newRequestId();
  const body = renderError(error, '/', requestId, HOST_ID);
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
      `content-type: application/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-amz-request-id: ${requestId}\r\nx-amz-id-2: ${HOST_ID}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Replaces the server's 'clientError' listeners (Fastify's JSON answer) with S3's. */
export function answerClientErrorsAsS3(server: Server): void {
  server.removeAllListeners('clientError');
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const s3 = s3ErrorFor(error);
    // Node's own pointer to the response in flight on this socket (its default handler reads it too).
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!inFlight || inFlight.writableFinished) return writeError(socket, s3);
    // The error is in that request's own body. A client that only ended its side mid-body (a
    // half-close) can still read the answer: IncompleteBody. A client gone altogether cannot.
    // Either way the connection then closes, which is what aborts the request and cleans up
    // what it staged.
    if (!inFlight.req.complete) {
      if (error.code === 'HPE_INVALID_EOF_STATE' && !inFlight.headersSent) return writeError(socket, s3Error('IncompleteBody'));
      socket.destroy(error);
      return;
    }
    const after = () => (socket.writable ? writeError(socket, s3) : socket.destroy());
    inFlight.once('finish', after);
    inFlight.once('close', () => {
      if (!inFlight.writableFinished) socket.destroy();
    });
  });
}
