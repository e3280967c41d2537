/**
 * The `cairn server` command itself: what its banner tells the operator, which settings it
 * takes (credentials and their MinIO aliases, ellipsis drive lists), when it refuses to start
 * (one line on stderr, non-zero exit, nothing written), and how it starts degraded.
 * Runs expected to exit use `runCairn`; runs expected to serve use `CairnServer`.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, freePort, ROOT, runCairn, SECRET_KEY } from '../helpers/server';
import { signedHeaders } from '../helpers/signed-request';
import { drivePaths, tempDir } from '../helpers/temp-dirs';
import { makeUnwritable } from '../helpers/unwritable';

/** The test context's onTestFinished. */
type Finish = (fn: () => void | Promise<void>) => void;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DEFAULT_CREDENTIALS_WARNING = 'WARNING: the default credentials minioadmin/minioadmin are in use';
/** Credentials unset: '' counts as unset for every CAIRN_/MINIO_ variable. */
const NO_CREDENTIALS = { CAIRN_ROOT_USER: '', CAIRN_ROOT_PASSWORD: '', MINIO_ROOT_USER: '', MINIO_ROOT_PASSWORD: '', MINIO_ACCESS_KEY: '', MINIO_SECRET_KEY: '' };

function driveLine(drive: string, state: 'online' | 'OFFLINE'): RegExp {
  return new RegExp(`^\\s*\\d+\\s+${escape(drive)}\\s+${state === 'online' ? 'online$' : 'OFFLINE \\('}`, 'm');
}


/** Runs `cairn server DRIVES` expecting a refusal: exit 1, one line on stderr, no banner. */
async function refusal(drives: string[]): Promise<string> {
  const port = await freePort();
  const result = await runCairn(['server', ...drives, '--address', `127.0.0.1:${port}`], { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY }, 20_000);
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(1);
  expect(result.stdout).not.toContain('API: ');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cairn: /);
  return lines[0];
}

