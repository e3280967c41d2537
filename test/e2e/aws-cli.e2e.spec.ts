/**
 * The aws cli (v1, installed for python3) against cairn, run as a child process with
 * `--endpoint-url` and its default settings: its high-level `aws s3` commands switch to
 * multipart uploads and parallel ranged downloads above `multipart_threshold` (8 MiB). One
 * download also runs with `multipart_threshold = 64MB`, to fetch a ~20 MiB file in one GET.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliEnv } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { tempDir } from '../helpers/temp-dirs';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** The aws script itself rather than pyenv's shim (a bash wrapper that costs time on every call). */
const AWS = (() => {
  try {
    return execFileSync('pyenv', ['which', 'aws'], { encoding: 'utf8' }).trim() || 'aws';
  } catch {
    return 'aws';
  }
})();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('aws cli against cairn', () => {
  let server: CairnServer;
  let work: { path: string; remove(): void };
  let singlePartConfig: string;

  const small = randomBytes(1234);
  const big = randomBytes(20 * 1024 * 1024 + 17);

  /** `aws <args> --endpoint-url <cairn>`; `config` selects the AWS_CONFIG_FILE ('/dev/null': the defaults). */
  function aws(args: string[], config = '/dev/null'): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        AWS,
        [...args, '--endpoint-url', server.endpoint],
        { env: { ...process.env, ...awsCliEnv(), AWS_CONFIG_FILE: config }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async function ok(args: string[], config?: string): Promise<string> {
    const result = await aws(args, config);
    expect(result.code, `aws ${args.join(' ')}\n${result.stderr}`).toBe(0);
    return result.stdout;
  }

  const file = (name: string) => path.join(work.path, name);

  beforeAll(async () => {
    server = await CairnServer.start();
    work = tempDir('cairn-awscli-');
    singlePartConfig = file('aws-config');
    writeFileSync(singlePartConfig, '[default]\ns3 =\n    multipart_threshold = 64MB\n');
    writeFileSync(file('small.txt'), small);
    writeFileSync(file('big.bin'), big);
  });
  afterAll(async () => {
    await server?.dispose();
    work?.remove();
  });

  it('makes a bucket (aws s3 mb) and lists it (aws s3 ls)', async () => {
    expect(await ok(['s3', 'mb', 's3://cli-bucket'])).toContain('make_bucket: cli-bucket');
    const [listing, again] = await Promise.all([ok(['s3', 'ls']), aws(['s3', 'mb', 's3://cli-bucket'])]);
    expect(listing).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cli-bucket$/m);
    // In us-east-1 (the default region) AWS lets you create a bucket you own again.
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('make_bucket: cli-bucket');
  });

  it('uploads a small file and a ~20 MiB file (aws s3 cp)', async () => {
    const uploads = await Promise.all([
      ok(['s3', 'cp', file('small.txt'), 's3://cli-bucket/docs/small.txt']),
      ok(['s3', 'cp', file('big.bin'), 's3://cli-bucket/data/big.bin']),
    ]);
    for (const output of uploads) expect(output).toContain('upload:');
    // A multipart upload of three 8 MiB parts: the ETag is the MD5 of the parts' MD5s, then -3.
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'data/big.bin']));
    const partMd5s = [0, 1, 2].map((i) => createHash('md5').update(big.subarray(i * 8 * 1024 * 1024, (i + 1) * 8 * 1024 * 1024)).digest());
    expect(head.ETag).toBe(`"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3"`);
  });

  it('lists the bucket and a prefix (aws s3 ls)', async () => {
    const [top, docs, recursive, partial] = await Promise.all([
      ok(['s3', 'ls', 's3://cli-bucket/']),
      ok(['s3', 'ls', 's3://cli-bucket/docs/']),
      ok(['s3', 'ls', '--recursive', 's3://cli-bucket']),
      ok(['s3', 'ls', 's3://cli-bucket/do']), // a prefix that is not a whole directory name
    ]);
    expect(partial.trim()).toBe('PRE docs/');
    expect(top.split('\n').map((l) => l.trim()).filter(Boolean)).toEqual(['PRE data/', 'PRE docs/']);
    expect(docs).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${small.length} small.txt$`, 'm'));
    const rows = recursive
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(rows.map((r) => [r[2], r[3]])).toEqual([
      [String(big.length), 'data/big.bin'],
      [String(small.length), 'docs/small.txt'],
    ]);
  });

  it('downloads both files byte for byte (aws s3 cp back), in one GET and in parallel ranged GETs', async () => {
    await Promise.all([
      ok(['s3', 'cp', 's3://cli-bucket/docs/small.txt', file('small.back')]),
      ok(['s3', 'cp', 's3://cli-bucket/data/big.bin', file('big.back')], singlePartConfig),
      // With the cli's defaults a 20 MiB download is three ranged GETs of 8 MiB, run in parallel.
      ok(['s3', 'cp', 's3://cli-bucket/data/big.bin', file('big.ranged')]),
    ]);
    expect(readFileSync(file('small.back')).equals(small)).toBe(true);
    expect(readFileSync(file('big.back')).equals(big)).toBe(true);
    expect(readFileSync(file('big.ranged')).equals(big)).toBe(true);
  });

  it('heads an object (aws s3api head-object)', async () => {
    await ok(['s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'meta.json', '--body', file('small.txt'),
      '--content-type', 'application/json', '--metadata', 'origin=cli,step=2']);
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'meta.json']));
    expect(head).toMatchObject({
      ContentLength: small.length,
      ETag: `"${md5(small)}"`,
      ContentType: 'application/json',
      Metadata: { origin: 'cli', step: '2' },
      AcceptRanges: 'bytes',
    });
    expect(Math.abs(Date.parse(head.LastModified) - Date.now())).toBeLessThan(120_000);
    expect(head.StorageClass).toBeUndefined();
  });

  it('uploads with --storage-class REDUCED_REDUNDANCY or STANDARD_IA and refuses GLACIER (aws s3 cp)', async () => {
    await ok(['s3', 'cp', file('small.txt'), 's3://cli-bucket/rrs.txt', '--storage-class', 'REDUCED_REDUNDANCY']);
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'rrs.txt']));
    expect(head.StorageClass).toBe('REDUCED_REDUNDANCY');
    await ok(['s3', 'cp', file('small.txt'), 's3://cli-bucket/ia.txt', '--storage-class', 'STANDARD_IA']);
    expect(JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'ia.txt'])).StorageClass).toBe('STANDARD_IA');
    await ok(['s3', 'rm', 's3://cli-bucket/ia.txt']);
    const glacier = await aws(['s3', 'cp', file('small.txt'), 's3://cli-bucket/glacier.txt', '--storage-class', 'GLACIER']);
    expect(glacier.code).not.toBe(0);
    expect(glacier.stderr).toContain('InvalidStorageClass');
    await ok(['s3', 'rm', 's3://cli-bucket/rrs.txt']); // the listings below expect the bucket as it was
  });

  it('pages list-objects-v2 with --page-size and --max-items (aws s3api)', async () => {
    await ok(['s3', 'mb', 's3://cli-pages']);
    // 23 keys; the cli has no bulk put, so upload one directory recursively.
    const keys = Array.from({ length: 23 }, (_, i) => `p/${String(i).padStart(2, '0')}`);
    const dir = file('pages');
    mkdirSync(dir);
    for (const key of keys) writeFileSync(path.join(dir, key.slice(2)), key);
    await ok(['s3', 'cp', '--recursive', dir, 's3://cli-pages/p/']);

    // --page-size 5: the cli follows NextContinuationToken itself (5 requests) and returns all keys.
    const [allText, rolledText] = await Promise.all([
      ok(['s3api', 'list-objects-v2', '--bucket', 'cli-pages', '--page-size', '5']),
      ok(['s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--delimiter', '/']),
    ]);
    const all = JSON.parse(allText);
    expect(all.Contents.map((c: { Key: string }) => c.Key)).toEqual(keys);

    // --max-items 10 with --page-size 4: 10 keys and a NextToken to continue from.
    const seen: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const args = ['s3api', 'list-objects-v2', '--bucket', 'cli-pages', '--prefix', 'p/', '--page-size', '4', '--max-items', '10'];
      if (token) args.push('--starting-token', token);
      const page = JSON.parse(await ok(args));
      const got = (page.Contents ?? []).map((c: { Key: string }) => c.Key);
      expect(got.length).toBeLessThanOrEqual(10);
      seen.push(...got);
      token = page.NextToken;
      calls++;
    } while (token);
    expect(seen).toEqual(keys);
    expect(calls).toBe(3);

    // --delimiter rolls up.
    const rolled = JSON.parse(rolledText);
    expect(rolled.CommonPrefixes.map((p: { Prefix: string }) => p.Prefix)).toEqual(['data/', 'docs/']);
    expect(rolled.Contents.map((c: { Key: string }) => c.Key)).toEqual(['meta.json']);
  });

  it('syncs a tree up and down (aws s3 sync), a second sync copying nothing, and streams stdin (aws s3 cp -)', async () => {
    const src = file('tree');
    mkdirSync(path.join(src, 'a', 'b'), { recursive: true });
    const tree: Record<string, Buffer> = { 'a/one': randomBytes(10), 'a/b/tw o é+%.bin': randomBytes(300_000), 'empty': Buffer.alloc(0) };
    // Written a minute ago: S3 keeps times to the second, and a file modified later in the same
    // second as its upload would look newer than the object to the next sync (on AWS too).
    const aMinuteAgo = new Date(Date.now() - 60_000);
    for (const [name, body] of Object.entries(tree)) {
      writeFileSync(path.join(src, name), body);
      utimesSync(path.join(src, name), aMinuteAgo, aMinuteAgo);
    }
    const up = await ok(['s3', 'sync', src, 's3://cli-bucket/tree', '--only-show-errors']);
    expect(up).toBe('');
    const again = await ok(['s3', 'sync', src, 's3://cli-bucket/tree']);
    expect(again.trim()).toBe(''); // sizes and times match: nothing to upload
    await ok(['s3', 'sync', 's3://cli-bucket/tree', file('tree.back'), '--only-show-errors']);
    for (const [name, body] of Object.entries(tree)) expect(readFileSync(path.join(file('tree.back'), name)).equals(body), name).toBe(true);
    // The download set each file's time to the object's Last-Modified (whole seconds); the
    // listing's LastModified must be that same second, or every exact sync downloads again.
    const exactAgain = await ok(['s3', 'sync', 's3://cli-bucket/tree', file('tree.back'), '--exact-timestamps']);
    expect(exactAgain.trim()).toBe('');

    const streamed = await new Promise<CliResult>((resolve) => {
      const child = execFile(AWS, ['s3', 'cp', '-', 's3://cli-bucket/tree/stdin.txt', '--endpoint-url', server.endpoint], {
        env: { ...process.env, ...awsCliEnv(), AWS_CONFIG_FILE: '/dev/null' },
      }, (error, stdout, stderr) => resolve({ code: error ? -1 : 0, stdout, stderr }));
      child.stdin!.end('from standard input\n');
    });
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(await ok(['s3', 'cp', 's3://cli-bucket/tree/stdin.txt', '-'])).toBe('from standard input\n');
    await ok(['s3', 'rm', '--recursive', 's3://cli-bucket/tree/', '--only-show-errors']);
  });

  it('fails get-object on a missing key with NoSuchKey', async () => {
    const result = await aws(['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'no/such/key', file('never')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('NoSuchKey');
  });

  it('removes objects (aws s3 rm) and buckets (aws s3 rb)', async () => {
    const notEmpty = await aws(['s3', 'rb', 's3://cli-bucket']);
    expect(notEmpty.code).not.toBe(0);
    expect(notEmpty.stderr).toContain('BucketNotEmpty');

    expect(await ok(['s3', 'rm', 's3://cli-bucket/docs/small.txt'])).toContain('delete: s3://cli-bucket/docs/small.txt');
    const removed = await ok(['s3', 'rm', '--recursive', 's3://cli-bucket/']);
    expect(removed).toContain('delete: s3://cli-bucket/data/big.bin');
    expect(removed).toContain('delete: s3://cli-bucket/meta.json');
    expect(await ok(['s3', 'rb', 's3://cli-bucket'])).toContain('remove_bucket: cli-bucket');
    // --force empties the bucket first.
    expect(await ok(['s3', 'rb', '--force', 's3://cli-pages'])).toContain('remove_bucket: cli-pages');

    const [buckets, gone] = await Promise.all([ok(['s3', 'ls']), aws(['s3', 'ls', 's3://cli-bucket/'])]);
    expect(buckets).not.toContain('cli-bucket');
    expect(buckets).not.toContain('cli-pages');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NoSuchBucket');
  });
});
