/**
 * One SigV4-signed HTTP request against a test server, with the raw status, headers and
 * body: for the details SDKs hide (304 headers, Content-Range on 416, exact error XML).
 */
import * as http from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { ACCESS_KEY, SECRET_KEY, type CairnServer } from './server';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const signer = new SignatureV4({
  credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  region: 'us-east-1',
  service: 's3',
  sha256: Sha256,
});

/** `path` is percent-encoded as it goes on the wire; `query` values are plain. */
export async function signedRequest(
  server: CairnServer,
  method: string,
  path: string,
  options: { query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<RawResponse> {
  const body = options.body ?? Buffer.alloc(0);
  const search = new URLSearchParams(options.query ?? {}).toString().replace(/\+/g, '%20');
  const headers = await signedHeaders(server, method, path, options);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path: search ? `${path}?${search}` : path, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The headers of a SigV4-signed request with an UNSIGNED-PAYLOAD body (for tests that send the body themselves). */
export async function signedHeaders(
  server: CairnServer,
  method: string,
  path: string,
  options: { query?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Record<string, string>> {
  const request = new HttpRequest({
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: server.port,
    path,
    query: options.query ?? {},
    headers: { host: `127.0.0.1:${server.port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...options.headers },
  });
  return (await signer.sign(request)).headers;
}
