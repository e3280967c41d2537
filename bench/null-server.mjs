#!/usr/bin/env node
// The "null" S3 server: the ceiling of what this machine can do over HTTP.
// It answers at once, stores nothing and checks nothing, but its replies look
// like S3's (status, ETag, sizes, XML), so the load generator runs exactly the
// same receive and verification path as against a real server:
//   PUT object   -> body discarded, 200 + the ETag the key's content implies
//   GET object   -> the key's deterministic content (see lib/content.mjs)
//   ListObjectsV2 on the listing bucket -> precomputed 1000-key pages
//   GET /        -> ListBuckets
// Usage: node bench/null-server.mjs --port N [--address 127.0.0.1]
import http from 'node:http';
import { bodyForKey, listKeysSorted, LIST_BUCKET, LIST_PAGE, pool } from './lib/content.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const port = Number(opt('--port', 9100));
const address = opt('--address', '127.0.0.1');

const LAST_MODIFIED = new Date().toUTCString();
const ISO_NOW = new Date().toISOString();
const XML = 'application/xml';

const listBuckets = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Owner><ID>null</ID><DisplayName>null</DisplayName></Owner><Buckets>' +
    ['bench', LIST_BUCKET].map((b) => `<Bucket><Name>${b}</Name><CreationDate>${ISO_NOW}</CreationDate></Bucket>`).join('') +
    '</Buckets></ListAllMyBucketsResult>',
);

// Pages keyed by continuation token ('' = first page); tokens are opaque to clients.
const pages = new Map();
{
  const keys = listKeysSorted();
  const etag = bodyForKey(keys[0]).etag.replace(/"/g, '&quot;');
  const size = bodyForKey(keys[0]).buf.length;
  for (let p = 0, start = 0; start < keys.length; p++, start += LIST_PAGE) {
    const slice = keys.slice(start, start + LIST_PAGE);
    const truncated = start + LIST_PAGE < keys.length;
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${LIST_BUCKET}</Name><Prefix></Prefix>` +
      (p ? `<ContinuationToken>page-${p}</ContinuationToken>` : '') +
      (truncated ? `<NextContinuationToken>page-${p + 1}</NextContinuationToken>` : '') +
      `<KeyCount>${slice.length}</KeyCount><MaxKeys>${LIST_PAGE}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
      slice
        .map(
          (k) =>
            `<Contents><Key>${k}</Key><LastModified>${ISO_NOW}</LastModified><ETag>${etag}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join('') +
      '</ListBucketResult>';
    pages.set(p ? `page-${p}` : '', Buffer.from(xml));
  }
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'x-amz-request-id': 'null' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const slash = path.indexOf('/', 1);
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));

  if (req.method === 'PUT' || req.method === 'POST') {
    req.resume(); // discard the body, but answer only once it has all arrived
    req.on('end', () => {
      if (!key) return send(res, 200, XML, Buffer.alloc(0));
      res.writeHead(200, { etag: bodyForKey(key).etag, 'content-length': 0, 'x-amz-request-id': 'null' });
      res.end();
    });
    return;
  }
  if (req.method === 'GET' && path === '/') return send(res, 200, XML, listBuckets);
  if (req.method === 'GET' && !key) {
    const params = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
    const page = pages.get(params.get('continuation-token') ?? '');
    if (!page) return send(res, 400, XML, Buffer.from('<Error><Code>InvalidArgument</Code></Error>'));
    return send(res, 200, XML, page);
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    const body = bodyForKey(key);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.buf.length,
      etag: body.etag,
      'last-modified': LAST_MODIFIED,
      'accept-ranges': 'bytes',
      'x-amz-request-id': 'null',
    });
    return req.method === 'HEAD' ? res.end() : res.end(body.buf);
  }
  send(res, 200, XML, Buffer.alloc(0));
});

server.keepAliveTimeout = 60_000;
server.listen(port, address, () => {
  console.log(`null server listening on ${address}:${port}`);
});

// Build every body pool now, before anyone measures anything.
for (const label of ['4k', '1m', '32m', 'list']) pool(label);

// Do not outlive the bench if it dies without cleaning up.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
