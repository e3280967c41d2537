/**
 * minio-js (the `minio` package) with its default settings against cairn. minio-js asks
 * GetBucketLocation before its first request on a bucket, signs every payload (SHA-256 over
 * plain http) and pages ListObjectsV2 at 1000 keys. It switches to multipart above its part
 * size (64 MiB for an object of known size); multipart uploads are tested with the SDKs
 * (multipart.e2e.spec.ts), so every object here stays below that.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minioClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', reject);
    stream.on('end', () => resolve(items));
  });
}

async function errorOf(promise: Promise<unknown>): Promise<Minio.S3Error & { code: string; statusCode?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Minio.S3Error & { code: string; statusCode?: number };
  }
  throw new Error('expected the request to fail');
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('minio-js against cairn', () => {
  let server: CairnServer;
  let mc: Minio.Client;

  beforeAll(async () => {
    server = await CairnServer.start();
    mc = minioClient(server);
  });
  afterAll(async () => server?.dispose());

  it('makes, finds and lists buckets', async () => {
    expect(await mc.bucketExists('mjs-basics')).toBe(false);
    await mc.makeBucket('mjs-basics');
    expect(await mc.bucketExists('mjs-basics')).toBe(true);
    const buckets = await mc.listBuckets();
    const mine = buckets.find((b) => b.name === 'mjs-basics');
    expect(mine).toBeDefined();
    expect(mine!.creationDate).toBeInstanceOf(Date);
    expect(Math.abs(mine!.creationDate.getTime() - Date.now())).toBeLessThan(60_000);
    // us-east-1, the default region: making it again succeeds, as on AWS.
    await mc.makeBucket('mjs-basics');
    expect((await mc.listBuckets()).filter((b) => b.name === 'mjs-basics')).toHaveLength(1);
  });

  it('puts Buffers and streams, small and large, and reads them back byte for byte', async () => {
    const cases: Array<{ key: string; body: Buffer; stream: boolean }> = [
      { key: 'buffer/empty', body: Buffer.alloc(0), stream: false },
      { key: 'buffer/small', body: randomBytes(1000), stream: false },
      { key: 'buffer/large', body: randomBytes(6 * 1024 * 1024 + 11), stream: false },
      { key: 'stream/small', body: randomBytes(70_000), stream: true },
      { key: 'stream/large', body: randomBytes(5 * 1024 * 1024 + 1), stream: true },
    ];
    for (const { key, body, stream } of cases) {
      const source = stream ? Readable.from(chunksOf(body, 64 * 1024)) : body;
      // A stream needs its size: without one minio-js assumes 5 TiB and goes multipart.
      const info = stream ? await mc.putObject('mjs-basics', key, source, body.length) : await mc.putObject('mjs-basics', key, source);
      expect(info.etag, key).toBe(md5(body));
      const got = await drain(await mc.getObject('mjs-basics', key));
      expect(got.length, key).toBe(body.length);
      expect(got.equals(body), key).toBe(true);
    }
  });

  it('reads partial objects (getPartialObject) byte for byte', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 5);
    await mc.putObject('mjs-basics', 'partial', body);
    const slices: Array<[number, number | undefined]> = [
      [0, 1],
      [1024 * 1024 - 3, 7], // across a block boundary
      [2 * 1024 * 1024, 1024 * 1024 + 5], // to the very end
      [body.length - 1, 1],
      [1234, undefined], // offset only: the rest of the object
    ];
    for (const [offset, length] of slices) {
      const got = await drain(await mc.getPartialObject('mjs-basics', 'partial', offset, length));
      const expected = body.subarray(offset, length === undefined ? undefined : offset + length);
      expect(got.equals(expected), `offset ${offset} length ${length}`).toBe(true);
    }
  });

  it('stats objects: size, etag and metadata', async () => {
    const body = randomBytes(200_000);
    await mc.putObject('mjs-basics', 'stat/me', body, body.length, {
      'Content-Type': 'text/csv',
      'Cache-Control': 'max-age=60',
      'X-Amz-Meta-Owner': 'Ada',
      project: 'analytical-engine',
    });
    const stat = await mc.statObject('mjs-basics', 'stat/me');
    expect(stat.size).toBe(body.length);
    expect(stat.etag).toBe(md5(body));
    expect(stat.lastModified).toBeInstanceOf(Date);
    expect(Math.abs(stat.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
    expect(stat.metaData).toMatchObject({
      'content-type': 'text/csv',
      'cache-control': 'max-age=60',
      owner: 'Ada',
      project: 'analytical-engine',
    });
    expect(stat.versionId).toBeNull();

    const plain = await mc.statObject('mjs-basics', 'buffer/small');
    // putObject sends no Content-Type when given none (only fPutObject guesses one): AWS's default.
    expect(plain.metaData['content-type']).toBe('binary/octet-stream');
  });

  it('lists more than 1000 keys recursively, by prefix and by delimiter (paging at 1000)', async () => {
    await mc.makeBucket('mjs-list');
    const keys = [
      ...Array.from({ length: 1150 }, (_, i) => `many/${String(i).padStart(4, '0')}`),
      'dir/a/1',
      'dir/a/2',
      'dir/b/1',
      'dir/top',
      'root.txt',
      'zeta/é ü+%',
    ];
    await pool(keys, 32, (key) => mc.putObject('mjs-list', key, Buffer.from(key)));
    const sorted = [...keys].sort(byteOrder);

    const all = await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-list', '', true));
    expect(all.map((o) => o.name)).toEqual(sorted);
    const one = all.find((o) => o.name === 'dir/top')!;
    expect(one.size).toBe('dir/top'.length);
    expect(one.etag).toBe(md5(Buffer.from('dir/top')));
    expect(one.lastModified).toBeInstanceOf(Date);

    const odd = await drain(await mc.getObject('mjs-list', 'zeta/é ü+%'));
    expect(odd.toString()).toBe('zeta/é ü+%');

    const many = await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-list', 'many/', true));
    expect(many.map((o) => o.name)).toEqual(sorted.filter((k) => k.startsWith('many/')));

    const after = await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-list', 'many/', true, 'many/1140'));
    expect(after.map((o) => o.name)).toEqual(Array.from({ length: 9 }, (_, i) => `many/${1141 + i}`));

    const top = await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-list', '', false));
    expect(top.filter((o) => o.prefix).map((o) => o.prefix)).toEqual(['dir/', 'many/', 'zeta/']);
    expect(top.filter((o) => o.name).map((o) => o.name)).toEqual(['root.txt']);

    const dir = await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-list', 'dir/', false));
    expect(dir.filter((o) => o.prefix).map((o) => o.prefix)).toEqual(['dir/a/', 'dir/b/']);
    expect(dir.filter((o) => o.name).map((o) => o.name)).toEqual(['dir/top']);

    // One raw page: 1000 keys at most, truncated, with a token that continues it.
    const page = await mc.listObjectsV2Query('mjs-list', 'many/', '', '', 1000, '');
    expect(page.objects).toHaveLength(1000);
    expect(page.isTruncated).toBe(true);
    const rest = await mc.listObjectsV2Query('mjs-list', 'many/', page.nextContinuationToken, '', 1000, '');
    expect(rest.objects.map((o) => o.name)).toEqual(sorted.filter((k) => k.startsWith('many/')).slice(1000));
    expect(rest.isTruncated).toBe(false);

    // The v1 listing pages as well (by marker).
    const v1 = await collect<Minio.BucketItem>(mc.listObjects('mjs-list', '', true));
    expect(v1.map((o) => o.name)).toEqual(sorted);
    // ... and with a delimiter, by NextMarker.
    const v1dir = await collect<Minio.BucketItem>(mc.listObjects('mjs-list', 'many/', false));
    expect(v1dir.map((o) => o.name)).toEqual(sorted.filter((k) => k.startsWith('many/')));
    const v1top = await collect<Minio.BucketItem>(mc.listObjects('mjs-list', '', false));
    // minio-js emits a page's objects before its prefixes.
    expect(v1top.map((o) => o.prefix ?? o.name)).toEqual(['root.txt', 'dir/', 'many/', 'zeta/']);
  });

  it('maps errors to their S3 codes: NoSuchKey, NoSuchBucket, BucketNotEmpty', async () => {
    const missingKey = await errorOf(mc.getObject('mjs-basics', 'no/such/key'));
    expect(missingKey).toBeInstanceOf(Minio.S3Error);
    expect(missingKey.code).toBe('NoSuchKey');
    expect((missingKey as unknown as { amzRequestid?: string }).amzRequestid).toMatch(/^[0-9A-F]{16}$/);

    const missingPartial = await errorOf(mc.getPartialObject('mjs-basics', 'no/such/key', 0, 10));
    expect(missingPartial.code).toBe('NoSuchKey');

    // HEAD has no body, so minio-js can only say NotFound.
    const missingStat = await errorOf(mc.statObject('mjs-basics', 'no/such/key'));
    expect(missingStat.code).toBe('NotFound');

    const missingBucket = await errorOf(mc.getObject('no-such-bucket-here', 'k'));
    expect(missingBucket.code).toBe('NoSuchBucket');
    const putMissingBucket = await errorOf(mc.putObject('no-such-bucket-here', 'k', Buffer.from('x')));
    expect(putMissingBucket.code).toBe('NoSuchBucket');
    const listMissingBucket = await errorOf(collect(mc.listObjectsV2('no-such-bucket-here', '', true)));
    expect(listMissingBucket.code).toBe('NoSuchBucket');
    const removeMissingBucket = await errorOf(mc.removeBucket('no-such-bucket-here'));
    expect(removeMissingBucket.code).toBe('NoSuchBucket');

    const notEmpty = await errorOf(mc.removeBucket('mjs-basics'));
    expect(notEmpty.code).toBe('BucketNotEmpty');
  });

  it('removes objects and buckets', async () => {
    await mc.makeBucket('mjs-remove');
    await mc.putObject('mjs-remove', 'a', Buffer.from('a'));
    await mc.putObject('mjs-remove', 'b/c', Buffer.from('bc'));
    await mc.removeObject('mjs-remove', 'a');
    await mc.removeObject('mjs-remove', 'never-existed'); // S3 says 204 all the same
    expect((await errorOf(mc.statObject('mjs-remove', 'a'))).code).toBe('NotFound');
    expect((await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-remove', '', true))).map((o) => o.name)).toEqual(['b/c']);
    expect((await errorOf(mc.removeBucket('mjs-remove'))).code).toBe('BucketNotEmpty');
    await mc.removeObject('mjs-remove', 'b/c');
    await mc.removeBucket('mjs-remove');
    expect(await mc.bucketExists('mjs-remove')).toBe(false);
    expect((await mc.listBuckets()).map((b) => b.name)).not.toContain('mjs-remove');
  });

  it('removes objects in bulk named as strings and as { name } entries (removeObjects)', async () => {
    await mc.makeBucket('mjs-bulk');
    for (const key of ['keep', 'one', 'two/three', 'four']) await mc.putObject('mjs-bulk', key, Buffer.from(key));
    // minio-js sends an empty <VersionId/> for every { name } entry.
    expect(await mc.removeObjects('mjs-bulk', [{ name: 'one' }, { name: 'four' }, { name: 'never-existed' }])).toEqual([]);
    expect(await mc.removeObjects('mjs-bulk', ['two/three'])).toEqual([]);
    expect((await collect<Minio.BucketItem>(mc.listObjectsV2('mjs-bulk', '', true))).map((o) => o.name)).toEqual(['keep']);
  });
});

function* chunksOf(body: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}
