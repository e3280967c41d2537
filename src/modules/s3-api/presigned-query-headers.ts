/**
 * A presigned URL carries as query parameters the x-amz-* headers its signer chose not to
 * sign: SDK v3's presigner and boto3 hoist metadata, tagging, storage class and the like into
 * the query, and the browser or script that uses the URL sends no such headers. S3 applies
 * them as the headers they stand for (aws-sdk-js-v3#4694: metadata stored "even without
 * signing that particular header"); without this they were dropped with a 200.
 *
 * Not taken from the query: the signature's own parameters, and checksums, which S3 ignores
 * on presigned uploads (architecture.md, "Authentication forms"). A header the request
 * really carries wins over the same name in the query.
 */
import type { IncomingMessage } from 'node:http';

const SIGNATURE_PARAMETERS = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

function standsForHeader(name: string): boolean {
  return (
    name.startsWith('x-amz-') &&
    !SIGNATURE_PARAMETERS.has(name) &&
    !name.startsWith('x-amz-checksum-') &&
    name !== 'x-amz-sdk-checksum-algorithm'
  );
}

/** Adds the query's x-amz-* header parameters to the request's headers (after the signature is verified). */
export function applyPresignedQueryHeaders(request: IncomingMessage, query: ReadonlyMap<string, string>): void {
  for (const [rawName, value] of query) {
    const name = rawName.toLowerCase();
    if (standsForHeader(name) && request.headers[name] === undefined) request.headers[name] = value;
  }
}
