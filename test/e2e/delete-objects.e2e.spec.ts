/**
 * DeleteObjects (POST /bucket?delete) with every real client, and the requests it refuses:
 * no digest, a wrong digest, malformed XML, more than 1000 keys — each of which deletes nothing.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../helpers/cli-tools';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { minioClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { md5Base64, signedFetch } from '../helpers/signed-fetch';
import { serverForTests } from '../helpers/server-for-tests';

describe('DeleteObjects', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started));

  async function fill(bucket: string, keys: string[]): Promise<void> {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body of ${Key}` }))));
  }

  async function keysIn(bucket: string): Promise<string[]> {
    const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (Contents ?? []).map((c) => c.Key!);
  }

  it('deletes keys with SDK v3 (x-amz-checksum-crc32, no Content-MD5) and reports each one', async () => {
    const keys = ['a', 'dir/b', 'spaced key ', 'xml <&> "quotes"', 'ünïcødé/日本', 'line\rbreak'];
    await fill('sdk-batch', [...keys, 'kept']);
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'sdk-batch', Delete: { Objects: [...keys, 'never-existed'].map((Key) => ({ Key })) } }),
    );
    expect(result.Deleted?.map((d) => d.Key).sort()).toEqual([...keys, 'never-existed'].sort());
    expect(result.Errors ?? []).toEqual([]);
    expect(await keysIn('sdk-batch')).toEqual(['kept']);
  });

  it('conditional deletes (If-Match, and ETag per key in DeleteObjects): a wrong ETag is 412 and a missing key 404, deleting nothing', async () => {
    await fill('conditional', ['one', 'two', 'three', 'four']);
    const etagOf = async (Key: string) => (await s3.send(new HeadObjectCommand({ Bucket: 'conditional', Key }))).ETag!;
    const wrong = await s3ErrorOf(s3.send(new DeleteObjectCommand({ Bucket: 'conditional', Key: 'one', IfMatch: '"0123456789abcdef0123456789abcdef"' })));
    expect([wrong.name, wrong.$metadata.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
    const missing = await s3ErrorOf(s3.send(new DeleteObjectCommand({ Bucket: 'conditional', Key: 'none', IfMatch: '*' })));
    expect([missing.name, missing.$metadata.httpStatusCode]).toEqual(['NoSuchKey', 404]);
    expect(await keysIn('conditional')).toEqual(['four', 'one', 'three', 'two']);
    await s3.send(new DeleteObjectCommand({ Bucket: 'conditional', Key: 'one', IfMatch: await etagOf('one') }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'conditional', Key: 'two', IfMatch: '*' }));
    expect(await keysIn('conditional')).toEqual(['four', 'three']);

    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'conditional',
        Delete: {
          Objects: [
            { Key: 'three', ETag: '"0123456789abcdef0123456789abcdef"' },
            { Key: 'four', ETag: await etagOf('four') },
            { Key: 'gone', ETag: '*' },
          ],
        },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['four']);
    expect(result.Errors?.map((e) => [e.Key, e.Code])).toEqual([
      ['three', 'PreconditionFailed'],
      ['gone', 'NoSuchKey'],
    ]);
    expect(await keysIn('conditional')).toEqual(['three']);
  });

  it('a conditional delete on a versioned key is decided on its current version: a delete marker on top is NoSuchKey', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'conditional-versions' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'conditional-versions', VersioningConfiguration: { Status: 'Enabled' } }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'conditional-versions', Key: 'k', Body: 'v1' }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: 'conditional-versions', Key: 'k', IfMatch: put.ETag }));
    expect(marker.DeleteMarker).toBe(true);
    const again = await s3ErrorOf(s3.send(new DeleteObjectCommand({ Bucket: 'conditional-versions', Key: 'k', IfMatch: '*' })));
    expect(again.name).toBe('NoSuchKey');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'conditional-versions' }));
    expect([versions.Versions?.length, versions.DeleteMarkers?.length]).toEqual([1, 1]);
  });

  it('quiet mode returns only errors, per key (an invalid key fails alone)', async () => {
    await fill('quiet-batch', ['x', 'y']);
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: 'quiet-batch', Delete: { Quiet: true, Objects: [{ Key: 'x' }, { Key: 'k'.repeat(1025) }, { Key: 'y' }] } }),
    );
    expect(result.Deleted ?? []).toEqual([]);
    expect(result.Errors).toEqual([{ Key: 'k'.repeat(1025), Code: 'KeyTooLongError', Message: 'Your key is too long.' }]);
    expect(await keysIn('quiet-batch')).toEqual([]);
  });

  it('decodes XML\'s own references in keys: &amp; and the like, &#13; (CR, as SDKs send it) and astral characters', async () => {
    const bucket = 'referenced-keys';
    await fill(bucket, ['cr\rkey', 'amp&key', 'quote"key', 'emoji\u{1F600}', 'kept']);
    const body = `<Delete>${['cr&#13;key', 'amp&amp;key', 'quote&quot;key', 'emoji&#x1F600;'].map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
    const response = await signedFetch(server, { method: 'POST', path: `/${bucket}`, query: { delete: '' }, headers: { 'content-md5': md5Base64(body) }, body });
    expect(response.status).toBe(200);
    expect(await keysIn(bucket)).toEqual(['kept']);
  });

  it('echoes the version id asked for', async () => {
    await fill('version-batch', ['v']);
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: 'version-batch', Delete: { Objects: [{ Key: 'v', VersionId: 'null' }] } }));
    expect(result.Deleted).toEqual([{ Key: 'v', VersionId: 'null' }]);
    expect(await keysIn('version-batch')).toEqual([]);
  });

  it('answers NoSuchBucket for a missing bucket', async () => {
    const error = await s3ErrorOf(s3.send(new DeleteObjectsCommand({ Bucket: 'no-such-batch', Delete: { Objects: [{ Key: 'a' }] } })));
    expect(error.name).toBe('NoSuchBucket');
  });

  describe('refuses, deleting nothing', () => {
    const bucket = 'guarded-batch';
    const deleteXml = (keys: string[]) => `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
    const post = (body: string, headers: Record<string, string>) => signedFetch(server, { method: 'POST', path: `/${bucket}`, query: { delete: '' }, headers, body });

    beforeAll(() => fill(bucket, ['one', 'two', 'two\uFFFD']));

    it('a request without Content-MD5 or a checksum: InvalidRequest, as AWS', async () => {
      const response = await post(deleteXml(['one']), {});
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>InvalidRequest</Code>');
      expect(response.body).toContain('Missing required header for this request: Content-MD5');
    });

    it('a Content-MD5 that does not match: BadDigest', async () => {
      const response = await post(deleteXml(['one']), { 'content-md5': md5Base64('something else') });
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>BadDigest</Code>');
    });

    it('malformed XML, an Object without Key, or an empty Delete: MalformedXML', async () => {
      for (const body of ['<Delete><Object><Key>one</Key></Object>', '<Delete><Object><VersionId>x</VersionId></Object></Delete>', '<Delete></Delete>', 'not xml']) {
        const response = await post(body, { 'content-md5': md5Base64(body) });
        expect(response.status, body).toBe(400);
        expect(response.body, body).toContain('<Code>MalformedXML</Code>');
      }
    });

    it('a document that is not UTF-8: MalformedXML (its bad byte read as U+FFFD would name another key)', async () => {
      const body = Buffer.concat([Buffer.from('<Delete><Object><Key>two'), Buffer.from([0xff]), Buffer.from('</Key></Object></Delete>')]);
      const response = await signedFetch(server, { method: 'POST', path: `/${bucket}`, query: { delete: '' }, headers: { 'content-md5': md5Base64(body) }, body });
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>MalformedXML</Code>');
    });

    it('a reference XML does not allow, an HTML entity, a bare & or a forbidden character: MalformedXML (a reference dropped would name another key)', async () => {
      for (const key of ['tw&#1;o', 'tw&#0;o', 'tw&#xD800;o', 'tw&#xFFFE;o', 'tw&copy;o', 'tw&nbsp;o', 'tw&bogus;o', 'tw & o', 'tw\u0001o']) {
        const body = deleteXml([key]);
        const response = await post(body, { 'content-md5': md5Base64(body) });
        expect(response.status, key).toBe(400);
        expect(response.body, key).toContain('<Code>MalformedXML</Code>');
      }
    });

    it('1001 keys: MalformedXML (1000 is the limit)', async () => {
      const body = deleteXml(Array.from({ length: 1001 }, (_, i) => (i === 0 ? 'one' : `k${i}`)));
      const response = await post(body, { 'content-md5': md5Base64(body) });
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>MalformedXML</Code>');
    });

    it('and the keys are all still there', async () => {
      expect(await keysIn(bucket)).toEqual(['one', 'two', 'two\uFFFD']);
    });

    it('a Content-MD5 request that is right deletes (raw XML with namespace and Quiet=false)', async () => {
      const body = `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>false</Quiet><Object><Key>two</Key></Object></Delete>`;
      const response = await post(body, { 'content-md5': md5Base64(body) });
      expect(response.status).toBe(200);
      expect(response.body).toContain('<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>two</Key></Deleted></DeleteResult>');
      expect(await keysIn(bucket)).toEqual(['one', 'two\uFFFD']);
    });
  });

  it('deletes 1000 keys in one request', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    await fill('big-batch', keys);
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: 'big-batch', Delete: { Quiet: true, Objects: keys.map((Key) => ({ Key })) } }));
    expect(result.Errors ?? []).toEqual([]);
    expect(await keysIn('big-batch')).toEqual([]);
  });

  it('minio-js removeObjects', async () => {
    await fill('mjs-batch', ['m1', 'm2', 'm/3', 'kept']);
    const mc = minioClient(server);
    const result = await mc.removeObjects('mjs-batch', ['m1', 'm2', 'm/3']);
    expect(JSON.stringify(result)).not.toMatch(/Code|Error/);
    expect(await keysIn('mjs-batch')).toEqual(['kept']);
  });

  it('aws s3 rm --recursive', async () => {
    await fill('cli-batch', ['p/1', 'p/2', 'p/q/3', 'other']);
    const result = await awsCli(server, ['s3', 'rm', '--recursive', 's3://cli-batch/p/']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(/^delete: /gm)).toHaveLength(3);
    expect(await keysIn('cli-batch')).toEqual(['other']);
  });

  it('aws s3api delete-objects', async () => {
    await fill('api-batch', ['s1', 's2']);
    const result = await awsCli(server, ['s3api', 'delete-objects', '--bucket', 'api-batch', '--delete', JSON.stringify({ Objects: [{ Key: 's1' }, { Key: 's2' }] })]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).Deleted.map((d: { Key: string }) => d.Key).sort()).toEqual(['s1', 's2']);
    expect(await keysIn('api-batch')).toEqual([]);
  });

  it('boto3 delete_objects', async () => {
    await fill('boto-batch', ['b1', 'b 2', 'kept']);
    const result = await boto3(
      server,
      `r = s3.delete_objects(Bucket='boto-batch', Delete={'Objects': [{'Key': 'b1'}, {'Key': 'b 2'}]})\nprint(json.dumps(sorted(d['Key'] for d in r['Deleted'])))`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['b 2', 'b1']);
    expect(await keysIn('boto-batch')).toEqual(['kept']);
  });
});
