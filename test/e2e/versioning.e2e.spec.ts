/**
 * Versioning with real clients: PutBucketVersioning (Enabled, Suspended), version ids on every
 * write, GET/HEAD/DELETE/CopyObject by versionId, delete markers (404 with
 * x-amz-delete-marker, 405 for a marker by id, removing one restores the previous version),
 * the null version of suspended buckets, ListObjectVersions paging, DeleteObjects with versions.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bytesOf, s3ErrorOf } from '../helpers/s3-assertions';
import { ACCESS_KEY, CairnServer, SECRET_KEY } from '../helpers/server';
import { serverForTests } from '../helpers/server-for-tests';
import { signedFetch } from '../helpers/signed-fetch';

describe('versioning', () => {
  let server: CairnServer;
  let s3: S3Client;
  const BUCKET = 'history';
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });

  const text = async (key: string, VersionId?: string) => (await bytesOf((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId }))).Body)).toString();

  it('turns versioning on, and an unversioned bucket answers an empty configuration', async () => {
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBeUndefined();
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    const bad = await signedFetch(server, {
      method: 'PUT',
      path: `/${BUCKET}`,
      query: { versioning: '' },
      body: '<VersioningConfiguration><Status>Sometimes</Status></VersioningConfiguration>',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>IllegalVersioningConfigurationException</Code>');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
  });

  it('keeps every version, reads each by id, and hides a deleted key behind a delete marker that can be removed', async () => {
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc', Body: 'first' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc', Body: 'second' }))).VersionId!;
    expect(v1).toMatch(/^[0-9a-f]{32}$/);
    expect(v2).not.toBe(v1);
    expect(await text('doc')).toBe('second');
    expect(await text('doc', v1)).toBe('first');
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'doc' }))).VersionId).toBe(v2);

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc' }));
    expect(deleted.DeleteMarker).toBe(true);
    const marker = deleted.VersionId!;
    const gone = await signedFetch(server, { method: 'GET', path: `/${BUCKET}/doc` });
    expect([gone.status, gone.headers.get('x-amz-delete-marker'), gone.headers.get('x-amz-version-id')]).toEqual([404, 'true', marker]);
    const byId = await signedFetch(server, { method: 'GET', path: `/${BUCKET}/doc`, query: { versionId: marker } });
    expect([byId.status, byId.headers.get('x-amz-delete-marker')]).toEqual([405, 'true']);
    // GetObjectAttributes answers a delete marker the same way.
    const attributes = { 'x-amz-object-attributes': 'ETag,ObjectSize' };
    const goneAttributes = await signedFetch(server, { method: 'GET', path: `/${BUCKET}/doc`, query: { attributes: '' }, headers: attributes });
    expect([goneAttributes.status, goneAttributes.headers.get('x-amz-delete-marker')]).toEqual([404, 'true']);
    const markerAttributes = await signedFetch(server, { method: 'GET', path: `/${BUCKET}/doc`, query: { attributes: '', versionId: marker }, headers: attributes });
    expect([markerAttributes.status, markerAttributes.headers.get('x-amz-delete-marker')]).toEqual([405, 'true']);
    expect(await text('doc', v1)).toBe('first'); // older versions stay readable
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'doc' }))).KeyCount).toBe(0);

    const undeleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc', VersionId: marker }));
    expect([undeleted.DeleteMarker, undeleted.VersionId]).toEqual([true, marker]);
    expect(await text('doc')).toBe('second');

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'doc', VersionId: v2 }));
    expect(await text('doc')).toBe('first');
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc', VersionId: v2 })))).name).toBe('NoSuchVersion');
  });

  it('lists versions and delete markers in AWS order, page by page', async () => {
    const bucket = 'versions-listing';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const expected: string[] = [];
    for (const key of ['b', 'a', 'c/1', 'a', 'b', 'c/2']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'b' }));
    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const merged = [...(all.Versions ?? []).map((v) => ({ ...v, marker: false })), ...(all.DeleteMarkers ?? []).map((m) => ({ ...m, marker: true }))];
    // The SDK splits the two kinds; in S3 order: key ascending, newest first.
    merged.sort((x, y) => (x.Key! < y.Key! ? -1 : x.Key! > y.Key! ? 1 : x.VersionId! > y.VersionId! ? -1 : 1));
    expected.push(...merged.map((e) => `${e.Key}${e.marker ? '(marker)' : ''}${e.IsLatest ? '*' : ''}`));
    expect(expected).toEqual(['a*', 'a', 'b(marker)*', 'b', 'b', 'c/1*', 'c/2*']);

    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 2, KeyMarker, VersionIdMarker }));
      seen.push(...[...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => v.VersionId!));
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(seen.sort()).toEqual(merged.map((e) => e.VersionId!).sort());
    const rolled = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Delimiter: '/' }));
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['c/']);

    // A bucket with versions left is not empty.
    expect((await s3ErrorOf(s3.send(new DeleteBucketCommand({ Bucket: bucket })))).name).toBe('BucketNotEmpty');
  });

  it('never sends x-amz-version-id from an unversioned bucket (PUT, GET, HEAD, copy, multipart, tagging, DELETE)', async () => {
    const bucket = 'never-versioned';
    const raw = (method: string, path: string, options: { query?: Record<string, string>; headers?: Record<string, string>; body?: string } = {}) =>
      signedFetch(server, { method, path: `/${bucket}${path}`, ...options });
    expect((await raw('PUT', '')).status).toBe(200);
    const responses = [
      await raw('PUT', '/k', { body: 'plain' }),
      await raw('GET', '/k'),
      await raw('HEAD', '/k'),
      await raw('GET', '/k', { query: { versionId: 'null' } }),
      await raw('PUT', '/copy', { headers: { 'x-amz-copy-source': `/${bucket}/k` } }),
      await raw('PUT', '/k', { query: { tagging: '' }, body: '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>' }),
    ];
    const initiated = await raw('POST', '/mp', { query: { uploads: '' } });
    const uploadId = /<UploadId>([^<]+)</.exec(initiated.body)![1]!;
    const part = await raw('PUT', '/mp', { query: { uploadId, partNumber: '1' }, body: 'part' });
    const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.get('etag')}</ETag></Part></CompleteMultipartUpload>`;
    responses.push(initiated, part, await raw('POST', '/mp', { query: { uploadId }, body: complete }), await raw('DELETE', '/copy'));
    for (const response of responses) {
      expect(response.status, response.body).toBeLessThan(300);
      expect(response.headers.get('x-amz-version-id')).toBeNull();
    }
  });

  it('gives the null version to writes and deletes while versioning is suspended', async () => {
    const bucket = 'suspended';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const kept = (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'versioned' }))).VersionId!;
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    // Like MinIO, the null version's id is not sent back on PUT (it is listed as "null").
    expect((await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'null one' }))).VersionId).toBeUndefined();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'null two' }));
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual(['null', kept]);
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect([deleted.DeleteMarker, deleted.VersionId]).toEqual([true, 'null']);
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect([after.DeleteMarkers?.map((m) => m.VersionId), after.Versions?.map((v) => v.VersionId)]).toEqual([['null'], [kept]]);
  });

  it('copies from a version id, versions multipart uploads, and reports delete markers from DeleteObjects', async () => {
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'old bytes' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'new bytes' }));
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'restored', CopySource: `${BUCKET}/src?versionId=${v1}` }));
    expect(copy.CopySourceVersionId).toBe(v1);
    expect(copy.VersionId).toMatch(/^[0-9a-f]{32}$/);
    expect(await text('restored')).toBe('old bytes');

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp' }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect(done.VersionId).toMatch(/^[0-9a-f]{32}$/);

    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'restored' }, { Key: 'src', VersionId: v1 }] } }));
    const byKey = new Map(batch.Deleted?.map((d) => [d.Key, d]));
    expect(byKey.get('restored')).toMatchObject({ DeleteMarker: true, DeleteMarkerVersionId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(byKey.get('src')).toMatchObject({ VersionId: v1 });
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'src', VersionId: v1 })))).name).toBe('NoSuchVersion');
  });

  it('a copy source naming a delete marker by id is 400 InvalidRequest; naming the current version copies it onto itself', async () => {
    const current = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'marked', Body: 'kept bytes' }))).VersionId!;
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'marked' }))).VersionId!;
    const error = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'from-marker', CopySource: `${BUCKET}/marked?versionId=${marker}` })));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidRequest', 400]);
    expect(error.message).toBe('The source of a copy request may not specifically refer to a delete marker by version id.');
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'from-marker' })))).name).toBe('NotFound');

    const self = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'self', Body: 'self bytes' }))).VersionId!;
    const copied = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'self', CopySource: `${BUCKET}/self?versionId=${self}` }));
    expect([copied.CopySourceVersionId, copied.VersionId === self]).toEqual([self, false]);
    expect(await text('self')).toBe('self bytes');
    // Without a version id it is still a copy onto itself that changes nothing.
    expect((await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'self', CopySource: `${BUCKET}/self` })))).name).toBe('InvalidRequest');
    expect(current).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a malformed or empty version id with InvalidArgument and deletes nothing; a well-formed unknown one is NoSuchVersion, or a no-op delete', async () => {
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'still here' }))).VersionId!;
    for (const versionId of ['bogus', v1.toUpperCase(), `${v1}0`, '']) {
      for (const method of ['GET', 'HEAD', 'DELETE']) {
        const response = await signedFetch(server, { method, path: `/${BUCKET}/kept`, query: { versionId } });
        expect(response.status, `${method} ${versionId}`).toBe(400);
        if (method !== 'HEAD') expect(response.body, `${method} ${versionId}`).toContain('<Code>InvalidArgument</Code>');
      }
    }
    const listing = await s3ErrorOf(s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, KeyMarker: 'kept', VersionIdMarker: 'bogus' })));
    expect(listing.name).toBe('InvalidArgument');

    const unknown = '0'.repeat(32);
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept', VersionId: unknown })))).name).toBe('NoSuchVersion');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'kept', VersionId: unknown }));

    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'kept', VersionId: 'bogus' }] } }));
    expect(batch.Deleted ?? []).toEqual([]);
    expect(batch.Errors).toEqual([expect.objectContaining({ Key: 'kept', VersionId: 'bogus', Code: 'NoSuchVersion' })]);
    expect(await text('kept', v1)).toBe('still here');
    expect(await text('kept')).toBe('still here');
  });

  it('works the same from boto3 (versioned put, list_object_versions, delete marker)', () => {
    const python = `
import boto3, sys, json
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name='us-east-1')
s3.create_bucket(Bucket='boto-versions')
s3.put_bucket_versioning(Bucket='boto-versions', VersioningConfiguration={'Status': 'Enabled'})
a = s3.put_object(Bucket='boto-versions', Key='k', Body=b'one')['VersionId']
s3.put_object(Bucket='boto-versions', Key='k', Body=b'two')
d = s3.delete_object(Bucket='boto-versions', Key='k')
listing = s3.list_object_versions(Bucket='boto-versions')
old = s3.get_object(Bucket='boto-versions', Key='k', VersionId=a)['Body'].read().decode()
print(json.dumps({'marker': d.get('DeleteMarker'), 'versions': len(listing['Versions']), 'markers': len(listing['DeleteMarkers']), 'old': old}))
`;
    const out = execFileSync('python3', ['-c', python, server.endpoint, ACCESS_KEY, SECRET_KEY], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null' } }).toString();
    expect(JSON.parse(out)).toEqual({ marker: true, versions: 2, markers: 1, old: 'one' });
  });
});
