import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/modules/s3-api/s3-request';
import { resolveOperation } from '../../../src/modules/s3-api/s3-routes';

const route = (method: string, url: string, headers: Record<string, string> = {}) => resolveOperation(method, parseTarget(url, 'localhost', []), headers);

describe('object routes', () => {
  it('a PUT with x-amz-copy-source is CopyObject, without it PutObject', () => {
    expect(route('PUT', '/b/k', { 'x-amz-copy-source': 'a/b' })).toBe('CopyObject');
    expect(route('PUT', '/b/k')).toBe('PutObject');
  });

  it('GET ?attributes is GetObjectAttributes; GET and HEAD ?partNumber are GetObject and HeadObject', () => {
    expect(route('GET', '/b/k?attributes')).toBe('GetObjectAttributes');
    expect(route('GET', '/b/k?partNumber=1')).toBe('GetObject');
    expect(route('HEAD', '/b/k?partNumber=1')).toBe('HeadObject');
  });
});
