/**
 * Bucket CORS: validating a CORSConfiguration as AWS does on PutBucketCors, and matching a
 * browser's request against its rules (docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html).
 *
 * A rule matches when the Origin matches one of its AllowedOrigins, the method (the
 * Access-Control-Request-Method of a preflight) is one of its AllowedMethods, and, for a
 * preflight, every header in Access-Control-Request-Headers matches one of its
 * AllowedHeaders. Origins and headers may contain one `*` wildcard; origins match
 * case-sensitively, headers case-insensitively. The first matching rule wins.
 */
import { s3Error } from '../errors';

export interface CorsRule {
  readonly id?: string;
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

export const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;
export const MAX_CORS_RULES = 100;

export function assertValidCorsRules(rules: readonly CorsRule[]): void {
  if (rules.length === 0) throw s3Error('MalformedXML');
  if (rules.length > MAX_CORS_RULES) {
    throw s3Error('InvalidRequest', `The number of CORS rules should not exceed allowed limit of ${MAX_CORS_RULES} rules.`);
  }
  for (const rule of rules) {
    if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) throw s3Error('MalformedXML');
    for (const method of rule.allowedMethods) {
      if (!(CORS_METHODS as readonly string[]).includes(method)) {
        throw s3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
      }
    }
    for (const origin of rule.allowedOrigins) {
      if (wildcards(origin) > 1) throw s3Error('InvalidRequest', `AllowedOrigin "${origin}" can not have more than one wildcard.`);
    }
    for (const header of rule.allowedHeaders) {
      if (wildcards(header) > 1) throw s3Error('InvalidRequest', `AllowedHeader "${header}" can not have more than one wildcard.`);
    }
    for (const header of rule.exposeHeaders) {
      if (wildcards(header) > 0) {
        throw s3Error('InvalidRequest', `ExposeHeader "${header}" contains wildcard. We currently do not support wildcard for ExposeHeader.`);
      }
      // It is sent back as a response header value (Access-Control-Expose-Headers): a name only.
      if (!HEADER_NAME.test(header)) throw s3Error('InvalidRequest', `ExposeHeader "${header}" is not a valid HTTP header name.`);
    }
    if (rule.id !== undefined && rule.id.length > 255) throw s3Error('InvalidArgument', 'The ID of a CORS rule must be at most 255 characters long.');
  }
}

/** An HTTP field name: a token (RFC 9110, 5.1 and 5.6.2). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function wildcards(pattern: string): number {
  return pattern.split('*').length - 1;
}

/** `pattern` with at most one `*` standing for any (possibly empty) run of characters. */
function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length >= head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

export interface CorsRequest {
  readonly origin: string;
  /** The request's method, or for a preflight its Access-Control-Request-Method. */
  readonly method: string;
  /** A preflight's Access-Control-Request-Headers (empty for actual requests). */
  readonly requestHeaders: readonly string[];
}

/** The first rule allowing the request, or undefined when none does. */
export function matchCorsRule(rules: readonly CorsRule[], request: CorsRequest): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedOrigins.some((origin) => wildcardMatch(origin, request.origin)) &&
      rule.allowedMethods.includes(request.method) &&
      request.requestHeaders.every((header) => rule.allowedHeaders.some((allowed) => wildcardMatch(allowed.toLowerCase(), header.toLowerCase()))),
  );
}

/** Access-Control-Request-Headers as a list of header names. */
export function parseRequestHeaders(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * The CORS headers S3 adds for a matching rule. A rule allowing any origin (`*`) answers
 * `*` without credentials; otherwise the request's origin is echoed, with credentials allowed.
 */
export function corsHeaders(rule: CorsRule, request: CorsRequest, preflight: boolean): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'access-control-allow-origin': anyOrigin ? '*' : request.origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (preflight && request.requestHeaders.length > 0) headers['access-control-allow-headers'] = request.requestHeaders.join(', ');
  if (rule.exposeHeaders.length > 0) headers['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.maxAgeSeconds);
  return headers;
}
