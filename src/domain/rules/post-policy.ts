/**
 * Browser-form upload (POST Object) policies: the base64 JSON document a form carries,
 * its expiration and its conditions, checked against the form's fields. Pure: the time
 * comes in as an argument.
 *
 * A policy is `{ "expiration": ISO 8601, "conditions": [...] }` where a condition is
 * `{ "field": "value" }` (exact match), `["eq", "$field", "value"]`,
 * `["starts-with", "$field", "prefix"]` or `["content-length-range", min, max]`.
 * Every form field but the signature's own and x-ignore-* ones must be named by a condition.
 * Reference: docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
import { S3Error } from '../errors';

export type PolicyCondition =
  | { readonly kind: 'eq' | 'starts-with'; readonly field: string; readonly value: string; readonly source: string }
  | { readonly kind: 'content-length-range'; readonly min: number; readonly max: number };

export interface PostPolicy {
  /** Milliseconds since the epoch. */
  readonly expiration: number;
  readonly conditions: readonly PolicyCondition[];
}

export interface LengthRange {
  readonly min: number;
  readonly max: number;
}

/** Fields a policy need not mention: the signature's own and the file. */
const EXEMPT_FIELDS = new Set(['policy', 'signature', 'awsaccesskeyid', 'x-amz-signature', 'file']);

function invalid(reason: string): S3Error {
  return new S3Error('InvalidPolicyDocument', `Invalid Policy: ${reason}`);
}

function denied(reason: string): S3Error {
  return new S3Error('AccessDenied', `Invalid according to Policy: ${reason}`);
}

/** Decodes and validates a policy document. Throws InvalidPolicyDocument. */
export function parsePostPolicy(base64: string): PostPolicy {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalid('Invalid JSON.');
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string') throw invalid('Policy missing expiration.');
  const expires = Date.parse(expiration);
  if (Number.isNaN(expires)) throw invalid(`Invalid 'expiration' value: '${expiration}'`);
  if (!Array.isArray(conditions)) throw invalid('Policy missing conditions.');
  return { expiration: expires, conditions: conditions.map(parseCondition) };
}

function parseCondition(condition: unknown): PolicyCondition {
  if (Array.isArray(condition)) {
    const [operator, first, second] = condition as unknown[];
    const op = typeof operator === 'string' ? operator.toLowerCase() : '';
    if (op === 'content-length-range') {
      const min = Number(first);
      const max = Number(second);
      if (condition.length !== 3 || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
        throw invalid('Invalid content-length-range condition.');
      }
      return { kind: 'content-length-range', min, max };
    }
    if ((op === 'eq' || op === 'starts-with') && condition.length === 3 && typeof first === 'string' && first.startsWith('$') && typeof second === 'string') {
      return { kind: op, field: first.slice(1).toLowerCase(), value: second, source: JSON.stringify(condition) };
    }
    throw invalid(`Invalid condition: ${JSON.stringify(condition)}`);
  }
  if (typeof condition === 'object' && condition !== null) {
    const entries = Object.entries(condition);
    if (entries.length === 1 && typeof entries[0]![1] === 'string') {
      const [field, value] = entries[0] as [string, string];
      return { kind: 'eq', field: field.toLowerCase(), value, source: JSON.stringify(condition) };
    }
  }
  throw invalid(`Invalid condition: ${JSON.stringify(condition)}`);
}

/**
 * Checks the policy against the form (lowercase field names; `bucket` is the bucket the
 * form was posted to, `key` the key after ${filename} substitution). Returns the allowed
 * file length range. Throws AccessDenied "Invalid according to Policy: ...".
 */
export function checkPostPolicy(policy: PostPolicy, fields: ReadonlyMap<string, string>, now: Date): LengthRange {
  if (now.getTime() > policy.expiration) throw denied('Policy expired.');
  let range: LengthRange = { min: 0, max: Number.MAX_SAFE_INTEGER };
  const named = new Set<string>();
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') {
      range = { min: condition.min, max: condition.max };
      continue;
    }
    named.add(condition.field);
    const value = fields.get(condition.field) ?? '';
    const holds = condition.kind === 'eq' ? value === condition.value : value.startsWith(condition.value);
    if (!holds) throw denied(`Policy Condition failed: ${condition.source}`);
  }
  const extra = [...fields.keys()].filter((name) => !named.has(name) && !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && name !== 'bucket');
  if (extra.length > 0) throw denied(`Extra input fields: ${extra.join(', ')}`);
  return range;
}
