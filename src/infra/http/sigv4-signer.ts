/**
 * Signing requests with SigV4 (Authorization header, unsigned payload): what cairn's own
 * command-line clients (`cairn admin ... --endpoint`) send to a running server.
 */
import { createHash, createHmac } from 'node:crypto';
import { signingKey, UNSIGNED_PAYLOAD } from './sigv4';
import { uriEncode } from './uri-encode';

export interface RequestToSign {
  readonly method: string;
  readonly url: URL;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly now?: Date;
}

/** The headers to send: host, x-amz-date, x-amz-content-sha256 and Authorization. */
export function signRequest(request: RequestToSign): Record<string, string> {
  const amzDate = (request.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: request.url.host, 'x-amz-content-sha256': UNSIGNED_PAYLOAD, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const query = [...request.url.searchParams.entries()]
    .map(([name, value]) => [uriEncode(name), uriEncode(value)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalRequest = [
    request.method,
    request.url.pathname,
    query,
    names.map((name) => `${name}:${headers[name]}\n`).join(''),
    names.join(';'),
    UNSIGNED_PAYLOAD,
  ].join('\n');
  const scope = `${date}/${request.region}/s3/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signature = createHmac('sha256', signingKey(request.secretKey, date, request.region, 's3')).update(stringToSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${request.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
