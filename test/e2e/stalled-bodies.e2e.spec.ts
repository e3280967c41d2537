/**
 * Request bodies that stop arriving get AWS's 400 RequestTimeout once the connection has been
 * idle for CAIRN_BODY_IDLE_TIMEOUT (1 s here; 20 s by default, as AWS), the connection closes
 * and nothing is stored; a body that arrives slowly but steadily is never cut off.
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, ListPartsCommand, CreateMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedShards } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { signedHeaders, signedRequest } from '../helpers/signed-request';

const BUCKET = 'stalls';

interface StalledAnswer {
  readonly status: number;
  readonly body: string;
  readonly closed: boolean;
  readonly afterMs: number;
}

describe('stalled request bodies', () => {
  let server: CairnServer;
  let s3: S3Client;

  beforeAll(async () => {
    server = await CairnServer.start({ env: { CAIRN_BODY_IDLE_TIMEOUT: '1' } });
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  /** Sends `sent` of a body declared `declared` bytes long, then nothing; the answer, and whether the server closed. */
  async function stall(path: string, declared: number, sent: Buffer, query = ''): Promise<StalledAnswer> {
    const headers = await signedHeaders(server, 'PUT', path, query ? { query: Object.fromEntries(new URLSearchParams(query)) } : {});
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: query ? `${path}?${query}` : path, headers: { ...headers, 'content-length': String(declared) } });
      request.on('error', () => {}); // the server closes the connection after its answer
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          const socket = request.socket!;
          const answer = (closed: boolean) => resolve({ status: response.statusCode ?? 0, body, closed, afterMs: Date.now() - started });
          if (socket.destroyed || socket.readableEnded) return answer(true);
          socket.once('close', () => answer(true));
          setTimeout(() => answer(false), 3000);
        });
      });
      request.write(sent);
      setTimeout(() => reject(new Error('no answer within 15 s')), 15_000).unref();
    });
  }

  it('a small PutObject whose body stops is 400 RequestTimeout, the connection closes, nothing is stored', async () => {
    const logBefore = server.output.length;
    const answer = await stall(`/${BUCKET}/small`, 100, Buffer.from('0123456789'));
    expect([answer.status, answer.closed]).toEqual([400, true]);
    expect(answer.body).toContain('<Code>RequestTimeout</Code>');
    expect(answer.afterMs).toBeGreaterThanOrEqual(900);
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/small`)).status).toBe(404);
    expect(server.output.slice(logBefore)).not.toMatch(/ERROR|WARN/);
  });

  it('a large PutObject stalled halfway releases the shards it had placed, and stores nothing', async () => {
    const placed = async () => JSON.stringify(await Promise.all(server.drives.map((drive) => committedShards(drive))));
    const before = await placed();
    const logBefore = server.output.length;
    const answer = await stall(`/${BUCKET}/large`, 4 * 1024 * 1024, randomBytes(2 * 1024 * 1024));
    expect([answer.status, answer.closed]).toEqual([400, true]);
    expect(answer.body).toContain('<Code>RequestTimeout</Code>');
    for (let i = 0; i < 100 && (await placed()) !== before; i++) await sleep(50);
    expect(await placed()).toBe(before);
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/large`)).status).toBe(404);
    expect(server.output.slice(logBefore)).not.toMatch(/ERROR|WARN/);
  });

  it('an UploadPart whose body stops records no part', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts' }));
    const answer = await stall(`/${BUCKET}/parts`, 6 * 1024 * 1024, randomBytes(1024 * 1024), `partNumber=1&uploadId=${encodeURIComponent(UploadId!)}`);
    expect([answer.status, answer.closed]).toEqual([400, true]);
    expect(answer.body).toContain('<Code>RequestTimeout</Code>');
    expect((await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: 'parts', UploadId }))).Parts ?? []).toEqual([]);
  });

  it('an Expect: 100-continue client that sends nothing after the 100 is timed out too', async () => {
    const headers = await signedHeaders(server, 'PUT', `/${BUCKET}/continued`);
    const answer = await new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false;
      const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${BUCKET}/continued`, headers: { ...headers, 'content-length': '100', expect: '100-continue' } });
      request.on('error', () => {});
      request.on('continue', () => (continued = true)); // and then no body
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ continued, status: response.statusCode ?? 0, body }));
      });
      request.flushHeaders();
      setTimeout(() => reject(new Error('no answer within 15 s')), 15_000).unref();
    });
    expect([answer.continued, answer.status]).toEqual([true, 400]);
    expect(answer.body).toContain('<Code>RequestTimeout</Code>');
    expect((await signedRequest(server, 'HEAD', `/${BUCKET}/continued`)).status).toBe(404);
  });

  it('a body that arrives slowly but never idles as long as the limit is stored whole', async () => {
    const body = randomBytes(80);
    const headers = await signedHeaders(server, 'PUT', `/${BUCKET}/slow`);
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/${BUCKET}/slow`, headers: { ...headers, 'content-length': String(body.length) } });
      request.on('error', reject);
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      void (async () => {
        // 8 pieces 400 ms apart: 2.8 s in all, never 1 s idle.
        for (let i = 0; i < 8; i++) {
          request.write(body.subarray(i * 10, (i + 1) * 10));
          await sleep(400);
        }
        request.end();
      })();
    });
    expect(status).toBe(200);
    const got = await signedRequest(server, 'GET', `/${BUCKET}/slow`);
    expect(got.body.equals(body)).toBe(true);
  });
});
