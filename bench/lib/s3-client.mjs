// Minimal S3 client for the load generator: keep-alive connections,
// path-style URLs, SigV4 headers, and verification of everything that comes
// back. Kept lean on purpose - client CPU is taken from the same two cores the
// servers use. Two transports with one interface (see README, "client"):
//   lean      - bench/lib/http-lean.mjs, reused read buffers (default)
//   node-http - node:http with http.Agent({ keepAlive: true })
import http from 'node:http';
import { SigV4Signer, EMPTY_SHA256, UNSIGNED_PAYLOAD, objectPath, canonicalQuery } from './sigv4-signer.mjs';
import { sha256Of } from './content.mjs';
import { BenchError } from './errors.mjs';
import { LeanPool } from './http-lean.mjs';

export { BenchError };

// ---- response sinks: get (status, headers), then body bytes as (buf, start, end)
// views that are only valid during the call, then end() -> result or throw.

class Sink {
  constructor(what, okStatus = 200) {
    this.what = what;
    this.okStatus = okStatus;
    this.status = 0;
    this.headers = null;
    this.errText = null;
  }
  onHead(status, headers) {
    this.status = status;
    this.headers = headers;
    if (status !== this.okStatus) this.errText = [];
  }
  onData(buf, s, e) {
    if (this.errText) this.errText.push(Buffer.from(buf.subarray(s, e)));
    else this.data(buf, s, e);
  }
  onEnd() {
    if (this.errText) {
      const body = Buffer.concat(this.errText).toString('utf8').slice(0, 400).replace(/\s+/g, ' ');
      throw new BenchError('http', `${this.what} -> HTTP ${this.status}: ${body}`);
    }
    return this.end();
  }
  data() {}
  end() {}
}

class PutSink extends Sink {
  constructor(what, body) {
    super(what);
    this.body = body;
  }
  end() {
    const etag = this.headers.etag;
    if (etag !== this.body.etag)
      throw new BenchError('mismatch', `${this.what}: ETag ${etag} but the MD5 of the body sent is ${this.body.etag}`);
    return this.body.buf.length;
  }
}

/** Compares every received byte with the expected body, in place (no copies). */
class GetSink extends Sink {
  constructor(what, body) {
    super(what);
    this.body = body;
    this.off = 0;
    this.bad = null;
  }
  data(buf, s, e) {
    if (this.bad) return;
    const exp = this.body.buf;
    const end = this.off + (e - s);
    if (end > exp.length || exp.compare(buf, s, e, this.off, end) !== 0)
      this.bad = `content differs from the expected bytes in [${this.off}, ${end})`;
    this.off = end;
  }
  end() {
    const exp = this.body;
    if (!this.bad && this.off !== exp.buf.length) this.bad = `got ${this.off} bytes, expected ${exp.buf.length}`;
    if (!this.bad && this.headers.etag !== exp.etag) this.bad = `ETag ${this.headers.etag}, expected ${exp.etag}`;
    if (this.bad) throw new BenchError('mismatch', `${this.what}: ${this.bad}`);
    return this.off;
  }
}

class TextSink extends Sink {
  constructor(what, okStatus, parse) {
    super(what, okStatus);
    this.parse = parse;
    this.chunks = [];
    this.n = 0;
  }
  data(buf, s, e) {
    this.chunks.push(Buffer.from(buf.subarray(s, e))); // copy: the view is reused
    this.n += e - s;
  }
  end() {
    return this.parse(Buffer.concat(this.chunks, this.n).toString('latin1'), this.n);
  }
}

// ---- transports

