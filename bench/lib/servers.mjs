// Starting, probing and stopping the servers under test. Each server runs as
// its own process group (so its helpers die with it), logs to a file in the
// run's temp root (so the bench does not spend CPU reading its output), and is
// only used once a signed ListBuckets succeeds.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from './s3-client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.resolve(here, '..');
export const REPO_DIR = path.resolve(BENCH_DIR, '..');

export const SERVER_NAMES = ['null', 'durable', 'cairn', 's3rver'];

/** How to run each server. dataDir is a fresh directory under the temp root. */
const DEFS = {
  null: {
    creds: { accessKey: 'benchadmin', secretKey: 'benchadmin-secret' }, // not checked
    cmd: (port) => [process.execPath, [path.join(BENCH_DIR, 'null-server.mjs'), '--port', String(port)]],
    startTimeoutMs: 20_000,
  },
  durable: {
    creds: { accessKey: 'benchadmin', secretKey: 'benchadmin-secret' },
    prepare(dataDir) {
      // It loads cairn's codec, bitrot hash and group commit from dist/.
      const codec = path.join(REPO_DIR, 'dist', 'src', 'infra', 'erasure', 'reed-solomon.js');
      if (!existsSync(codec)) return `${codec} does not exist (run \`npm run build\`)`;
      mkdirSync(dataDir, { recursive: true });
      return null;
    },
    // DURABLE_NODE_FLAGS: extra node flags, for profiling (as CAIRN_NODE_FLAGS for cairn).
    cmd: (port, dataDir) => [process.execPath, [...(process.env.DURABLE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), path.join(BENCH_DIR, 'durable-server.mjs'), '--port', String(port), '--data', dataDir]],
    startTimeoutMs: 20_000,
    // Its GETs and listings are the null server's: only its PUTs measure anything.
    serves: (workload) => workload.kind === 'put',
  },
  cairn: {
    creds: { accessKey: 'benchadmin', secretKey: 'benchadmin-secret' },
    env: { CAIRN_ROOT_USER: 'benchadmin', CAIRN_ROOT_PASSWORD: 'benchadmin-secret' },
    prepare(dataDir) {
      // bin/cairn is the package's launcher: it execs node with cairn's runtime
      // flags, so the server measured is the server users run.
      const main = path.join(REPO_DIR, 'dist', 'src', 'main.js');
      if (!existsSync(main)) return `${main} does not exist (run \`npm run build\`)`;
      for (let i = 1; i <= 4; i++) mkdirSync(path.join(dataDir, `d${i}`), { recursive: true });
      return null;
    },
    cmd: (port, dataDir) => [
      path.join(REPO_DIR, 'bin', 'cairn'),
      ['server', ...[1, 2, 3, 4].map((i) => path.join(dataDir, `d${i}`)), '--address', `127.0.0.1:${port}`],
    ],
    startTimeoutMs: 30_000,
  },
  s3rver: {
    // s3rver's built-in account; it parses SigV4 headers but does not verify them.
    creds: { accessKey: 'S3RVER', secretKey: 'S3RVER' },
    prepare: (dataDir) => (mkdirSync(dataDir, { recursive: true }), null),
    cmd: (port, dataDir) => [
      process.execPath,
      // Its continuation tokens use DES, which OpenSSL 3 only has in the legacy provider.
      ['--openssl-legacy-provider', path.join(REPO_DIR, 'node_modules', 's3rver', 'bin', 's3rver.js'), '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '--silent'],
    ],
    startTimeoutMs: 20_000,
  },
};

/** Whether a server is measured on a workload (the durable floor only on PUTs). */
export function servesWorkload(name, workload) {
  return DEFS[name].serves?.(workload) ?? true;
}

export function serverCreds(name) {
  return DEFS[name].creds;
}

// ---- cleanup registry: children and temp dirs die with the bench, however it ends.
const children = new Set();
const dirs = new Set();
let keepDirs = false;

export function keepTempDirs(v) {
  keepDirs = v;
}
export function registerTempDir(dir) {
  dirs.add(dir);
}

/** Last-resort synchronous cleanup (process 'exit', signals). */
export function cleanupSync() {
  for (const c of children) killGroup(c, 'SIGKILL');
  children.clear();
  if (!keepDirs) for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {}
  }
}

export async function getFreePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server and waits until it answers a signed ListBuckets.
 * Resolves { name, pid, port, creds, stop, logTail(), exited(), exitedWithin(ms) } or { name, skipped: reason, logTail }.
 */
export async function startServer(name, tmpRoot, log) {
  const def = DEFS[name];
  const dataDir = path.join(tmpRoot, name);
  const why = def.prepare?.(dataDir);
  if (why) return { name, skipped: why };
  const port = await getFreePort();
  const logFile = path.join(tmpRoot, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const [cmd, args] = def.cmd(port, dataDir);
  const child = spawn(cmd, args, {
    cwd: REPO_DIR,
    env: { ...process.env, ...def.env },
    stdio: ['ignore', fd, fd],
    detached: true, // own process group: kill(-pid) reaches its helpers too
  });
  closeSync(fd);
  children.add(child);
  let exited = null;
  const exitP = new Promise((r) => child.on('exit', (code, sig) => r((exited = { code, sig }))));
  // At start-up the first error line says more than the end of a stack
  // trace; after a failed cell the latest lines matter.
  const tail = (latest = false) => {
    try {
      const lines = readFileSync(logFile, 'utf8').trim().split('\n');
      const e = latest ? -1 : lines.findIndex((l) => /error/i.test(l));
      return (e >= 0 ? lines.slice(Math.max(0, e - 2), e + 6) : lines.slice(-8)).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (!exited) {
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exitP;
      clearTimeout(t);
    }
    killGroup(child, 'SIGKILL'); // stray group members
    children.delete(child);
  };

  const client = new S3Client({ port, ...def.creds, maxSockets: 1 });
  const deadline = Date.now() + def.startTimeoutMs;
  let lastErr = 'no answer';
  try {
    while (Date.now() < deadline) {
      if (exited) {
        await stop();
        return { name, skipped: `exited (code ${exited.code}${exited.sig ? ', ' + exited.sig : ''}) without serving S3 on port ${port}`, logTail: tail() };
      }
      if (await portOpen(port)) {
        try {
          await client.listBuckets();
          log?.(`  ${name}: pid ${child.pid}, port ${port}`);
          // A dropped connection arrives before the child's exit event: give it a moment.
          const exitedWithin = (ms) => Promise.race([exitP, new Promise((r) => setTimeout(r, ms))]).then(() => exited);
          return { name, pid: child.pid, port, creds: def.creds, stop, logTail: tail, exited: () => exited, exitedWithin };
        } catch (e) {
          lastErr = e.message;
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
  await stop();
  return { name, skipped: `no successful signed ListBuckets on port ${port} within ${def.startTimeoutMs / 1000} s (last: ${lastErr})`, logTail: tail() };
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
