/**
 * Writes after a restart to keys written before it. The drive that answers version reads
 * skips the read for keys its known-keys filter has never seen (known-keys.ts); after a
 * restart the filter is filled by a scan that runs while requests arrive. An existing key
 * taken for a new one would get a second version beside the old instead of replacing it.
 * (The server also checks every "absent" against LMDB under CAIRN_VERIFY_PROJECTIONS, on in
 * this suite, and would answer 500.)
 */
import { GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import type { CairnServer } from '../helpers/server';
import { serverForTests } from '../helpers/server-for-tests';

const PLAIN = 'known-keys-plain';
const VERSIONED = 'known-keys-versioned';
/** More than two chunks of the scan (1,000 keys each). */
const KEYS_BEFORE = 2500;

async function inBatches(count: number, work: (i: number) => Promise<unknown>, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

const keyOf = (i: number) => `before/${String(i).padStart(5, '0')}`;

describe('writes after a restart to keys written before it', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started), { buckets: [PLAIN, VERSIONED] });

  it('replace the old version (unversioned) or add to it (versioned), while the scan of known keys runs and after', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
    await inBatches(KEYS_BEFORE, (i) => s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: keyOf(i), Body: `old ${i}` })));
    await inBatches(50, (i) => s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: keyOf(i), Body: `old ${i}` })));
    await server.restart();

    // At once after the start (the scan starts with the first of these), then again later.
    const overwritten = Array.from({ length: KEYS_BEFORE / 50 }, (_, n) => n * 50 + 7);
    await inBatches(overwritten.length, (n) => s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: keyOf(overwritten[n]), Body: `new ${overwritten[n]}` })));
    await inBatches(50, (i) => s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: keyOf(i), Body: `new ${i}` })));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const later = overwritten.map((i) => i + 1);
    await inBatches(later.length, (n) => s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: keyOf(later[n]), Body: `new ${later[n]}` })));
    await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: 'after/new-key', Body: 'fresh' }));

    const plainVersions = await allVersions(s3, PLAIN);
    expect(plainVersions.length).toBe(KEYS_BEFORE + 1); // one version a key: every overwrite replaced
    for (const i of [...overwritten, ...later]) {
      const got = await s3.send(new GetObjectCommand({ Bucket: PLAIN, Key: keyOf(i) }));
      expect((await bytesOf(got.Body)).toString(), keyOf(i)).toBe(`new ${i}`);
    }
    const untouched = await s3.send(new GetObjectCommand({ Bucket: PLAIN, Key: keyOf(1) }));
    expect((await bytesOf(untouched.Body)).toString()).toBe('old 1');
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: PLAIN, Key: 'after/never-written' })))).name).toBe('NoSuchKey');

    const versioned = await allVersions(s3, VERSIONED);
    expect(versioned.length).toBe(100); // two versions a key: the old kept under the new
    expect(versioned.filter((v) => v.IsLatest).length).toBe(50);
  });
});

async function allVersions(s3: S3Client, bucket: string): Promise<Array<{ Key?: string; IsLatest?: boolean }>> {
  const versions: Array<{ Key?: string; IsLatest?: boolean }> = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    versions.push(...(page.Versions ?? []));
    if (!page.IsTruncated) return versions;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}
