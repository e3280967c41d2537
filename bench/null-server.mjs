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
import { createNullHandler, exitWithParent, option } from './lib/null-handler.mjs';

const port = Number(option('--port', 9100));
const address = option('--address', '127.0.0.1');

const server = http.createServer(createNullHandler());
server.keepAliveTimeout = 60_000;
server.listen(port, address, () => console.log(`null server listening on ${address}:${port}`));
exitWithParent();
