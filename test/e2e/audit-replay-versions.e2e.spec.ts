/**
 * `cairn admin audit replay` on an Object Lock bucket (versioning on): at several instants of
 * a workload of versions, delete markers, marker removals, version deletions, retention and
 * legal holds, the ListObjectVersions document the server returned then is exactly what replay
 * prints for that instant once the Object Lock elements replay adds are taken out; and those
 * elements are the retention and legal hold GetObjectRetention / GetObjectLegalHold returned
 * for each version then. Offline on the drives and through --endpoint.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf, sleep } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, runCairn, SECRET_KEY } from '../helpers/server';
import { signedFetch } from '../helpers/signed-fetch';

const credentials = { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY };
const BUCKET = 'vault';
const DAY = 24 * 3600 * 1000;

/** What one version's lock looked like, as replay renders it inside <Version>. */
function lockElements(retention: { Mode?: string; RetainUntilDate?: Date } | undefined, legalHold: boolean): string {
  const retained = retention?.Mode
    ? `<ObjectLockMode>${retention.Mode}</ObjectLockMode><ObjectLockRetainUntilDate>${retention.RetainUntilDate!.toISOString()}</ObjectLockRetainUntilDate>`
    : '';
  return retained + (legalHold ? '<ObjectLockLegalHoldStatus>ON</ObjectLockLegalHoldStatus>' : '');
}

interface Snapshot {
  readonly at: string;
  /** The raw ListObjectVersions document. */
  readonly listing: string;
  /** versionId -> its lock elements, for every version that is not a delete marker. */
  readonly locks: Map<string, string>;
}

async function capture(server: CairnServer, s3: S3Client): Promise<Snapshot> {
  const response = await signedFetch(server, { method: 'GET', path: `/${BUCKET}`, query: { versions: '' } });
  expect(response.status).toBe(200);
  const page = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
  const locks = new Map<string, string>();
  for (const version of page.Versions ?? []) {
    const target = { Bucket: BUCKET, Key: version.Key, VersionId: version.VersionId };
    const retention = await s3.send(new GetObjectRetentionCommand(target)).catch((error: unknown) => {
      if (httpStatusOf(error) === 404) return undefined; // NoSuchObjectLockConfiguration: none set
      throw error;
    });
    const hold = await s3.send(new GetObjectLegalHoldCommand(target)).catch((error: unknown) => {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    });
    locks.set(version.VersionId!, lockElements(retention?.Retention, hold?.LegalHold?.Status === 'ON'));
  }
  const at = new Date().toISOString();
  await sleep(5); // the next event is decided strictly after this instant
  return { at, listing: response.body, locks };
}

/** Replay's document with each version's lock elements checked against `locks` and taken out. */
function withoutLocks(replayed: string, locks: Map<string, string>): string {
  return replayed.replace(/<Version>(.*?)<\/Version>/g, (whole, inner: string) => {
    const versionId = /<VersionId>([^<]*)<\/VersionId>/.exec(inner)![1];
    const lock = /(<ObjectLock.*)$/.exec(inner)?.[1] ?? '';
    expect(lock, `lock of version ${versionId}`).toBe(locks.get(versionId));
    return whole.replace(lock, '');
  });
}

describe('cairn admin audit replay of a versioned Object Lock bucket', () => {
  let server: CairnServer;
  const snapshots: Snapshot[] = [];
  const future = (days: number) => new Date(Math.ceil((Date.now() + days * DAY) / 1000) * 1000);

  beforeAll(async () => {
    server = await CairnServer.start();
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
    snapshots.push(await capture(server, s3)); // 0: empty

    const a1 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'a one' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'a two', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: future(1) }));
    const b1 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: 'b one', ObjectLockLegalHoldStatus: 'ON' }));
    snapshots.push(await capture(server, s3)); // 1: versions, a retention and a legal hold

    const marker = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a' }));
    const c1 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/c', Body: 'c', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: future(1) }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: BUCKET, Key: 'b', VersionId: b1.VersionId, LegalHold: { Status: 'OFF' } }));
    snapshots.push(await capture(server, s3)); // 2: a delete marker, compliance, a hold released

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a', VersionId: marker.VersionId }));
    await s3.send(new PutObjectRetentionCommand({ Bucket: BUCKET, Key: 'dir/c', VersionId: c1.VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: future(2) } }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a', VersionId: a1.VersionId }));
    const b2 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: 'b two' }));
    snapshots.push(await capture(server, s3)); // 3: marker removed, retention extended, a version deleted

    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'b', VersionId: b2.VersionId }, { Key: 'b', VersionId: b1.VersionId }, { Key: 'e' }] } }),
    );
    expect(deleted.Errors ?? []).toEqual([]);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'd', Body: '' }));
    snapshots.push(await capture(server, s3)); // 4: DeleteObjects by version and a marker for a key never written
    s3.destroy();
  }, 90_000);
  afterAll(async () => server?.dispose());

  const replay = (at: string, where: string[]) => runCairn(['admin', 'audit', 'replay', '--bucket', BUCKET, '--at', at, ...where], credentials);

  it('prints, at each instant, the ListObjectVersions of then with each version’s retention and legal hold', async () => {
    // The workload shapes the snapshots as intended (versions and markers at each instant).
    const counted = snapshots.map((s) => [(s.listing.match(/<Version>/g) ?? []).length, (s.listing.match(/<DeleteMarker>/g) ?? []).length]);
    expect(counted).toEqual([
      [0, 0],
      [3, 0],
      [4, 1],
      [4, 0],
      [3, 1],
    ]);
    expect(snapshots[1].listing).not.toContain('ObjectLock'); // ListObjectVersions itself carries no lock state
    for (const [i, snapshot] of snapshots.entries()) {
      const offline = await replay(snapshot.at, server.drives);
      expect(offline.code, offline.stderr).toBe(0);
      expect(withoutLocks(offline.stdout.trimEnd(), snapshot.locks), `instant ${i}`).toBe(snapshot.listing);
      const online = await replay(snapshot.at, ['--endpoint', server.endpoint]);
      expect(online.code, online.stderr).toBe(0);
      expect(online.stdout, `instant ${i} through --endpoint`).toBe(offline.stdout);
    }
    // The locks really were there to compare: a retention, a compliance extension, a legal hold.
    expect([...snapshots[1].locks.values()].join('')).toContain('<ObjectLockMode>GOVERNANCE</ObjectLockMode>');
    expect([...snapshots[1].locks.values()].join('')).toContain('<ObjectLockLegalHoldStatus>ON</ObjectLockLegalHoldStatus>');
    expect([...snapshots[3].locks.values()].join('')).toContain('<ObjectLockMode>COMPLIANCE</ObjectLockMode>');
  });
});