class NodeHttpTransport {
  constructor({ host, port, maxSockets }) {
    this.host = host;
    this.port = port;
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }
  request(method, path, headers, body, sink, what) {
    return new Promise((resolve, reject) => {
      const req = http.request({ agent: this.agent, host: this.host, port: this.port, method, path, headers }, (res) => {
        sink.onHead(res.statusCode, res.headers);
        res.on('data', (c) => sink.onData(c, 0, c.length));
        res.on('end', () => {
          try {
            resolve(sink.onEnd());
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', (e) => reject(new BenchError('network', `${what}: ${e.message}`)));
      });
      req.on('error', (e) => reject(new BenchError('network', `${what}: ${e.message}`)));
      req.setTimeout(120_000, () => req.destroy(new Error('no response within 120 s')));
      req.end(body);
    });
  }
  close() {
    this.agent.destroy();
  }
}

export const TRANSPORTS = ['lean', 'node-http'];

export class S3Client {
  /**
   * @param {object} o
   * @param {number} o.port
   * @param {string} o.accessKey
   * @param {string} o.secretKey
   * @param {boolean} [o.signedPayload] send the body's SHA-256 instead of UNSIGNED-PAYLOAD + CRC32
   * @param {'lean'|'node-http'} [o.transport]
   * @param {number} [o.maxSockets]
   */
  constructor({ host = '127.0.0.1', port, accessKey, secretKey, signedPayload = false, transport = 'lean', maxSockets = 16 }) {
    this.hostHeader = `${host}:${port}`;
    this.signer = new SigV4Signer({ accessKey, secretKey });
    this.signedPayload = signedPayload;
    this.http = transport === 'node-http' ? new NodeHttpTransport({ host, port, maxSockets }) : new LeanPool({ host, port, maxSockets });
  }

  close() {
    this.http.close();
  }

  #send(method, path, query, headers, payloadHash, body, sink) {
    headers.host = this.hostHeader;
    this.signer.sign(method, path, query, headers, payloadHash);
    return this.http.request(method, query ? path + '?' + query : path, headers, body, sink, sink.what);
  }

  /** PUT an object whose content is a pool body (see content.mjs). Verifies the ETag. */
  put(bucket, key, body) {
    const headers = { 'content-length': String(body.buf.length) };
    let hash;
    if (this.signedPayload) hash = sha256Of(body);
    else {
      hash = UNSIGNED_PAYLOAD;
      headers['x-amz-checksum-crc32'] = body.crc32;
    }
    const path = objectPath(bucket, key);
    return this.#send('PUT', path, '', headers, hash, body.buf, new PutSink(`PUT ${path}`, body));
  }

  /** GET an object and compare every byte and the ETag with the expected pool body. */
  get(bucket, key, body) {
    const path = objectPath(bucket, key);
    return this.#send('GET', path, '', {}, EMPTY_SHA256, undefined, new GetSink(`GET ${path}`, body));
  }

  /** One ListObjectsV2 page. Resolves { keys, truncated, next, keyCount, bytes }. */
  listPage(bucket, maxKeys, token) {
    const params = { 'list-type': '2', 'max-keys': String(maxKeys) };
    if (token !== undefined) params['continuation-token'] = token;
    const path = objectPath(bucket);
    const sink = new TextSink(`LIST ${path}`, 200, (xml, bytes) => {
      const page = parseListPage(xml);
      page.bytes = bytes;
      return page;
    });
    return this.#send('GET', path, canonicalQuery(params), {}, EMPTY_SHA256, undefined, sink);
  }

  async createBucket(bucket) {
    const path = objectPath(bucket);
    try {
      await this.#send('PUT', path, '', { 'content-length': '0' }, EMPTY_SHA256, undefined, new Sink(`PUT ${path}`));
    } catch (e) {
      // BucketAlreadyOwnedByYou is fine when re-running against a server.
      if (!(e.kind === 'http' && /\b409\b/.test(e.message))) throw e;
    }
  }

  /** Signed ListBuckets (GET /): decides that a server is up and speaks S3. */
  listBuckets() {
    const sink = new TextSink('GET /', 200, (xml) => {
      if (!xml.includes('ListAllMyBucketsResult')) throw new BenchError('http', `GET / -> not a ListBuckets reply: ${xml.slice(0, 300)}`);
      return xml;
    });
    return this.#send('GET', '/', '', {}, EMPTY_SHA256, undefined, sink);
  }
}

// indexOf-based extraction: a full XML parser would cost the client more than
// some servers spend producing the page. Bench keys need no unescaping.
function between(xml, tag) {
  const open = '<' + tag + '>';
  const i = xml.indexOf(open);
  if (i < 0) return null;
  const j = xml.indexOf('</' + tag + '>', i + open.length);
  return j < 0 ? null : xml.slice(i + open.length, j);
}

export function parseListPage(xml) {
  if (!xml.includes('<ListBucketResult')) throw new BenchError('mismatch', `not a ListBucketResult: ${xml.slice(0, 200)}`);
  const keys = [];
  let i = 0;
  for (;;) {
    const a = xml.indexOf('<Key>', i);
    if (a < 0) break;
    const b = xml.indexOf('</Key>', a + 5);
    keys.push(xml.slice(a + 5, b));
    i = b + 6;
  }
  const next = between(xml, 'NextContinuationToken');
  const keyCount = between(xml, 'KeyCount');
  return {
    keys,
    truncated: between(xml, 'IsTruncated') === 'true',
    next: next === null ? undefined : unescapeXml(next),
    keyCount: keyCount === null ? null : Number(keyCount),
  };
}

function unescapeXml(s) {
  if (!s.includes('&')) return s;
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e) =>
    e[0] !== '#' ? named[e] ?? m : String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}
