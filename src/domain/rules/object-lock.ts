/**
 * Object Lock (WORM) as S3 defines it, as pure rules over plain data. The clock is the
 * server's, passed in as `now` (ms): a version is protected while now < retainUntil.
 *
 * - COMPLIANCE: nobody, root included, can delete the version, shorten its retention or
 *   change its mode until it expires; the retention can only be extended.
 * - GOVERNANCE: the same, except for a caller allowed to bypass it who sends
 *   `x-amz-bypass-governance-retention: true` (in cairn: the root user).
 * - Legal hold: blocks deletion while on, whatever the retention; it has no expiry.
 * Deleting without a version id only adds a delete marker, which is always allowed.
 */
import type { BucketRecord } from '../bucket';
import { s3Error } from '../errors';

export type RetentionMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface Retention {
  readonly mode: RetentionMode;
  /** Milliseconds since the epoch. */
  readonly retainUntil: number;
}

/** A bucket's default retention: applied to new versions that name none. */
export interface DefaultRetention {
  readonly mode: RetentionMode;
  readonly days?: number;
  readonly years?: number;
}

export interface ObjectLockConfiguration {
  readonly defaultRetention?: DefaultRetention;
}

/** The lock settings a write asked for (x-amz-object-lock-* headers). */
export interface LockRequest {
  readonly retention?: Retention;
  readonly legalHold?: boolean;
}

/** The lock state a version carries. */
export interface VersionLock {
  readonly retention?: Retention;
  /** ON (true) or explicitly OFF (false); absent: never set, which GetObjectLegalHold says is no configuration. */
  readonly legalHold?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

export function assertObjectLockEnabled(bucket: BucketRecord): void {
  if (!bucket.objectLock) throw s3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
}

/** The lock a new version gets: what the write asked for, else the bucket's default retention. */
export function lockForNewVersion(bucket: BucketRecord, request: LockRequest | undefined, now: number): VersionLock {
  if (!bucket.objectLock) {
    if (request && (request.retention || request.legalHold !== undefined)) assertObjectLockEnabled(bucket);
    return {};
  }
  const retention = request?.retention ?? defaultRetentionFrom(bucket.objectLock.defaultRetention, now);
  if (retention && retention.retainUntil <= now) throw s3Error('InvalidArgument', 'The retain until date must be in the future!');
  return { ...(retention ? { retention } : {}), ...(request?.legalHold !== undefined ? { legalHold: request.legalHold } : {}) };
}

const MAX_RETENTION_YEARS = 100;
const MAX_RETENTION_DAYS = 36_500;

function defaultRetentionFrom(rule: DefaultRetention | undefined, now: number): Retention | undefined {
  if (!rule) return undefined;
  const until = new Date(now);
  if (rule.years) until.setUTCFullYear(until.getUTCFullYear() + rule.years);
  return { mode: rule.mode, retainUntil: until.getTime() + (rule.days ?? 0) * DAY_MS };
}

/**
 * AWS wants an integrity digest (Content-MD5 or an x-amz-checksum-*) sent with bytes Object
 * Lock will protect, so that what is locked is what the client sent: a write naming lock
 * settings, or one into a bucket with a default retention.
 * @param digestSent undefined where the request has no body of its own (a copy)
 */
export function assertLockedWriteDigest(
  bucket: { readonly objectLock?: ObjectLockConfiguration },
  lock: LockRequest | undefined,
  digestSent: boolean | undefined,
  operation: 'Put Object' | 'Put Part',
): void {
  if (digestSent !== false || (!lock && !bucket.objectLock?.defaultRetention)) return;
  throw s3Error('InvalidRequest', `Content-MD5 OR x-amz-checksum- HTTP header is required for ${operation} requests with Object Lock parameters`);
}

/** AWS's words for a delete that Object Lock refuses (legal hold or retention alike). */
const OBJECT_LOCKED = 'Access Denied because object protected by object lock.';

export function isUnderRetention(lock: VersionLock, now: number): boolean {
  return lock.retention !== undefined && retentionActive(lock.retention, now);
}

/**
 * A retention protects until its date. One whose date is not a finite number (NaN in memory,
 * null once the log's JSON is read back: written before default retentions were capped at 100
 * years) protects for good rather than releasing the version.
 */
function retentionActive(retention: Retention, now: number): boolean {
  const until: unknown = retention.retainUntil;
  return typeof until !== 'number' || !Number.isFinite(until) || now < until;
}

/** DeleteObject (or DeleteObjects) naming this version: refused while it is protected. */
export function assertVersionDeletable(lock: VersionLock, options: { bypassGovernance: boolean }, now: number): void {
  if (lock.legalHold) throw s3Error('AccessDenied', OBJECT_LOCKED);
  if (!isUnderRetention(lock, now)) return;
  if (lock.retention!.mode === 'GOVERNANCE' && options.bypassGovernance) return;
  throw s3Error('AccessDenied', OBJECT_LOCKED);
}

/**
 * PutObjectRetention: extending is always allowed; shortening, removing or changing the mode
 * of an active retention is refused for COMPLIANCE and allowed for GOVERNANCE only with bypass.
 */
export function assertRetentionChange(
  current: Retention | undefined,
  next: Retention | undefined,
  options: { bypassGovernance: boolean },
  now: number,
): void {
  if (next && next.retainUntil <= now) throw s3Error('InvalidArgument', 'The retain until date must be in the future!');
  if (!current || !retentionActive(current, now)) return;
  const extends_ = next !== undefined && next.mode === current.mode && next.retainUntil >= current.retainUntil;
  if (extends_) return;
  if (current.mode === 'GOVERNANCE' && options.bypassGovernance) return;
  // GOVERNANCE may be raised to COMPLIANCE (not shortened); nothing is ever lowered.
  if (current.mode === 'GOVERNANCE' && next?.mode === 'COMPLIANCE' && next.retainUntil >= current.retainUntil) return;
  throw s3Error('AccessDenied', 'Access Denied because object protected by object lock.');
}

/** ObjectLockConfiguration's default retention: a mode and exactly one of Days or Years, positive. */
export function assertValidDefaultRetention(rule: { mode?: string; days?: number; years?: number }): DefaultRetention {
  if (rule.mode !== 'GOVERNANCE' && rule.mode !== 'COMPLIANCE') throw s3Error('MalformedXML');
  const hasDays = rule.days !== undefined;
  const hasYears = rule.years !== undefined;
  if (hasDays === hasYears) throw s3Error('MalformedXML');
  const count = (hasDays ? rule.days : rule.years)!;
  if (!Number.isInteger(count) || count <= 0) {
    throw s3Error('InvalidArgument', 'Default retention period must be a positive integer value.', { ArgumentName: hasDays ? 'Days' : 'Years' });
  }
  // AWS's longest retention is 100 years. Past it a date would not even be representable, and
  // a version whose retain-until date is not a date must never read as unprotected.
  if (count > (hasDays ? MAX_RETENTION_DAYS : MAX_RETENTION_YEARS)) {
    throw s3Error('InvalidArgument', `Default retention period must not exceed ${MAX_RETENTION_DAYS} days or ${MAX_RETENTION_YEARS} years.`, {
      ArgumentName: hasDays ? 'Days' : 'Years',
    });
  }
  return { mode: rule.mode, ...(hasDays ? { days: count } : { years: count }) };
}
