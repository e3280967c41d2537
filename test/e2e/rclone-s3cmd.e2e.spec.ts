/**
 * rclone and s3cmd (Debian's packages, installed by .ci/run) against cairn with their usual
 * configuration for a MinIO-style endpoint: path-style, SigV4, plain HTTP. Both verify
 * transfers by ETag (rclone compares MD5s, s3cmd checks the ETag of every upload), so
 * they also check cairn's single-part and multipart ETags.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { tempDir } from '../helpers/temp-dirs';

const MiB = 1024 * 1024;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client; AWS_CA_BUNDLE is dropped because rclone 1.60 refuses to start with it set. */
function run(command: string, args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  return new Promise((resolve) => {
    execFile(command, args, { env, maxBuffer: 64 * MiB, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

async function ok(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  expect(result.code, `${command} ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** A local tree with a small file, a file with characters that need escaping, and one large enough for multipart. */
function writeTree(root: string): Record<string, Buffer> {
  const tree: Record<string, Buffer> = {
    'a.txt': randomBytes(1000),
    'sub/b c+é.bin': randomBytes(300_000),
    'big.bin': randomBytes(12 * MiB + 5),
  };
  for (const [name, body] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), body);
  }
  return tree;
}

describe('rclone and s3cmd against cairn', () => {
  let server: CairnServer;
  const work = tempDir('cairn-rclone-s3cmd-');
  const file = (name: string) => path.join(work.path, name);

  beforeAll(async () => {
    server = await CairnServer.start();
    writeFileSync(
      file('rclone.conf'),
      `[cairn]\ntype = s3\nprovider = Minio\naccess_key_id = ${ACCESS_KEY}\nsecret_access_key = ${SECRET_KEY}\nendpoint = ${server.endpoint}\nregion = us-east-1\n`,
    );
    writeFileSync(
      file('s3cfg'),
      `[default]\naccess_key = ${ACCESS_KEY}\nsecret_key = ${SECRET_KEY}\nhost_base = 127.0.0.1:${server.port}\nhost_bucket = 127.0.0.1:${server.port}\nbucket_location = US\nuse_https = False\n`,
    );
  });
  afterAll(async () => {
    await server?.dispose();
    work.remove();
  });

  it('rclone: copies a tree up (multipart above 5 MiB), checks it by MD5, syncs it back, deletes', async () => {
    const rclone = (...args: string[]) => ok('rclone', ['--config', file('rclone.conf'), ...args]);
    const tree = writeTree(file('rclone-src'));
    await rclone('mkdir', 'cairn:rclone');
    await rclone('copy', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', file('rclone-src'), 'cairn:rclone/data');
    const listing = await rclone('ls', 'cairn:rclone');
    for (const [name, body] of Object.entries(tree)) expect(listing).toMatch(new RegExp(`^\\s*${body.length} data/${name.replace(/[+.]/g, '\\$&')}$`, 'm'));
    // `check` compares sizes and hashes; for the multipart file rclone uses its own stored MD5.
    const check = await run('rclone', ['--config', file('rclone.conf'), 'check', file('rclone-src'), 'cairn:rclone/data']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain('0 differences found');
    await rclone('sync', 'cairn:rclone/data', file('rclone-back'));
    for (const [name, body] of Object.entries(tree)) expect(readFileSync(path.join(file('rclone-back'), name)).equals(body), name).toBe(true);
    const hashes = JSON.parse(await rclone('lsjson', '--hash', '--files-only', 'cairn:rclone/data')) as Array<{ Path: string; Hashes?: { md5?: string } }>;
    expect(hashes.find((h) => h.Path === 'a.txt')?.Hashes?.md5).toBe(createHash('md5').update(tree['a.txt']).digest('hex'));
    await rclone('purge', 'cairn:rclone/data/sub');
    expect((await rclone('lsf', '-R', 'cairn:rclone')).trim().split('\n').sort()).toEqual(['data/', 'data/a.txt', 'data/big.bin']);
  });

  it('s3cmd: makes a bucket, puts (multipart in 5 MiB chunks), lists, gets, syncs and deletes', async () => {
    const s3cmd = (...args: string[]) => ok('s3cmd', ['-c', file('s3cfg'), ...args]);
    const tree = writeTree(file('s3cmd-src'));
    await s3cmd('mb', 's3://s3cmd-bucket');
    await s3cmd('put', '--multipart-chunk-size-mb=5', file('s3cmd-src/big.bin'), 's3://s3cmd-bucket/big.bin');
    // s3cmd checked each part's ETag against its MD5; the object is a 3-part upload.
    const s3 = sdkClient(server);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 's3cmd-bucket', Key: 'big.bin' }));
    s3.destroy();
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    await s3cmd('put', file('s3cmd-src/a.txt'), 's3://s3cmd-bucket/a.txt');
    const listing = await s3cmd('ls', 's3://s3cmd-bucket');
    expect(listing).toMatch(new RegExp(`\\s${tree['big.bin'].length}\\s+s3://s3cmd-bucket/big.bin`));
    expect(listing).toMatch(new RegExp(`\\s${tree['a.txt'].length}\\s+s3://s3cmd-bucket/a.txt`));
    await s3cmd('get', '--force', 's3://s3cmd-bucket/big.bin', file('s3cmd-big.back'));
    expect(readFileSync(file('s3cmd-big.back')).equals(tree['big.bin'])).toBe(true);

    await s3cmd('sync', `${file('s3cmd-src')}/`, 's3://s3cmd-bucket/tree/');
    await s3cmd('sync', 's3://s3cmd-bucket/tree/', `${file('s3cmd-back')}/`);
    for (const [name, body] of Object.entries(tree)) expect(readFileSync(path.join(file('s3cmd-back'), name)).equals(body), name).toBe(true);

    await s3cmd('del', 's3://s3cmd-bucket/a.txt');
    const after = await s3cmd('ls', '--recursive', 's3://s3cmd-bucket');
    expect(after).not.toContain('s3://s3cmd-bucket/a.txt');
    expect(after).toContain('s3://s3cmd-bucket/tree/sub/b c+é.bin');
  });
});
