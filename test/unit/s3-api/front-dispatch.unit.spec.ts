import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deferContinue } from '../../../src/modules/s3-api/expect-continue';
import { isCairnPath, routeAroundFastify, type S3Handler } from '../../../src/modules/s3-api/front-dispatch';

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

  const unanswered: unknown[] = [];
  async function serverWithFrontDispatch(serve?: S3Handler): Promise<Server> {
    // The listener passed to createServer is the one Fastify installs on its server.
    const created = createServer((_request: IncomingMessage, response: ServerResponse) => response.end('fastify'));
    deferContinue(created);
    routeAroundFastify(created, {
      serve: serve ?? (async (request, response) => void response.end(`s3 ${request.method} ${request.url}`)),
      refuseWhileClosing: async (request, response) => {
        response.setHeader('connection', 'close');
        response.end(`closing ${request.url}`);
      },
      onUnanswered: (error) => unanswered.push(error),
    });
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

  it('cuts the connection of a request whose handler rejected, says why, and goes on serving', async () => {
    let calls = 0;
    const front = await serverWithFrontDispatch(async (_request, response) => {
      if (++calls === 1) throw new Error('the error answer failed too');
      response.end('served');
    });
    await expect(ask(front, 'GET', '/bucket/key')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(unanswered.splice(0).map(String)).toEqual(['Error: the error answer failed too']);
    expect(await ask(front, 'GET', '/bucket/key')).toBe('served');
  });

  it('once the server stops listening, an S3 request on a connection kept alive is refused and the connection closed', async () => {
    let underWay!: () => void;
    const slowArrived = new Promise<void>((resolve) => (underWay = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const front = await serverWithFrontDispatch(async (request, response) => {
      if (request.url === '/bucket/slow') {
        underWay();
        await released;
      }
      response.end(`s3 ${request.method} ${request.url}`);
    });
    const { port } = front.address() as AddressInfo;
    // One socket, kept alive: the second request goes on the connection of the first.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ body: string; connection: string | undefined }>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ body, connection: res.headers.connection }));
        })
          .on('error', reject)
          .end();
      });
    const slow = get('/bucket/slow');
    await slowArrived;
    const next = get('/bucket/next');
    front.close(); // stops listening; the busy connection stays
    server = undefined;
    release();
    expect(await slow).toEqual({ body: 's3 GET /bucket/slow', connection: 'keep-alive' });
    expect(await next).toEqual({ body: 'closing /bucket/next', connection: 'close' });
    agent.destroy();
  });

  it('refuses a server with no listener to route around', () => {
    const handlers = { serve: async () => undefined, refuseWhileClosing: async () => undefined, onUnanswered: () => undefined };
    expect(() => routeAroundFastify(createServer(), handlers)).toThrow(/no request listener/);
  });

  it('recognises the prefix only at the start of the path', () => {
    expect(isCairnPath('/.cairn/admin/v1/heal')).toBe(true);
    expect(isCairnPath('/.cairn')).toBe(false);
    expect(isCairnPath('/b/.cairn/x')).toBe(false);
    expect(isCairnPath(undefined)).toBe(false);
  });
});
