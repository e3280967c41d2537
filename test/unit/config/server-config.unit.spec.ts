import { describe, expect, it } from 'vitest';
import { expandEllipsis } from '../../../src/config/ellipsis';
import { loadServerConfig, parseAddress } from '../../../src/config/server-config';

describe('ellipsis notation', () => {
  it('expands numeric ranges, keeping zero padding', () => {
    expect(expandEllipsis('./data/disk{1...4}')).toEqual(['./data/disk1', './data/disk2', './data/disk3', './data/disk4']);
    expect(expandEllipsis('/mnt/d{08...11}')).toEqual(['/mnt/d08', '/mnt/d09', '/mnt/d10', '/mnt/d11']);
  });

  it('expands letters and several ellipses', () => {
    expect(expandEllipsis('/x{a...c}')).toEqual(['/x/a', '/x/b', '/x/c'].map((p) => p.replace('/x/', '/x')));
    expect(expandEllipsis('/n{1...2}/d{1...2}')).toEqual(['/n1/d1', '/n1/d2', '/n2/d1', '/n2/d2']);
  });

  it('leaves plain paths alone and refuses reversed ranges', () => {
    expect(expandEllipsis('/data')).toEqual(['/data']);
    expect(() => expandEllipsis('/d{4...1}')).toThrow();
  });
});

describe('server configuration', () => {
  it('parses addresses', () => {
    expect(parseAddress(':9000')).toEqual({ host: undefined, port: 9000 });
    expect(parseAddress('127.0.0.1:9001')).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(parseAddress('[::1]:9002')).toEqual({ host: '::1', port: 9002 });
    expect(() => parseAddress('localhost:port')).toThrow();
  });

  it('takes credentials from CAIRN_* first and MinIO names as aliases', () => {
    expect(loadServerConfig({ drives: ['/d'] }, { MINIO_ROOT_USER: 'alice', MINIO_ROOT_PASSWORD: 'alice-secret' })).toMatchObject({
      rootUser: 'alice',
      rootPassword: 'alice-secret',
    });
    const config = loadServerConfig({ drives: ['/d'] }, { CAIRN_ROOT_USER: 'bob', MINIO_ROOT_USER: 'alice', CAIRN_ROOT_PASSWORD: 'bob-secret' });
    expect(config.rootUser).toBe('bob');
    expect(config.usingDefaultCredentials).toBe(false);
  });

  it('uses minioadmin by default and says so', () => {
    expect(loadServerConfig({ drives: ['/d'] }, {}).usingDefaultCredentials).toBe(true);
  });

  it('refuses short credentials', () => {
    expect(() => loadServerConfig({ drives: ['/d'] }, { CAIRN_ROOT_USER: 'ab' })).toThrow(/at least 3/);
    expect(() => loadServerConfig({ drives: ['/d'] }, { CAIRN_ROOT_PASSWORD: 'short' })).toThrow(/at least 8/);
  });

  it('reads CAIRN_BODY_IDLE_TIMEOUT in seconds (20 by default) and refuses one that is not a positive number', () => {
    expect(loadServerConfig({ drives: ['/d'] }, {}).bodyIdleTimeoutMs).toBe(20_000);
    expect(loadServerConfig({ drives: ['/d'] }, { CAIRN_BODY_IDLE_TIMEOUT: '1.5' }).bodyIdleTimeoutMs).toBe(1500);
    for (const setting of ['0', '-3', 'soon']) expect(() => loadServerConfig({ drives: ['/d'] }, { CAIRN_BODY_IDLE_TIMEOUT: setting }), setting).toThrow(/CAIRN_BODY_IDLE_TIMEOUT/);
  });

  it('reads drives from CAIRN_VOLUMES / MINIO_VOLUMES when none are given', () => {
    expect(loadServerConfig({ drives: [] }, { MINIO_VOLUMES: '/mnt/d{1...2}' }).drives).toEqual(['/mnt/d1', '/mnt/d2']);
  });

  it('enforces a region only when one is configured', () => {
    expect(loadServerConfig({ drives: ['/d'] }, {})).toMatchObject({ region: 'us-east-1', regionEnforced: false });
    expect(loadServerConfig({ drives: ['/d'] }, { MINIO_REGION: 'eu-west-1' })).toMatchObject({ region: 'eu-west-1', regionEnforced: true });
  });
});
