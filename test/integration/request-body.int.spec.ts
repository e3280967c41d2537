/**
 * Reading a request body whole (payloadOf(...).readAll, the small-PUT path) from a real HTTP
 * request on loopback: the bytes and their digests, and a client that stops halfway.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { payloadOf } from '../../src/modules/s3-api/request-body';
import type { S3Call } from '../../src/modules/s3-api/s3-call';

type Outcome = { body: Buffer; md5Hex: string } | { error: unknown };

/** A server whose one request's body is read with readAll; resolves with what came of it. */
async function serveOneBody(): Promise<{ port: number; outcome: Promise<Outcome>; close(): void }> {
  let report!: (outcome: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => (report = resolve));
  const server = http.createServer((request, response) => {
    const call = { request, auth: { accessKey: 'a', region: 'us-east-1', payload: { kind: 'unsigned' } } } as unknown as S3Call;
    const payload = payloadOf(call, { lengthRequired: true });
    payload
      .readAll!()
      .then(async (body) => ({ body, md5Hex: (await payload.finish()).md5Hex }))
      .then(report, (error: unknown) => report({ error }))
      .finally(() => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, outcome, close: () => server.close() };
}

describe('a plain request body read whole', () => {
  const closers: Array<() => void> = [];
  afterEach(() => closers.splice(0).forEach((close) => close()));

  it('gives the bytes sent in several writes, and their MD5', async () => {
    const server = await serveOneBody();
    closers.push(server.close);
    const parts = [randomBytes(1000), randomBytes(3000), randomBytes(96)];
    const body = Buffer.concat(parts);
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: '/b/k', headers: { 'content-length': String(body.length) } });
    request.on('response', (response) => response.resume());
    for (const part of parts) request.write(part);
    request.end();
    const outcome = await server.outcome;
    expect(outcome).toEqual({ body, md5Hex: createHash('md5').update(body).digest('hex') });
  });

  it('fails, as a reset connection, when the client hangs up halfway', async () => {
    const server = await serveOneBody();
    closers.push(server.close);
    const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: '/b/k', headers: { 'content-length': '8192' } });
    request.on('error', () => {}); // the hang-up below
    request.write(randomBytes(1000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    request.destroy();
    const outcome = await server.outcome;
    expect(outcome).toEqual({ error: expect.objectContaining({ code: 'ECONNRESET' }) });
  });
});
