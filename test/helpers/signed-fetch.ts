/**
 * A SigV4-signed request with exactly the headers and body a test chooses (no SDK
 * middleware adding checksums): for the malformed and incomplete requests real clients
 * never send.
 */
import { createHash } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest, buildQueryString } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { ACCESS_KEY, SECRET_KEY, type CairnServer } from './server';

export interface SignedFetchInput {
  method: string;
  /** Path as sent (already percent-encoded), e.g. `/bucket/key`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface FetchedResponse {
  status: number;
  headers: Headers;
  body: string;
}

export async function signedFetch(server: CairnServer, input: SignedFetchInput): Promise<FetchedResponse> {
  const body = input.body === undefined ? Buffer.alloc(0) : Buffer.from(input.body);
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const host = `127.0.0.1:${server.port}`;
  const request = new HttpRequest({
    method: input.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: server.port,
    path: input.path,
    query: input.query ?? {},
    headers: { host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), ...input.headers },
    body,
  });
  const signed = (await signer.sign(request)) as HttpRequest;
  const query = buildQueryString(signed.query);
  const headers = { ...signed.headers };
  delete headers.host;
  const response = await fetch(`${server.endpoint}${signed.path}${query ? `?${query}` : ''}`, {
    method: signed.method,
    headers,
    body: body.length > 0 ? body : undefined,
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

export const md5Base64 = (body: string | Buffer) => createHash('md5').update(body).digest('base64');
