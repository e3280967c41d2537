/**
 * Precondition headers of a request: If-* on GET/HEAD, x-amz-copy-source-if-* on
 * CopyObject, and the conditional-write headers of PutObject and CopyObject.
 */
import { s3Error } from '../../domain/errors';
import type { Preconditions, WriteConditions } from '../../domain/rules/preconditions';
import { header, type S3Call } from './s3-call';

/** If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since (with an optional prefix). */
export function readPreconditions(call: S3Call, prefix = ''): Preconditions {
  const conditions: { -readonly [K in keyof Preconditions]: string } = {};
  const ifMatch = header(call, `${prefix}if-match`);
  const ifNoneMatch = header(call, `${prefix}if-none-match`);
  const ifModifiedSince = header(call, `${prefix}if-modified-since`);
  const ifUnmodifiedSince = header(call, `${prefix}if-unmodified-since`);
  if (ifMatch !== undefined) conditions.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) conditions.ifNoneMatch = ifNoneMatch;
  if (ifModifiedSince !== undefined) conditions.ifModifiedSince = ifModifiedSince;
  if (ifUnmodifiedSince !== undefined) conditions.ifUnmodifiedSince = ifUnmodifiedSince;
  return conditions;
}

/** If-None-Match: * and If-Match on a write; undefined when the write is unconditional. */
export function readWriteConditions(call: S3Call): WriteConditions | undefined {
  const ifMatch = header(call, 'if-match');
  const ifNoneMatch = header(call, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    // S3 only knows "the key must not exist" on writes, not "the ETag must differ".
    throw s3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
  }
  return { ...(ifMatch !== undefined ? { ifMatch } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch: '*' as const } : {}) };
}
