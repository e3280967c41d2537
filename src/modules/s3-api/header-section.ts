/**
 * Checks on a request's header section as a whole, made before anything else is done.
 *
 * AWS's limit on a request's header section: 8 KB (S3 User Guide, "the PUT request header is
 * limited to 8 KB"), answered with RequestHeaderSectionTooLarge before anything else is done.
 * Counted as the header lines travel ("name: value" and CRLF), without the request line: a key
 * of 1,024 bytes percent-encoded in the URL is up to 3 KB that AWS does not count here. Node's
 * own parser limit (16 KiB, request line included; client-errors.ts) stays the backstop.
 */
import type { IncomingMessage } from 'node:http';
import { s3Error } from '../../domain/errors';

export const MAX_HEADER_SECTION_BYTES = 8192;

export function assertHeaderSectionSize(rawHeaders: readonly string[]): void {
  let bytes = 0;
  // Node keeps header text as latin1 strings: one character per byte received.
  for (let i = 0; i < rawHeaders.length; i += 2) bytes += rawHeaders[i].length + rawHeaders[i + 1].length + 4;
  if (bytes > MAX_HEADER_SECTION_BYTES) throw s3Error('RequestHeaderSectionTooLarge', undefined, { MaxSizeAllowed: MAX_HEADER_SECTION_BYTES });
}

/**
 * An HTTP/1.1 request must say which host it is for (RFC 9112, section 3.2: a 400 without
 * one). Node refuses it itself with a bare 400 unless told not to (requireHostHeader, off in
 * server.command.ts), so that the client gets an S3 error with a request id instead.
 */
export function assertHostSent(request: IncomingMessage): void {
  if (request.headers.host === undefined && request.httpVersion !== '1.0') {
    throw s3Error('InvalidRequest', 'Missing required header for this request: Host');
  }
}