describe('cairn server', () => {
  const roots: Array<{ path: string; remove(): void }> = [];

  /** Fresh (non-existent) drive paths under a temp dir removed after the file. */
  function freshDrives(count = 4): string[] {
    const root = tempDir('cairn-startup-');
    roots.push(root);
    return drivePaths(root.path, count);
  }

  /** A server disposed when the test ends. */
  async function serve(finish: Finish, drives: string[], env?: Record<string, string>): Promise<CairnServer> {
    const server = await CairnServer.start({ drivePaths: drives, env });
    finish(() => server.dispose());
    return server;
  }

  /** A deployment that exists on disk (created by a server that ran and stopped). */
  async function existingDeployment(finish: Finish, drives = freshDrives()): Promise<string[]> {
    const server = await serve(finish, drives);
    await server.stop();
    return drives;
  }

  afterAll(() => roots.forEach((r) => r.remove()));

  describe('banner', () => {
    it('names the endpoint, every drive, the erasure layout and the deployment, without a credentials warning when they are set', async ({ onTestFinished }) => {
      const drives = freshDrives();
      const server = await serve(onTestFinished, drives);
      const out = server.output;
      expect(out).toMatch(/^cairn \S+$/m);
      expect(out).toContain(`API: http://127.0.0.1:${server.port}`);
      expect(out).toMatch(new RegExp(`^Created deployment ${UUID}$`, 'm'));
      expect(out).toContain('Drives: 4 in one erasure set, 2 data + 2 parity shards per block, write quorum 3, read quorum 2');
      for (const drive of drives) expect(out).toMatch(driveLine(drive, 'online'));
      expect(out).not.toContain('OFFLINE');
      // CAIRN_ROOT_USER/PASSWORD are set (by CairnServer): no warning, and the defaults do not work.
      expect(out).not.toContain('WARNING');
      const defaults = sdkClient(server, { credentials: { accessKeyId: 'minioadmin', secretAccessKey: 'minioadmin' } });
      expect((await s3ErrorOf(defaults.send(new CreateBucketCommand({ Bucket: 'nope' })))).name).toBe('InvalidAccessKeyId');
      defaults.destroy();
      const deploymentId = new RegExp(`Created deployment (${UUID})`).exec(out)![1];

      // A restart finds the deployment instead of creating one.
      await server.restart();
      expect(server.output).toContain(`Deployment ${deploymentId}`);
      expect(server.output).not.toContain('Created deployment');
      for (const drive of drives) expect(JSON.parse(readFileSync(path.join(drive, 'format.json'), 'utf8')).deploymentId).toBe(deploymentId);
    });

    it('warns loudly about the default credentials when none are set, and they work', async ({ onTestFinished }) => {
      const server = await serve(onTestFinished, freshDrives(), NO_CREDENTIALS);
      expect(server.output).toContain(DEFAULT_CREDENTIALS_WARNING);
      expect(server.output).toContain('Set CAIRN_ROOT_USER and CAIRN_ROOT_PASSWORD');
      const s3 = sdkClient(server, { credentials: { accessKeyId: 'minioadmin', secretAccessKey: 'minioadmin' } });
      await s3.send(new CreateBucketCommand({ Bucket: 'defaults' }));
      s3.destroy();
    });

  });

  it('accepts MINIO_ROOT_USER and MINIO_ROOT_PASSWORD as aliases', async ({ onTestFinished }) => {
    const server = await serve(onTestFinished, freshDrives(), { ...NO_CREDENTIALS, MINIO_ROOT_USER: 'minio-alias-user', MINIO_ROOT_PASSWORD: 'minio-alias-secret' });
    expect(server.output).not.toContain('default credentials');
    const alias = sdkClient(server, { credentials: { accessKeyId: 'minio-alias-user', secretAccessKey: 'minio-alias-secret' } });
    await alias.send(new CreateBucketCommand({ Bucket: 'aliased' }));
    await alias.send(new PutObjectCommand({ Bucket: 'aliased', Key: 'k', Body: 'via alias' }));
    expect((await bytesOf((await alias.send(new GetObjectCommand({ Bucket: 'aliased', Key: 'k' }))).Body)).toString()).toBe('via alias');
    alias.destroy();
    for (const [accessKeyId, secretAccessKey] of [['minioadmin', 'minioadmin'], [ACCESS_KEY, SECRET_KEY]]) {
      const other = sdkClient(server, { credentials: { accessKeyId, secretAccessKey } });
      expect((await s3ErrorOf(other.send(new GetObjectCommand({ Bucket: 'aliased', Key: 'k' })))).name).toBe('InvalidAccessKeyId');
      other.destroy();
    }
  });

  it('expands MinIO ellipsis notation: dir{1...4} is four drives', async ({ onTestFinished }) => {
    const root = tempDir('cairn-ellipsis-');
    roots.push(root);
    const server = await serve(onTestFinished, [path.join(root.path, 'dir{1...4}')]);
    expect(server.output).toContain('Drives: 4 in one erasure set, 2 data + 2 parity');
    for (let i = 1; i <= 4; i++) {
      const drive = path.join(root.path, `dir${i}`);
      expect(server.output).toMatch(driveLine(drive, 'online'));
      expect(existsSync(path.join(drive, 'format.json'))).toBe(true);
    }
    expect(existsSync(path.join(root.path, 'dir{1...4}'))).toBe(false);
    const s3 = sdkClient(server);
    const body = randomBytes(2 * 1024 * 1024 + 3);
    await s3.send(new CreateBucketCommand({ Bucket: 'ellipsis' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ellipsis', Key: 'k', Body: body }));
    expect((await bytesOf((await s3.send(new GetObjectCommand({ Bucket: 'ellipsis', Key: 'k' }))).Body)).equals(body)).toBe(true);
    s3.destroy();
  });

  describe('refuses to start, with a one-line reason', () => {
    it('when a drive is not writable (even for root), and writes no format anywhere', async ({ onTestFinished }) => {
      const drives = freshDrives();
      drives.forEach((d) => mkdirSync(d));
      onTestFinished(makeUnwritable(drives[2]));
      const reason = await refusal(drives);
      expect(reason).toContain(drives[2]);
      expect(reason).toContain('not writable');
      for (const drive of drives) expect(existsSync(path.join(drive, 'format.json')), drive).toBe(false);
    });

    it('when a drive of an existing deployment is not writable', async ({ onTestFinished }) => {
      const drives = await existingDeployment(onTestFinished);
      onTestFinished(makeUnwritable(drives[1]));
      const reason = await refusal(drives);
      expect(reason).toContain(drives[1]);
      expect(reason).toContain('not writable');
    });

    it('when a drive belongs to another deployment', async ({ onTestFinished }) => {
      const [a, b] = await Promise.all([existingDeployment(onTestFinished), existingDeployment(onTestFinished)]);
      const mixed = [a[0], a[1], a[2], b[3]];
      const reason = await refusal(mixed);
      expect(reason).toContain(`drive ${b[3]} belongs to another deployment`);
      const other = JSON.parse(readFileSync(path.join(b[3], 'format.json'), 'utf8')).deploymentId;
      expect(reason).toContain(other);
    });

    it('when given 17 drives (an erasure set has at most 16), creating nothing', async () => {
      const root = tempDir('cairn-17-');
      roots.push(root);
      const reason = await refusal([path.join(root.path, 'disk{1...17}')]);
      expect(reason).toContain('17 drives');
      expect(existsSync(path.join(root.path, 'disk1'))).toBe(false);
    });

    it('when a drive path is a file', async () => {
      const drives = freshDrives();
      drives.forEach((d) => mkdirSync(d));
      rmSync(drives[1], { recursive: true });
      writeFileSync(drives[1], 'I am a file, not a drive');
      const reason = await refusal(drives);
      expect(reason).toContain(drives[1]);
      expect(reason).toContain('not a directory');
      expect(readFileSync(drives[1], 'utf8')).toBe('I am a file, not a drive');
      expect(existsSync(path.join(drives[0], 'format.json'))).toBe(false);
    });

    it('when 3 of the 4 drives of an existing deployment are missing', async ({ onTestFinished }) => {
      const drives = await existingDeployment(onTestFinished);
      const format = readFileSync(path.join(drives[0], 'format.json'), 'utf8');
      for (const drive of drives.slice(1)) rmSync(drive, { recursive: true });
      const reason = await refusal(drives);
      expect(reason).toContain('3 of 4 drives are offline, at most 2 may be');
      for (const drive of drives.slice(1)) expect(reason).toContain(drive);
      // The survivor was not re-formatted as a new deployment, and no drive was recreated.
      expect(readFileSync(path.join(drives[0], 'format.json'), 'utf8')).toBe(format);
      for (const drive of drives.slice(1)) expect(existsSync(drive)).toBe(false);
    });

    it('when the port is already in use, and releases the drives', async ({ onTestFinished }) => {
      const drives = await existingDeployment(onTestFinished);
      // Lock files a stopped server leaves behind (see the SIGTERM test) would hide a leak here.
      for (const drive of drives) rmSync(path.join(drive, 'cairn.pid'), { force: true });
      const blocker: Server = createServer();
      const port = await freePort();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      let result: Awaited<ReturnType<typeof runCairn>>;
      try {
        result = await runCairn(['server', ...drives, '--address', `127.0.0.1:${port}`], { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY }, 20_000);
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).not.toContain('API: ');
      const reason = `cairn: cannot listen on 127.0.0.1:${port}: the address is already in use`;
      expect(result.stderr.trim().split('\n').at(-1)).toBe(reason);
      // The refused run released its drive locks, and a server starts on the same drives.
      for (const drive of drives) expect(existsSync(path.join(drive, 'cairn.pid')), drive).toBe(false);
      await serve(onTestFinished, drives);
      // Only the reason: no framework log line before it.
      expect(result.stderr.trim().split('\n')).toEqual([reason]);
    });
  });

  describe('starts degraded', () => {
    it('with 1 and then 2 drives missing, says which are OFFLINE, and serves correct data', async ({ onTestFinished }) => {
      const drives = freshDrives();
      const objects = new Map<string, Buffer>([
        ['small', randomBytes(1000)],
        ['edge', randomBytes(128 * 1024 + 1)],
        ['large', randomBytes(5 * 1024 * 1024 + 7)],
      ]);
      let server = await serve(onTestFinished, drives);
      let s3: S3Client = sdkClient(server);
      await s3.send(new CreateBucketCommand({ Bucket: 'degraded' }));
      for (const [Key, Body] of objects) await s3.send(new PutObjectCommand({ Bucket: 'degraded', Key, Body }));
      s3.destroy();
      await server.stop();

      const readAll = async (client: S3Client) => {
        for (const [Key, body] of objects) {
          const got = await bytesOf((await client.send(new GetObjectCommand({ Bucket: 'degraded', Key }))).Body);
          expect(got.equals(body), `${Key} (${body.length} bytes)`).toBe(true);
        }
      };

      // One drive gone: the banner names it and warns; reads and writes still work (3 >= write quorum 3).
      rmSync(drives[1], { recursive: true });
      server = await serve(onTestFinished, drives);
      expect(server.output).toMatch(driveLine(drives[1], 'OFFLINE'));
      expect(server.output).toContain(`${drives[1]}  OFFLINE (missing)`);
      for (const drive of [drives[0], drives[2], drives[3]]) expect(server.output).toMatch(driveLine(drive, 'online'));
      expect(server.output).toContain(`WARNING: running degraded: 1 drive(s) offline (${drives[1]})`);
      s3 = sdkClient(server);
      await readAll(s3);
      const written = randomBytes(3 * 1024 * 1024 + 1);
      await s3.send(new PutObjectCommand({ Bucket: 'degraded', Key: 'written-degraded', Body: written }));
      objects.set('written-degraded', written);
      await readAll(s3);
      s3.destroy();
      await server.stop();

      // Two drives gone (as many as there are parity shards): still serves every object.
      rmSync(drives[3], { recursive: true });
      server = await serve(onTestFinished, drives);
      expect(server.output).toMatch(driveLine(drives[1], 'OFFLINE'));
      expect(server.output).toMatch(driveLine(drives[3], 'OFFLINE'));
      expect(server.output).toMatch(driveLine(drives[0], 'online'));
      expect(server.output).toMatch(driveLine(drives[2], 'online'));
      expect(server.output).toContain(`WARNING: running degraded: 2 drive(s) offline (${drives[1]}, ${drives[3]})`);
      s3 = sdkClient(server, { maxAttempts: 1 });
      await readAll(s3);
      // Below write quorum (2 online < 3) a write is refused, as MinIO does, and stores nothing.
      const refused = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: 'degraded', Key: 'not-stored', Body: 'x' })));
      expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['SlowDownWrite', 503]);
      expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: 'degraded', Key: 'not-stored' })))).name).toBe('NoSuchKey');
      await readAll(s3);
      s3.destroy();
    });
  });

  it.for(['SIGTERM', 'SIGINT'] as const)('shuts down cleanly on %s: exit code 0, drive locks released', async (signal, { onTestFinished }) => {
    const drives = freshDrives();
    const server = await serve(onTestFinished, drives);
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'shutdown' }));
    await s3.send(new PutObjectCommand({ Bucket: 'shutdown', Key: 'k', Body: 'kept' }));
    // Large enough to be hashed on a worker thread, which must not keep the process alive.
    await s3.send(new PutObjectCommand({ Bucket: 'shutdown', Key: 'large', Body: randomBytes(5 * 1024 * 1024) }));
    s3.destroy();
    for (const drive of drives) expect(readFileSync(path.join(drive, 'cairn.pid'), 'utf8').trim()).toBe(String(server.process!.pid));
    const child = server.process!;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, sig) => resolve([code, sig])));
    child.kill(signal);
    const [code, killedBy] = await exited;
    // server.command.ts closes the erasure set and unlocks the drives after app.close(), then
    // returns 0: a clean shutdown is exit code 0, not death by the signal, and leaves no lock.
    expect({ code, signal: killedBy }).toEqual({ code: 0, signal: null });
    for (const drive of drives) expect(existsSync(path.join(drive, 'cairn.pid')), drive).toBe(false);
  });

  it('stops even when a client keeps its connection alive: a request arriving after the signal gets 503 ServiceUnavailable with Connection: close', async ({
    onTestFinished,
  }) => {
    const server = await serve(onTestFinished, freshDrives());
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'draining' }));
    s3.destroy();
    const socket = connect(server.port, '127.0.0.1');
    onTestFinished(() => void socket.destroy());
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (received += text));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const request = (method: string, target: string, headers: Record<string, string>) =>
      `${method} ${target} HTTP/1.1\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}\r\n`;
    const child = server.process!;
    const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
      for (const started = Date.now(); !(await condition()); await new Promise((resolve) => setTimeout(resolve, 20))) {
        if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}; received:\n${received}\nserver (exit ${child.exitCode}):\n${server.output}`);
      }
    };

    // A PUT in flight when the signal comes (the server asked for its body: 100 Continue), so
    // the connection is busy, not idle (idle ones are simply closed).
    const put = await signedHeaders(server, 'PUT', '/draining/in-flight');
    socket.write(request('PUT', '/draining/in-flight', { ...put, 'content-length': '10', expect: '100-continue' }));
    await until(() => /^HTTP\/1\.1 100 Continue\r\n\r\n/.test(received), 'the PUT to be under way');
    received = '';
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, sig) => resolve([code, sig])));
    child.kill('SIGTERM');
    // The server has stopped listening once a new connection is refused.
    const refused = () =>
      new Promise<boolean>((resolve) => {
        const probe = connect(server.port, '127.0.0.1');
        probe.once('connect', () => (probe.destroy(), resolve(false)));
        probe.once('error', () => resolve(true));
      });
    await until(refused, 'the server to stop listening');
    socket.write('0123456789');
    await until(() => /^HTTP\/1\.1 200 /.test(received), 'the PUT that was in flight to be answered');
    // The next request on the same connection is refused and the connection closed.
    const get = await signedHeaders(server, 'GET', '/draining/in-flight');
    received = '';
    socket.write(request('GET', '/draining/in-flight', get));
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received).toMatch(/\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i);
    expect(received).toContain('<Code>ServiceUnavailable</Code>');
    expect(await exited).toEqual([0, null]);
  });

  it('runs as `npx cairn` in the checkout after npm install', () => {
    const result = spawnSync('npx', ['cairn', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints its usage for --help (bin/cairn --help) and exits 0', () => {
    const result = spawnSync('bin/cairn', ['--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage:');
    expect(result.stdout).toContain('cairn server [--address HOST:PORT] DRIVE...');
    expect(result.stdout).toContain('cairn admin rebuild DRIVE...');
    expect(result.stdout).toContain('MINIO_ROOT_USER');
    const version = spawnSync('bin/cairn', ['--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    const unknown = spawnSync('bin/cairn', ['frobnicate'], { cwd: ROOT, encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
