/**
 * HTTP preconditions on reads (GET/HEAD) and on copy sources, as S3 evaluates them
 * (RFC 7232 section 6 order, which AWS documents as its precedence rules):
 *
 * 1. If-Match, when present, decides alone between failing (412) and going on: a true
 *    If-Match makes S3 ignore a false If-Unmodified-Since.
 * 2. Otherwise If-Unmodified-Since: modified after the date -> 412.
 * 3. If-None-Match, when present, decides alone between "not modified" (304) and going
 *    on: a false If-None-Match gives 304 even when If-Modified-Since is true.
 * 4. Otherwise If-Modified-Since: not modified since the date -> 304.
 *
 * Dates S3 cannot parse are ignored, and so is an If-Modified-Since later than the server's
 * clock (RFC 2616 14.25 calls it invalid; AWS copies and reads regardless). HTTP dates have
 * whole seconds, so the object's time is compared truncated to the second. A copy source
 * turns "not modified" into 412 as well.
 */
import { s3Error } from '../errors';

export interface Preconditions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifUnmodifiedSince?: string;
}

/** What a precondition check decides; the name is the header that decided it. */
export type PreconditionOutcome =
  | { readonly result: 'proceed' }
  | { readonly result: 'not-modified'; readonly header: 'If-None-Match' | 'If-Modified-Since' }
  | { readonly result: 'failed'; readonly header: 'If-Match' | 'If-Unmodified-Since' };

export interface ObjectState {
  /** Hex ETag without quotes. */
  readonly etag: string;
  readonly lastModified: number;
}

/** True when the header's ETag list (or `*`) names this ETag. Quotes (even one alone) and W/ are ignored. */
export function etagListMatches(header: string, etag: string): boolean {
  return header.split(',').some((candidate) => {
    const value = candidate.trim().replace(/^W\//, '');
    return value === '*' || unquote(value) === etag;
  });
}

function unquote(value: string): string {
  return value.replace(/^"/, '').replace(/"$/, '');
}

/** Last-Modified as HTTP dates carry it: whole seconds (ms). */
function modifiedSecond(object: ObjectState): number {
  return Math.floor(object.lastModified / 1000) * 1000;
}

/** An ETag as S3 writes it unquoted: an MD5 in hex, with `-N` for a multipart object. */
const BARE_ETAG = /^[0-9a-f]{32}(-\d+)?$/i;

/**
 * If-Range (RFC 9110 13.1.5), which AWS honours: the Range applies only while the object is
 * the one the client already holds part of. A strong ETag must equal the object's, a date its
 * Last-Modified to the second; a weak ETag or a value that is neither never holds. When it
 * does not hold the Range is ignored and the whole object sent (200), so that a resumed
 * download cannot splice the bytes of two different objects.
 */
export function ifRangeHolds(ifRange: string, object: ObjectState): boolean {
  const value = ifRange.trim();
  if (value.startsWith('W/')) return false;
  if (value.startsWith('"') || BARE_ETAG.test(value)) return unquote(value) === object.etag;
  return parseHttpDate(value) === modifiedSecond(object);
}

/** An HTTP date in ms, or undefined when S3 would ignore it. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** @param now the server's clock (ms), against which an If-Modified-Since in the future is ignored */
export function evaluatePreconditions(conditions: Preconditions, object: ObjectState, now: number): PreconditionOutcome {
  const modified = modifiedSecond(object);

  if (conditions.ifMatch !== undefined) {
    if (!etagListMatches(conditions.ifMatch, object.etag)) return { result: 'failed', header: 'If-Match' };
  } else {
    const since = parseHttpDate(conditions.ifUnmodifiedSince);
    if (since !== undefined && modified > since) return { result: 'failed', header: 'If-Unmodified-Since' };
  }

  if (conditions.ifNoneMatch !== undefined) {
    if (etagListMatches(conditions.ifNoneMatch, object.etag)) return { result: 'not-modified', header: 'If-None-Match' };
  } else {
    const since = parseHttpDate(conditions.ifModifiedSince);
    if (since !== undefined && since <= now && modified <= since) return { result: 'not-modified', header: 'If-Modified-Since' };
  }
  return { result: 'proceed' };
}

/**
 * Conditional writes (PutObject, the destination of CopyObject, CompleteMultipartUpload):
 * `If-None-Match: *` means "only if the key has no current object"; `If-Match: <etag>` means
 * "only if the current object has this ETag", and is NoSuchKey when there is none. Any other
 * If-None-Match value is not something S3 supports on writes.
 *
 * A write is decided on the committed state at its commit; of concurrent writers the first
 * to commit wins and the others fail the condition (412). An If-Match write whose object was
 * there when the request arrived but was deleted before it committed met a conflicting
 * operation: 409 ConditionalRequestConflict (retry), as AWS answers, not NoSuchKey.
 */
export interface WriteConditions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: '*';
}

export type WriteConditionOutcome = 'proceed' | 'failed' | 'no-such-key' | 'conflict';

/**
 * @param existedAtArrival whether the key had a current object when the request's conditions
 *   were first checked (before its body was read); undefined when they were not
 */
export function evaluateWriteConditions(conditions: WriteConditions, current: ObjectState | undefined, existedAtArrival?: boolean): WriteConditionOutcome {
  if (conditions.ifNoneMatch === '*' && current) return 'failed';
  if (conditions.ifMatch !== undefined) {
    if (!current) return existedAtArrival ? 'conflict' : 'no-such-key';
    if (!etagListMatches(conditions.ifMatch, current.etag)) return 'failed';
  }
  return 'proceed';
}

/** Throws what S3 answers when a conditional write may not proceed: 412 PreconditionFailed, 404 NoSuchKey or 409 ConditionalRequestConflict. */
export function assertWriteConditions(
  conditions: WriteConditions,
  current: ObjectState | undefined,
  target: { bucket: string; key: string },
  existedAtArrival?: boolean,
): void {
  switch (evaluateWriteConditions(conditions, current, existedAtArrival)) {
    case 'failed':
      throw s3Error('PreconditionFailed', undefined, { Condition: conditions.ifNoneMatch === '*' && current ? 'If-None-Match' : 'If-Match' });
    case 'no-such-key':
      throw s3Error('NoSuchKey', undefined, { Key: target.key, BucketName: target.bucket });
    case 'conflict':
      throw s3Error('ConditionalRequestConflict', undefined, { Key: target.key, BucketName: target.bucket });
    case 'proceed':
      return;
  }
}
