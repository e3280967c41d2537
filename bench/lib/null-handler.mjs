// What the null server answers (see bench/null-server.mjs): replies that look like S3's
// (status, ETag, sizes, XML) for the content every key implies, with nothing stored. The
// durable floor server (bench/durable-server.mjs) answers everything but PUT the same way.
import { bodyForKey, listKeysSorted, LIST_BUCKET, LIST_PAGE, pool } from './content.mjs';

const XML = 'application/xml';

/** Splits a path-style request URL into its path, query and object key ('' for a bucket). */
export function parseTarget(url) {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const slash = path.indexOf('/', 1);
  return { path, query: q < 0 ? '' : url.slice(q + 1), key: slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1)) };
}

export function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'x-amz-request-id': 'null' });
  res.end(body);
}

/** PutObject's answer: 200 with the ETag given. */
export function answerPut(res, etag) {
  res.writeHead(200, { etag, 'content-length': 0, 'x-amz-request-id': 'null' });
  res.end();
}

/** Builds every body pool and listing page now, before anyone measures anything; returns the handler. */
export function createNullHandler() {
  const lastModified = new Date().toUTCString();
  const isoNow = new Date().toISOString();
  const listBuckets = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Owner><ID>null</ID><DisplayName>null</DisplayName></Owner><Buckets>' +
      ['bench', LIST_BUCKET].map((b) => `<Bucket><Name>${b}</Name><CreationDate>${isoNow}</CreationDate></Bucket>`).join('') +
      '</Buckets></ListAllMyBucketsResult>',
  );
  const pages = listingPages(isoNow);
  for (const label of ['4k', '1m', '32m', 'list']) pool(label);

  return (req, res) => {
    const { path, query, key } = parseTarget(req.url);
    if (req.method === 'PUT' || req.method === 'POST') {
      req.resume(); // discard the body, but answer only once it has all arrived
      req.on('end', () => (key ? answerPut(res, bodyForKey(key).etag) : send(res, 200, XML, Buffer.alloc(0))));
      return;
    }
    if (req.method === 'GET' && path === '/') return send(res, 200, XML, listBuckets);
    if (req.method === 'GET' && !key) {
      const page = pages.get(new URLSearchParams(query).get('continuation-token') ?? '');
      if (!page) return send(res, 400, XML, Buffer.from('<Error><Code>InvalidArgument</Code></Error>'));
      return send(res, 200, XML, page);
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const body = bodyForKey(key);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': body.buf.length,
        etag: body.etag,
        'last-modified': lastModified,
        'accept-ranges': 'bytes',
        'x-amz-request-id': 'null',
      });
      return req.method === 'HEAD' ? res.end() : res.end(body.buf);
    }
    send(res, 200, XML, Buffer.alloc(0));
  };
}

/** ListObjectsV2 pages of the listing bucket, keyed by continuation token ('' = first page). */
function listingPages(isoNow) {
  const pages = new Map();
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
            `<Contents><Key>${k}</Key><LastModified>${isoNow}</LastModified><ETag>${etag}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join('') +
      '</ListBucketResult>';
    pages.set(p ? `page-${p}` : '', Buffer.from(xml));
  }
  return pages;
}

/** A server process that must not outlive the bench if it dies without cleaning up. */
export function exitWithParent() {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}

/** `--name value` from argv, or the default. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}
