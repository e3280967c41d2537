#!/usr/bin/env node
/**
 * Builds lmdb-js's native addon from its sources with one fix, and makes lmdb load it.
 *
 * Why: when a write to the data file fails (a drive that turned read-only, EIO), lmdb-js's
 * LMDB formats a diagnostic with `sprintf` into a 100-byte `malloc` — the message can be
 * longer (it prints uninitialised iovec lengths), so it overruns the heap and the process
 * later aborts in malloc ("invalid next size"). One failing drive then takes the whole
 * server down, which is exactly what erasure coding is meant to survive. The fix bounds
 * every such message with `snprintf` (the buffers are at least 100 bytes). lmdb 3.5.6 ships
 * the bug in its prebuilt binaries, so we compile: lmdb's loader prefers build/Release.
 *
 * Idempotent: does nothing when the sources are patched and the addon is built. Runs as
 * the postinstall step (npm install / npm ci) and in the Dockerfile's build stage.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const lmdbDir = path.join(root, 'node_modules', 'lmdb');
const source = path.join(lmdbDir, 'dependencies/lmdb/libraries/liblmdb/mdb.c');
const addon = path.join(lmdbDir, 'build/Release/lmdb.node');
const UNBOUNDED = 'sprintf(last_error, ';
const BOUNDED = 'snprintf(last_error, 100, ';

function main() {
  if (!existsSync(source)) fail(`lmdb's sources are not at ${source}`);
  const text = readFileSync(source, 'utf8');
  const unbounded = text.split(UNBOUNDED).length - 1;
  if (unbounded > 0) {
    writeFileSync(source, text.replaceAll(UNBOUNDED, BOUNDED));
    console.log(`patch-lmdb: bounded ${unbounded} diagnostic messages in mdb.c`);
  } else if (!text.includes(BOUNDED)) {
    // Neither form: another lmdb release changed this code. Check it for the overrun by hand.
    fail('mdb.c has neither the known unbounded diagnostics nor our fix: review this lmdb release');
  } else if (existsSync(addon)) {
    return; // patched and built
  }
  build();
  if (!existsSync(addon)) fail(`node-gyp finished but ${addon} is missing`);
  console.log('patch-lmdb: built node_modules/lmdb/build/Release/lmdb.node');
}

function build() {
  const nodeGyp = findNodeGyp();
  const args = [nodeGyp, 'rebuild', '--release'];
  const nodedir = findNodeHeaders();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  console.log(`patch-lmdb: compiling lmdb (about a minute)${nodedir ? ` against the headers in ${nodedir}` : ''}`);
  try {
    // Compiler warnings are lmdb's, not ours: shown only when the build fails.
    execFileSync(process.execPath, args, { cwd: lmdbDir, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    process.stderr.write(String(error.stderr ?? '').split('\n').slice(-40).join('\n'));
    fail('compiling lmdb failed (needs python3, make and g++; the end of its output is above)');
  }
}

/** node-gyp as npm ships it (npm runs this script and says where it lives), else a local one. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(path.resolve(path.dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'));
  candidates.push(path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  try {
    return createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return fail('node-gyp not found (it comes with npm)');
  }
}

/** Node's own headers, so node-gyp needs no download: npm's nodedir, else next to this node. */
function findNodeHeaders() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')].filter(Boolean);
  return candidates.find((dir) => existsSync(path.join(dir, 'include/node/node.h')));
}

function fail(reason) {
  console.error(`patch-lmdb: ${reason}`);
  process.exit(1);
}

main();
