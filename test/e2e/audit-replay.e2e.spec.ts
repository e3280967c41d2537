/**
 * `cairn admin audit replay` and `export` over a workload of puts, overwrites, deletes and
 * multipart uploads: the listing captured at several instants is what replay at each instant
 * prints (as a ListVersionsResult), offline on the drives and through --endpoint; export lists
 * the bucket's events as JSON Lines with who, what, when, version and request id, filtered by
 * time. The bucket is unversioned, so ListObjectsV2 shows every version there is; the versioned,
 * Object Lock case is audit-replay-versions.e2e.spec.ts.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/modules/s3-api/s3-owner';
import { contentFor, sleep } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, runCairn, SECRET_KEY } from '../helpers/server';

const credentials = { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY };
const BUCKET = 'archive';

interface Listed {
  readonly Key: string;
  readonly ETag: string;
  readonly Size: number;
  readonly LastModified: string;
  readonly StorageClass: string;
}

interface Snapshot {
  readonly at: string;
  readonly listing: Listed[];
}

async function capture(s3: S3Client): Promise<Snapshot> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  const listing = (page.Contents ?? []).map((c) => ({
    Key: c.Key!,
    ETag: c.ETag!,
    Size: c.Size!,
    LastModified: c.LastModified!.toISOString(),
    StorageClass: c.StorageClass!,
  }));
  const at = new Date().toISOString();
  // The next event is decided strictly after this instant.
  await sleep(5);
  return { at, listing };
}

const parser = new XMLParser({ isArray: (name) => name === 'Version' || name === 'DeleteMarker', parseTagValue: false });

function versionsIn(xml: string): Array<Record<string, unknown>> {
  const document = parser.parse(xml) as { ListVersionsResult: { Version?: Array<Record<string, unknown>>; Name: string; IsTruncated: string } };
  expect(document.ListVersionsResult.Name).toBe(BUCKET);
  expect(document.ListVersionsResult.IsTruncated).toBe('false');
  return document.ListVersionsResult.Version ?? [];
}

describe('cairn admin audit replay and export', () => {
  let server: CairnServer;
  let beforeBucket: string;
  const snapshots: Snapshot[] = [];
  let putRequestId: string;

  beforeAll(async () => {
    server = await CairnServer.start();
    const s3 = sdkClient(server);
    beforeBucket = new Date().toISOString();
    await sleep(5);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: 'unrelated' }));
    snapshots.push(await capture(s3)); // 0: empty

    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'first a' }));
    putRequestId = put.$metadata.requestId!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b.txt', Body: 'b' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/c.bin', Body: contentFor('c', 300_000) }));
    await s3.send(new PutObjectCommand({ Bucket: 'unrelated', Key: 'x', Body: 'x' }));
    snapshots.push(await capture(s3)); // 1: puts

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'second a, longer' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'b.txt' }));
    snapshots.push(await capture(s3)); // 2: overwrite and delete

    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big/d.bin' }));
    const parts = [];
    for (const [i, body] of [contentFor('d1', 5 * 1024 * 1024), contentFor('d2', 1000)].entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'big/d.bin', UploadId: upload.UploadId, PartNumber: i + 1, Body: body }));
      parts.push({ PartNumber: i + 1, ETag: part.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'big/d.bin', UploadId: upload.UploadId, MultipartUpload: { Parts: parts } }));
    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'never' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'never', UploadId: aborted.UploadId }));
    snapshots.push(await capture(s3)); // 3: multipart

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'e.txt', Body: '' }));
    snapshots.push(await capture(s3)); // 4: delete and an empty object
    s3.destroy();
  }, 60_000);
  afterAll(async () => server?.dispose());

  const replay = (at: string, where: string[]) => runCairn(['admin', 'audit', 'replay', '--bucket', BUCKET, '--at', at, ...where], credentials);

  it('prints the bucket as it stood at each instant, offline and through --endpoint', async () => {
    expect(snapshots.map((s) => s.listing.length)).toEqual([0, 3, 2, 3, 3]);
    const owner = ownerOf(ACCESS_KEY);
    for (const [i, snapshot] of snapshots.entries()) {
      const offline = await replay(snapshot.at, server.drives);
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stdout).toContain('<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">');
      const versions = versionsIn(offline.stdout);
      expect(
        versions.map((v) => ({ Key: v.Key, ETag: v.ETag, Size: Number(v.Size), LastModified: v.LastModified, StorageClass: v.StorageClass })),
        `instant ${i}`,
      ).toEqual(snapshot.listing);
      for (const v of versions) {
        expect(v.VersionId).toBe('null');
        expect(v.IsLatest).toBe('true');
        expect(v.Owner).toEqual({ ID: owner.id, DisplayName: owner.displayName });
      }
      const online = await replay(snapshot.at, ['--endpoint', server.endpoint]);
      expect(online.code, online.stderr).toBe(0);
      expect(online.stdout).toBe(offline.stdout);
    }
  });

  it('says when the bucket did not exist yet, and refuses an instant that is not ISO 8601', async () => {
    const before = await replay(beforeBucket, server.drives);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain(`bucket ${BUCKET} did not exist at`);
    const beforeOnline = await replay(beforeBucket, ['--endpoint', server.endpoint]);
    expect(beforeOnline.code).toBe(1);
    expect(beforeOnline.stderr).toContain('NoSuchBucket');
    const bad = await replay('yesterday', server.drives);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at yesterday is not an ISO 8601 instant');
    const badOnline = await runCairn(['admin', 'audit', 'replay', '--bucket', BUCKET, '--endpoint', server.endpoint], credentials);
    expect(badOnline.code).toBe(2);
  });

  const exportLines = async (args: string[]) => {
    const result = await runCairn(['admin', 'audit', 'export', '--bucket', BUCKET, ...args], credentials);
    expect(result.code, result.stderr).toBe(0);
    return { text: result.stdout, lines: result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>) };
  };

  it("exports the bucket's events as JSON Lines: who, what, when, which version, request id", async () => {
    const { text, lines } = await exportLines(server.drives);
    expect(lines.map((l) => l.what)).toEqual([
      'BucketCreated',
      'ObjectPut',
      'ObjectPut',
      'ObjectPut',
      'ObjectPut',
      'ObjectVersionDeleted',
      'MultipartUploadCreated',
      'MultipartPartUploaded',
      'MultipartPartUploaded',
      'MultipartUploadCompleted',
      'MultipartUploadCreated',
      'MultipartUploadAborted',
      'ObjectVersionDeleted',
      'ObjectPut',
    ]);
    for (const line of lines) {
      expect(line.who).toBe(ACCESS_KEY);
      expect(line.bucket).toBe(BUCKET);
      expect(new Date(line.when).toISOString()).toBe(line.when);
      expect(line.requestId).toMatch(/\S/);
      expect(line.event.id).toBe(line.eventId);
    }
    expect(lines[1]).toMatchObject({ what: 'ObjectPut', key: 'a.txt', versionId: 'null', requestId: putRequestId });
    expect(lines[5]).toMatchObject({ what: 'ObjectVersionDeleted', key: 'b.txt', versionId: 'null' });
    // Seqs increase; no object bytes in the export.
    expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b));
    expect(text).not.toContain('first a');

    const online = await runCairn(['admin', 'audit', 'export', '--bucket', BUCKET, '--endpoint', server.endpoint], credentials);
    expect(online.code, online.stderr).toBe(0);
    expect(online.stdout).toBe(text);
  });

  it('exports only the events between --since and --until, offline and through --endpoint', async () => {
    const window = ['--since', snapshots[1].at, '--until', snapshots[2].at];
    const { text, lines } = await exportLines([...window, ...server.drives]);
    expect(lines.map((l) => `${l.what} ${l.key}`)).toEqual(['ObjectPut a.txt', 'ObjectVersionDeleted b.txt']);
    const online = await exportLines([...window, '--endpoint', server.endpoint]);
    expect(online.text).toBe(text);
    const none = await exportLines(['--until', beforeBucket, ...server.drives]);
    expect(none.lines).toEqual([]);
  });
});
