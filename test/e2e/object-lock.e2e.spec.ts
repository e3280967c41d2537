/**
 * Object Lock (WORM) with SDK v3 and boto3: lock-enabled buckets, default retention, retention
 * and legal hold on versions (headers on PUT, multipart and copy; Put/GetObjectRetention and
 * LegalHold), and enforcement: COMPLIANCE cannot be shortened or deleted by anyone, GOVERNANCE
 * only with the bypass header, a legal hold blocks deletion, a delete marker is always allowed,
 * protection ends when the retention expires.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { md5Base64, signedFetch } from '../helpers/signed-fetch';

const DAY = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY);

describe('Object Lock', () => {
  let server: CairnServer;
  let s3: S3Client;
  const BUCKET = 'archive';

  beforeAll(async () => {
    server = await CairnServer.start();
    s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.dispose();
  });

  const put = async (Key: string, extra: Record<string, unknown> = {}) => (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key, ...extra }))).VersionId!;
  const deleteVersion = (Key: string, VersionId: string, bypass = false) =>
    s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key, VersionId, ...(bypass ? { BypassGovernanceRetention: true } : {}) }));

  it('makes a lock-enabled bucket versioned for good, with no default retention yet', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: BUCKET }));
    expect(config.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    const suspend = await s3ErrorOf(s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Suspended' } })));
    expect([suspend.name, suspend.$metadata.httpStatusCode]).toEqual(['InvalidBucketState', 409]);
  });

  it('COMPLIANCE: nobody deletes the version or shortens its retention; extending is allowed; a delete marker is not blocked', async () => {
    const until = inDays(2);
    const versionId = await put('ledger', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'ledger' }));
    expect([head.ObjectLockMode, head.ObjectLockRetainUntilDate?.toISOString()]).toEqual(['COMPLIANCE', until.toISOString()]);

    for (const bypass of [false, true]) {
      const refused = await s3ErrorOf(deleteVersion('ledger', versionId, bypass));
      expect([refused.name, refused.$metadata.httpStatusCode, refused.message], `bypass ${bypass}`).toEqual(['AccessDenied', 403, 'Access Denied because object protected by object lock.']);
    }
    const shorter = await s3ErrorOf(
      s3.send(new PutObjectRetentionCommand({ Bucket: BUCKET, Key: 'ledger', VersionId: versionId, BypassGovernanceRetention: true, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: inDays(1) } })),
    );
    expect(shorter.name).toBe('AccessDenied');
    const weaker = await s3ErrorOf(
      s3.send(new PutObjectRetentionCommand({ Bucket: BUCKET, Key: 'ledger', VersionId: versionId, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(3) } })),
    );
    expect(weaker.name).toBe('AccessDenied');
    const longer = inDays(30);
    await s3.send(new PutObjectRetentionCommand({ Bucket: BUCKET, Key: 'ledger', VersionId: versionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: longer } }));
    const retention = await s3.send(new GetObjectRetentionCommand({ Bucket: BUCKET, Key: 'ledger', VersionId: versionId }));
    expect(retention.Retention?.RetainUntilDate?.toISOString()).toBe(longer.toISOString());

    // Deleting without a version id adds a delete marker, as AWS does; the version stays readable.
    expect((await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'ledger' }))).DeleteMarker).toBe(true);
    expect((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ledger', VersionId: versionId }))).ObjectLockMode).toBe('COMPLIANCE');

    // DeleteObjects reports the refusal per key.
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'ledger', VersionId: versionId }] }, BypassGovernanceRetention: true }));
    expect(batch.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
  });

  it('GOVERNANCE: deletion and shortening need x-amz-bypass-governance-retention', async () => {
    const versionId = await put('draft', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(5) });
    expect((await s3ErrorOf(deleteVersion('draft', versionId))).name).toBe('AccessDenied');
    const shorten = () =>
      s3.send(new PutObjectRetentionCommand({ Bucket: BUCKET, Key: 'draft', VersionId: versionId, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } }));
    expect((await s3ErrorOf(shorten())).name).toBe('AccessDenied');
    await s3.send(
      new PutObjectRetentionCommand({ Bucket: BUCKET, Key: 'draft', VersionId: versionId, BypassGovernanceRetention: true, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } }),
    );
    await deleteVersion('draft', versionId, true);
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'draft', VersionId: versionId })))).name).toBe('NoSuchVersion');
  });

  it('a legal hold blocks deletion, bypass or not, until it is removed', async () => {
    const versionId = await put('evidence', { ObjectLockLegalHoldStatus: 'ON' });
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: BUCKET, Key: 'evidence', VersionId: versionId }))).LegalHold?.Status).toBe('ON');
    expect((await s3ErrorOf(deleteVersion('evidence', versionId, true))).name).toBe('AccessDenied');
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: BUCKET, Key: 'evidence', VersionId: versionId, LegalHold: { Status: 'OFF' } }));
    // Set OFF, it reads OFF (GET and HEAD); never set, there is no configuration to read (404, as AWS).
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: BUCKET, Key: 'evidence', VersionId: versionId }))).LegalHold?.Status).toBe('OFF');
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'evidence', VersionId: versionId }))).ObjectLockLegalHoldStatus).toBe('OFF');
    await deleteVersion('evidence', versionId);
    const neverHeld = await put('never-held');
    const none = await s3ErrorOf(s3.send(new GetObjectLegalHoldCommand({ Bucket: BUCKET, Key: 'never-held', VersionId: neverHeld })));
    expect([none.name, none.$metadata.httpStatusCode]).toEqual(['NoSuchObjectLockConfiguration', 404]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'never-held', VersionId: neverHeld }))).ObjectLockLegalHoldStatus).toBeUndefined();
  });

  it('refuses a default retention over 100 years (AWS\'s longest) and keeps the configuration it had', async () => {
    const before = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: BUCKET })).then(
      (answer) => answer.ObjectLockConfiguration,
      () => undefined,
    );
    for (const DefaultRetention of [{ Mode: 'COMPLIANCE' as const, Years: 101 }, { Mode: 'COMPLIANCE' as const, Days: 36_501 }, { Mode: 'COMPLIANCE' as const, Years: 300_000 }]) {
      const error = await s3ErrorOf(s3.send(new PutObjectLockConfigurationCommand({ Bucket: BUCKET, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention } } })));
      expect([error.name, error.$metadata.httpStatusCode], JSON.stringify(DefaultRetention)).toEqual(['InvalidArgument', 400]);
    }
    const after = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: BUCKET })).then(
      (answer) => answer.ObjectLockConfiguration,
      () => undefined,
    );
    expect(after).toEqual(before);
  });

  it('applies the bucket default retention to new versions, multipart uploads included', async () => {
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: BUCKET,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: BUCKET }));
    expect(config.ObjectLockConfiguration?.Rule?.DefaultRetention).toEqual({ Mode: 'GOVERNANCE', Days: 1 });
    const before = Date.now();
    await put('defaulted');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'defaulted' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(Math.abs(head.ObjectLockRetainUntilDate!.getTime() - (before + DAY))).toBeLessThan(60_000);

    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inDays(7) }),
    );
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'mp' }))).ObjectLockMode).toBe('COMPLIANCE');
  });

  it('CopyObject gives the copy the lock its headers ask for; the source keeps its own', async () => {
    const sourceUntil = new Date(Math.ceil((Date.now() + DAY) / 1000) * 1000);
    const source = await put('draft', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: sourceUntil });
    const until = new Date(Math.ceil((Date.now() + 3 * DAY) / 1000) * 1000);
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'signed',
        CopySource: `${BUCKET}/draft?versionId=${source}`,
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    const copied = { Bucket: BUCKET, Key: 'signed', VersionId: copy.VersionId };
    expect((await s3.send(new GetObjectRetentionCommand(copied))).Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });
    expect((await s3.send(new GetObjectLegalHoldCommand(copied))).LegalHold?.Status).toBe('ON');
    expect((await s3ErrorOf(deleteVersion('signed', copy.VersionId!, true))).name).toBe('AccessDenied');
    const sourceRetention = await s3.send(new GetObjectRetentionCommand({ Bucket: BUCKET, Key: 'draft', VersionId: source }));
    expect(sourceRetention.Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: sourceUntil });
    await s3.send(new PutObjectLegalHoldCommand({ ...copied, LegalHold: { Status: 'OFF' } }));
    expect((await s3ErrorOf(deleteVersion('signed', copy.VersionId!, true))).name).toBe('AccessDenied'); // COMPLIANCE still holds
  });

  it('lets the version go once its retention has expired (the server clock decides)', async () => {
    const versionId = await put('short-lived', { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 2500) });
    expect((await s3ErrorOf(deleteVersion('short-lived', versionId))).name).toBe('AccessDenied');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await deleteVersion('short-lived', versionId);
  });

  it('refuses lock settings a bucket without Object Lock cannot honour, and a retention in the past', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    const onPlain = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) })));
    expect(onPlain.name).toBe('InvalidRequest');
    expect((await s3ErrorOf(s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'plain' })))).name).toBe('ObjectLockConfigurationNotFoundError');
    const past = await s3ErrorOf(put('past', { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() - DAY) }));
    expect(past.name).toBe('InvalidArgument');
    const halfSpecified = await s3ErrorOf(put('half', { ObjectLockMode: 'GOVERNANCE' }));
    expect(halfSpecified.name).toBe('InvalidArgument');
    // Lock headers need an integrity digest (Content-MD5 or x-amz-checksum-*): a plain signed PUT is refused.
    const noDigest = await signedFetch(server, {
      method: 'PUT',
      path: `/${BUCKET}/no-digest`,
      headers: { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': inDays(1).toISOString() },
      body: 'bytes',
    });
    expect([noDigest.status, noDigest.body.includes('<Code>InvalidRequest</Code>')]).toEqual([400, true]);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'no-digest' })))).$metadata.httpStatusCode).toBe(404);
  });

  it('under a default retention, a PUT or a part without Content-MD5 or a checksum is refused, as AWS refuses it; with one it is stored', async () => {
    const bucket = 'defaulted-archive';
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }),
    );
    const plainPut = await signedFetch(server, { method: 'PUT', path: `/${bucket}/plain`, body: 'bytes' });
    expect([plainPut.status, plainPut.body]).toEqual([400, expect.stringContaining('required for Put Object requests with Object Lock parameters')]);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain' })))).$metadata.httpStatusCode).toBe(404);
    const withMd5 = await signedFetch(server, { method: 'PUT', path: `/${bucket}/with-md5`, headers: { 'content-md5': md5Base64('bytes') }, body: 'bytes' });
    expect(withMd5.status, withMd5.body).toBe(200);

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'parts' }));
    const plainPart = await signedFetch(server, { method: 'PUT', path: `/${bucket}/parts`, query: { partNumber: '1', uploadId: UploadId! }, body: 'part' });
    expect([plainPart.status, plainPart.body]).toEqual([400, expect.stringContaining('required for Put Part requests with Object Lock parameters')]);
    expect((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'parts', UploadId }))).Parts ?? []).toEqual([]);
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'parts', UploadId, PartNumber: 1, Body: 'part' })); // the SDK sends a CRC32
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'parts', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'parts' }))).ObjectLockMode).toBe('GOVERNANCE');
  });

  it('works the same from boto3 (retention on put, delete refused, bypass for governance)', () => {
    const python = `
import boto3, sys, json, datetime
from botocore.exceptions import ClientError
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name='us-east-1')
s3.create_bucket(Bucket='boto-worm', ObjectLockEnabledForBucket=True)
until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
v = s3.put_object(Bucket='boto-worm', Key='k', Body=b'x', ObjectLockMode='GOVERNANCE', ObjectLockRetainUntilDate=until)['VersionId']
try:
    s3.delete_object(Bucket='boto-worm', Key='k', VersionId=v)
    refused = None
except ClientError as e:
    refused = e.response['Error']['Code']
s3.delete_object(Bucket='boto-worm', Key='k', VersionId=v, BypassGovernanceRetention=True)
print(json.dumps({'refused': refused, 'left': len(s3.list_object_versions(Bucket='boto-worm').get('Versions', []))}))
`;
    const out = execFileSync('python3', ['-c', python, server.endpoint, ACCESS_KEY, SECRET_KEY], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null' } }).toString();
    expect(JSON.parse(out)).toEqual({ refused: 'AccessDenied', left: 0 });
  });
});
