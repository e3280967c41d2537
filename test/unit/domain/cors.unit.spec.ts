import { describe, expect, it } from 'vitest';
import { decideDeleteBucketCors, decidePutBucketCors } from '../../../src/domain/deciders/cors-decider';
import { isS3Error } from '../../../src/domain/errors';
import { assertValidCorsRules, corsHeaders, matchCorsRule, parseRequestHeaders, type CorsRule } from '../../../src/domain/rules/cors';
import { bucketCreated } from '../../helpers/events';
import { ctx, given } from '../../helpers/given-when-then';

const rule = (overrides: Partial<CorsRule> = {}): CorsRule => ({
  allowedOrigins: ['https://app.example.com'],
  allowedMethods: ['GET', 'PUT'],
  allowedHeaders: ['content-type', 'x-amz-*'],
  exposeHeaders: [],
  ...overrides,
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isS3Error(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('CORS rule matching', () => {
  const rules = [rule({ id: 'app' }), rule({ id: 'any', allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [] })];

  it('matches origin, method and every requested header; the first matching rule wins', () => {
    expect(matchCorsRule(rules, { origin: 'https://app.example.com', method: 'PUT', requestHeaders: ['Content-Type', 'X-Amz-Date'] })?.id).toBe('app');
    expect(matchCorsRule(rules, { origin: 'https://app.example.com', method: 'GET', requestHeaders: [] })?.id).toBe('app');
    expect(matchCorsRule(rules, { origin: 'https://other.example', method: 'GET', requestHeaders: [] })?.id).toBe('any');
  });

  it('refuses an unknown origin, method or header', () => {
    expect(matchCorsRule(rules, { origin: 'https://other.example', method: 'PUT', requestHeaders: [] })).toBeUndefined();
    expect(matchCorsRule(rules, { origin: 'https://app.example.com', method: 'DELETE', requestHeaders: [] })).toBeUndefined();
    expect(matchCorsRule(rules, { origin: 'https://app.example.com', method: 'PUT', requestHeaders: ['authorization'] })).toBeUndefined();
  });

  it('matches origins case-sensitively, with one wildcard anywhere', () => {
    const wild = [rule({ allowedOrigins: ['https://*.example.com'] })];
    expect(matchCorsRule(wild, { origin: 'https://a.b.example.com', method: 'GET', requestHeaders: [] })).toBeDefined();
    expect(matchCorsRule(wild, { origin: 'https://example.com', method: 'GET', requestHeaders: [] })).toBeUndefined();
    expect(matchCorsRule(wild, { origin: 'HTTPS://a.example.com', method: 'GET', requestHeaders: [] })).toBeUndefined();
  });

  it('parses Access-Control-Request-Headers', () => {
    expect(parseRequestHeaders(' content-type , x-amz-date,,')).toEqual(['content-type', 'x-amz-date']);
    expect(parseRequestHeaders(undefined)).toEqual([]);
  });
});

describe('CORS response headers', () => {
  it('echo the origin with credentials for a named origin, and list methods, headers, expose and max age', () => {
    const headers = corsHeaders(rule({ exposeHeaders: ['ETag', 'x-amz-request-id'], maxAgeSeconds: 600 }), { origin: 'https://app.example.com', method: 'PUT', requestHeaders: ['content-type'] }, true);
    expect(headers).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'content-type',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
  });

  it('answer * without credentials for a rule allowing any origin', () => {
    const headers = corsHeaders(rule({ allowedOrigins: ['*'] }), { origin: 'https://x.test', method: 'GET', requestHeaders: [] }, false);
    expect(headers['access-control-allow-origin']).toBe('*');
    expect(headers).not.toHaveProperty('access-control-allow-credentials');
    expect(headers).not.toHaveProperty('access-control-allow-headers');
  });
});

describe('CORS configuration validation', () => {
  it('refuses unsupported methods, double wildcards and wildcard expose headers as InvalidRequest', () => {
    expect(codeOf(() => assertValidCorsRules([rule({ allowedMethods: ['PATCH'] })]))).toBe(
      'InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is PATCH',
    );
    expect(codeOf(() => assertValidCorsRules([rule({ allowedOrigins: ['http://*.*.com'] })]))).toMatch(/^InvalidRequest: AllowedOrigin/);
    expect(codeOf(() => assertValidCorsRules([rule({ allowedHeaders: ['*-*'] })]))).toMatch(/^InvalidRequest: AllowedHeader/);
    expect(codeOf(() => assertValidCorsRules([rule({ exposeHeaders: ['x-*'] })]))).toMatch(/^InvalidRequest: ExposeHeader/);
  });

  it('refuses expose headers that are not HTTP header names (they are sent back as a header value)', () => {
    for (const header of ['x-€', 'x-a b', 'x-a,b', 'x-a\r\nset-cookie: x', '', 'x:y']) {
      expect(codeOf(() => assertValidCorsRules([rule({ exposeHeaders: [header] })])), JSON.stringify(header)).toBe(
        `InvalidRequest: ExposeHeader "${header}" is not a valid HTTP header name.`,
      );
    }
    expect(codeOf(() => assertValidCorsRules([rule({ exposeHeaders: ['ETag', 'x-amz-meta-custom', 'x-amz-request-id'] })]))).toBe('no error');
  });

  it('needs 1 to 100 rules, each with an origin and a method', () => {
    expect(codeOf(() => assertValidCorsRules([]))).toMatch(/^MalformedXML/);
    expect(codeOf(() => assertValidCorsRules(Array.from({ length: 101 }, () => rule())))).toMatch(/^InvalidRequest/);
    expect(codeOf(() => assertValidCorsRules([rule({ allowedOrigins: [] })]))).toMatch(/^MalformedXML/);
    expect(codeOf(() => assertValidCorsRules([rule({ allowedMethods: [] })]))).toMatch(/^MalformedXML/);
    expect(codeOf(() => assertValidCorsRules(Array.from({ length: 100 }, () => rule())))).toBe('no error');
  });
});

describe('Put/DeleteBucketCors', () => {
  it('stores the rules on the bucket and removes them', () => {
    const { state } = given(bucketCreated('b'))
      .when((s) => decidePutBucketCors(s.getBucket('b'), { bucket: 'b', rules: [rule()] }, ctx()))
      .then({ type: 'BucketCorsPut', rules: [rule()] });
    expect(state.getBucket('b')?.cors).toEqual([rule()]);
    const deleted = decideDeleteBucketCors(state.getBucket('b'), { bucket: 'b' }, ctx())!;
    state.apply(deleted);
    expect(state.getBucket('b')).not.toHaveProperty('cors');
  });

  it('refuses a missing bucket and an invalid configuration; deleting nothing records nothing', () => {
    given()
      .when((s) => decidePutBucketCors(s.getBucket('b'), { bucket: 'b', rules: [rule()] }, ctx()))
      .thenThrows('NoSuchBucket');
    given(bucketCreated('b'))
      .when((s) => decidePutBucketCors(s.getBucket('b'), { bucket: 'b', rules: [rule({ allowedMethods: ['TRACE'] })] }, ctx()))
      .thenThrows('InvalidRequest');
    given(bucketCreated('b'))
      .when((s) => decideDeleteBucketCors(s.getBucket('b'), { bucket: 'b' }, ctx()))
      .then(undefined);
  });
});
