/**
 * Continuation tokens of ListObjectsV2 and ListBuckets: opaque to clients, the base64 of the
 * name the previous page ended at (the next page starts after it).
 */
import { s3Error } from '../../domain/errors';

const TOKEN_PREFIX = 'cairn1:';

export function encodeContinuationToken(last: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${last}`, 'utf8').toString('base64');
}

export function decodeContinuationToken(token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX)) {
    throw s3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  }
  return text.slice(TOKEN_PREFIX.length);
}
