/**
 * cairn does not encrypt objects at rest, so a request asking for server-side encryption is
 * refused rather than stored in clear under a 200 the client would read as "encrypted"
 * (MinIO without a KMS refuses them too). SSE-C keys travel in headers, which AWS accepts
 * only over TLS; cairn serves plain HTTP, so those get AWS's answer for plain HTTP.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { s3Error } from '../../domain/errors';

const SSE_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
const SSE_C_PREFIXES = ['x-amz-server-side-encryption-customer-', 'x-amz-copy-source-server-side-encryption-customer-'];
const SSE_HEADERS = ['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context', 'x-amz-server-side-encryption-bucket-key-enabled'];

export function refuseServerSideEncryption(headers: IncomingHttpHeaders): void {
  for (const name of Object.keys(headers)) {
    if (SSE_C_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      throw s3Error('InvalidRequest', 'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.');
    }
  }
  const algorithm = headers['x-amz-server-side-encryption'];
  if (typeof algorithm === 'string' && !SSE_ALGORITHMS.has(algorithm)) {
    throw s3Error('InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: algorithm });
  }
  const asked = SSE_HEADERS.find((name) => headers[name] !== undefined);
  if (asked) throw s3Error('NotImplemented', `Server-side encryption is not supported: cairn stores objects unencrypted (${asked}).`);
}
