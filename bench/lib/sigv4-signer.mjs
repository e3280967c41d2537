// A small AWS Signature V4 signer (Authorization header form), tuned to be
// cheap per request: the signing key is derived once per day, the date strings
// once per second, so a request costs one SHA-256 and one HMAC.
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** The SigV4 signing key of a day (YYYYMMDD), region and service. */
export function signingKey(secretKey, day, region, service = 's3') {
  return hmac(hmac(hmac(hmac('AWS4' + secretKey, day), region), service), 'aws4_request');
}

/** RFC 3986 percent-encoding as SigV4 requires (encodeURIComponent leaves !'()* alone). */
export function uriEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Path-style URI for bucket/key; each segment encoded, slashes kept. */
export function objectPath(bucket, key) {
  if (key === undefined) return '/' + uriEncode(bucket);
  return '/' + uriEncode(bucket) + '/' + key.split('/').map(uriEncode).join('/');
}

/** Canonical (sorted, encoded) query string; also usable as the URL's query. */
export function canonicalQuery(params) {
  if (!params) return '';
  return Object.keys(params)
    .sort()
    .map((k) => uriEncode(k) + '=' + uriEncode(String(params[k])))
    .join('&');
}

export class SigV4Signer {
  constructor({ accessKey, secretKey, region = 'us-east-1', service = 's3' }) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.region = region;
    this.service = service;
    this.sec = -1;
    this.day = '';
    this.amzDate = '';
    this.key = null;
    this.scope = '';
  }

  refreshClock() {
    const sec = Math.floor(Date.now() / 1000);
    if (sec === this.sec) return;
    this.sec = sec;
    const iso = new Date(sec * 1000).toISOString(); // 2024-01-02T03:04:05.000Z
    this.amzDate = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
    const day = this.amzDate.slice(0, 8);
    if (day !== this.day) {
      this.day = day;
      this.key = signingKey(this.secretKey, day, this.region, this.service);
      this.scope = `${day}/${this.region}/${this.service}/aws4_request`;
    }
  }

  /**
   * Adds x-amz-date, x-amz-content-sha256 and Authorization to `headers`
   * (lower-case names; must include `host`). Every header passed in is signed.
   */
  sign(method, path, query, headers, payloadHash) {
    this.refreshClock();
    headers['x-amz-date'] = this.amzDate;
    headers['x-amz-content-sha256'] = payloadHash;
    const names = Object.keys(headers).sort();
    let canonHeaders = '';
    for (const n of names) canonHeaders += n + ':' + headers[n] + '\n';
    const signed = names.join(';');
    const canonical = `${method}\n${path}\n${query}\n${canonHeaders}\n${signed}\n${payloadHash}`;
    const stringToSign =
      'AWS4-HMAC-SHA256\n' + this.amzDate + '\n' + this.scope + '\n' + createHash('sha256').update(canonical).digest('hex');
    const signature = createHmac('sha256', this.key).update(stringToSign).digest('hex');
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${this.accessKey}/${this.scope}, SignedHeaders=${signed}, Signature=${signature}`;
    return headers;
  }
}
