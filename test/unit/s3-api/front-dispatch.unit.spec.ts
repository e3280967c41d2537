import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deferContinue } from '../../../src/modules/s3-api/expect-continue';
import { isCairnPath, routeAroundFastify } from '../../../src/modules/s3-api/front-dispatch';

/** Sends one request to the server and returns who answered it. */
function ask(server: Server, method: string, path: string, headers: Record<string, string> = {}): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('routeAroundFastify (a real HTTP server; the replaced listener stands in for Fastify)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serverWithFrontDispatch(): Promise<Server> {
    // The listener passed to createServer is the one Fastify installs on its server.
    const created = createServer((_request: IncomingMessage, response: ServerResponse) => response.end('fastify'));
    deferContinue(created);
    routeAroundFastify(created, (request, response) => response.end(`s3 ${request.method} ${request.url}`));
    await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
    return (server = created);
  }

  it("sends cairn's own API to the listener it replaced and every other request to S3", async () => {
    const front = await serverWithFrontDispatch();
    expect(await ask(front, 'POST', '/.cairn/admin/v1/heal')).toBe('fastify');
    expect(await ask(front, 'GET', '/.cairn/admin/v1/audit/verify?x=1')).toBe('fastify');
    expect(await ask(front, 'GET', '/')).toBe('s3 GET /');
    expect(await ask(front, 'PUT', '/bucket/key%20with%20space?uploadId=1')).toBe('s3 PUT /bucket/key%20with%20space?uploadId=1');
    // Not the admin prefix: a bucket named like it without the dot, a key below it in a bucket.
    expect(await ask(front, 'GET', '/cairn/admin')).toBe('s3 GET /cairn/admin');
    expect(await ask(front, 'GET', '/bucket/.cairn/admin')).toBe('s3 GET /bucket/.cairn/admin');
    // Methods Fastify had no route for reach S3 too, which answers them with its own error.
    expect(await ask(front, 'PROPFIND', '/bucket')).toBe('s3 PROPFIND /bucket');
  });

  it('dispatches Expect: 100-continue requests (re-emitted by deferContinue) the same way', async () => {
    const front = await serverWithFrontDispatch();
    expect(await ask(front, 'PUT', '/bucket/key', { expect: '100-continue', 'content-length': '0' })).toBe('s3 PUT /bucket/key');
    expect(await ask(front, 'POST', '/.cairn/admin/v1/heal', { expect: '100-continue', 'content-length': '0' })).toBe('fastify');
  });

  it('refuses a server with no listener to route around', () => {
    expect(() => routeAroundFastify(createServer(), () => undefined)).toThrow(/no request listener/);
  });

  it('recognises the prefix only at the start of the path', () => {
    expect(isCairnPath('/.cairn/admin/v1/heal')).toBe(true);
    expect(isCairnPath('/.cairn')).toBe(false);
    expect(isCairnPath('/b/.cairn/x')).toBe(false);
    expect(isCairnPath(undefined)).toBe(false);
  });
});
