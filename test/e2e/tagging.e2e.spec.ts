/**
 * Object and bucket tagging with real clients: PutObject's x-amz-tagging, the ?tagging
 * sub-resource on objects (with versionId) and buckets, x-amz-tagging-count on GET/HEAD,
 * and AWS's limits.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectTaggingCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../helpers/cli-tools';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { minioClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { signedFetch } from '../helpers/signed-fetch';
import { serverForTests } from '../helpers/server-for-tests';

const BUCKET = 'tagged';

describe('object and bucket tagging', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });

  const tagsOf = async (Key: string, VersionId?: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key, VersionId }))).TagSet;

  it('PutObject with x-amz-tagging stores the tags; GET and HEAD report x-amz-tagging-count', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'photo.jpg', Body: 'jpeg', Tagging: 'project=cairn&stage=alpha%20one&empty=' }));
    expect(await tagsOf('photo.jpg')).toEqual([
      { Key: 'project', Value: 'cairn' },
      { Key: 'stage', Value: 'alpha one' },
      { Key: 'empty', Value: '' },
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'photo.jpg' })) as { TagCount?: number }).TagCount).toBe(3);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'photo.jpg' }));
    expect(got.TagCount).toBe(3);
    await got.Body?.transformToByteArray();
    const head = await signedFetch(server, { method: 'HEAD', path: `/${BUCKET}/photo.jpg` });
    expect(head.headers.get('x-amz-tagging-count')).toBe('3');
  });

  it('CopyObject copies the source\'s tags (COPY, the default) or takes x-amz-tagging (REPLACE)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy-source', Body: 'bytes', Tagging: 'origin=camera' }));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-kept', CopySource: `${BUCKET}/copy-source` }));
    expect(await tagsOf('copy-kept')).toEqual([{ Key: 'origin', Value: 'camera' }]);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-replaced', CopySource: `${BUCKET}/copy-source`, TaggingDirective: 'REPLACE', Tagging: 'origin=edit&v=2' }));
    expect(await tagsOf('copy-replaced')).toEqual([
      { Key: 'origin', Value: 'edit' },
      { Key: 'v', Value: '2' },
    ]);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-untagged', CopySource: `${BUCKET}/copy-source`, TaggingDirective: 'REPLACE' }));
    expect(await tagsOf('copy-untagged')).toEqual([]);
  });

  it('an object without tags has an empty TagSet and no tag count', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain', Body: 'x' }));
    expect(await tagsOf('plain')).toEqual([]);
    const head = await signedFetch(server, { method: 'HEAD', path: `/${BUCKET}/plain` });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-amz-tagging-count')).toBeNull();
  });

  it('PutObjectTagging replaces the set, DeleteObjectTagging removes it (also by versionId=null)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'doc', Body: 'x', Tagging: 'old=1' }));
    await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'doc', Tagging: { TagSet: [{ Key: 'new', Value: 'ü / + = . _ : @' }] } }));
    expect(await tagsOf('doc')).toEqual([{ Key: 'new', Value: 'ü / + = . _ : @' }]);
    expect(await tagsOf('doc', 'null')).toEqual([{ Key: 'new', Value: 'ü / + = . _ : @' }]);
    const deleted = await s3.send(new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: 'doc', VersionId: 'null' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf('doc')).toEqual([]);
    // The object itself is untouched.
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'doc' }));
    expect(await got.Body?.transformToString()).toBe('x');
  });

  it('overwriting an object drops its tags (tags belong to the version)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rewritten', Body: 'v1', Tagging: 'a=1' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'rewritten', Body: 'v2' }));
    expect(await tagsOf('rewritten')).toEqual([]);
  });

  it('refuses bad tags as AWS does, changing nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'guarded', Body: 'x', Tagging: 'keep=me' }));
    const put = (TagSet: { Key: string; Value: string }[]) => s3ErrorOf(s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'guarded', Tagging: { TagSet } })));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect((await put(eleven)).name).toBe('BadRequest');
    expect((await put([{ Key: 'k'.repeat(129), Value: 'v' }])).name).toBe('InvalidTag');
    expect((await put([{ Key: 'k', Value: 'v'.repeat(257) }])).name).toBe('InvalidTag');
    expect((await put([{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }])).name).toBe('InvalidTag');
    expect((await put([{ Key: 'bad#key', Value: '1' }])).name).toBe('InvalidTag');
    expect(await tagsOf('guarded')).toEqual([{ Key: 'keep', Value: 'me' }]);

    const header = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'never', Body: 'x', Tagging: 'a=1&a=2' })));
    expect(header.name).toBe('InvalidArgument');
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'never' })))).name).toBe('NotFound');
  });

  it('answers NoSuchKey, NoSuchVersion, InvalidArgument (a malformed version id) and NoSuchBucket', async () => {
    expect((await s3ErrorOf(s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'missing' })))).name).toBe('NoSuchKey');
    expect((await s3ErrorOf(s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'plain', VersionId: '0'.repeat(32) })))).name).toBe('NoSuchVersion');
    expect((await s3ErrorOf(s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'plain', VersionId: 'v9' })))).name).toBe('InvalidArgument');
    expect((await s3ErrorOf(s3.send(new PutObjectTaggingCommand({ Bucket: 'no-such-tagged', Key: 'k', Tagging: { TagSet: [] } })))).name).toBe('NoSuchBucket');
  });

  it('malformed Tagging documents are MalformedXML', async () => {
    for (const body of ['<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>', '<Tagging></Tagging>', '<Tagging><TagSet>']) {
      const response = await signedFetch(server, { method: 'PUT', path: `/${BUCKET}/guarded`, query: { tagging: '' }, body });
      expect(response.status, body).toBe(400);
      expect(response.body, body).toContain('<Code>MalformedXML</Code>');
    }
  });

  it('bucket tagging: NoSuchTagSet until put, up to 50 tags, then deleted', async () => {
    expect((await s3ErrorOf(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })))).name).toBe('NoSuchTagSet');
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `team-${i}`, Value: `v${i}` }));
    const put = await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: fifty } }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET }))).TagSet).toEqual(fifty);
    const tooMany = [...fifty, { Key: 'one-more', Value: 'x' }];
    expect((await s3ErrorOf(s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: tooMany } })))).name).toBe('BadRequest');
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: BUCKET }));
    expect((await s3ErrorOf(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET })))).name).toBe('NoSuchTagSet');
  });

  it('minio-js setObjectTagging / getObjectTagging / removeObjectTagging and bucket tags', async () => {
    const mc = minioClient(server);
    await mc.putObject(BUCKET, 'mjs', Buffer.from('m'));
    await mc.setObjectTagging(BUCKET, 'mjs', { owner: 'minio-js', kind: 'test' });
    const tags = await mc.getObjectTagging(BUCKET, 'mjs');
    expect(tags.map((t) => [t.Key, t.Value]).sort()).toEqual([
      ['kind', 'test'],
      ['owner', 'minio-js'],
    ]);
    await mc.removeObjectTagging(BUCKET, 'mjs', { versionId: 'null' });
    expect(await mc.getObjectTagging(BUCKET, 'mjs')).toEqual([]);
    await mc.setBucketTagging(BUCKET, { env: 'dev' });
    expect((await mc.getBucketTagging(BUCKET)).map((t) => [t.Key, t.Value])).toEqual([['env', 'dev']]);
    await mc.removeBucketTagging(BUCKET);
  });

  it('aws cli s3api put-object-tagging / get-object-tagging and s3 cp --metadata tagging', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cli', Body: 'c' }));
    const put = await awsCli(server, ['s3api', 'put-object-tagging', '--bucket', BUCKET, '--key', 'cli', '--tagging', 'TagSet=[{Key=from,Value=cli}]']);
    expect(put.code, put.stderr).toBe(0);
    const got = await awsCli(server, ['s3api', 'get-object-tagging', '--bucket', BUCKET, '--key', 'cli']);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).TagSet).toEqual([{ Key: 'from', Value: 'cli' }]);
    const bucketPut = await awsCli(server, ['s3api', 'put-bucket-tagging', '--bucket', BUCKET, '--tagging', 'TagSet=[{Key=cost,Value=center}]']);
    expect(bucketPut.code, bucketPut.stderr).toBe(0);
    const bucketGot = await awsCli(server, ['s3api', 'get-bucket-tagging', '--bucket', BUCKET]);
    expect(JSON.parse(bucketGot.stdout).TagSet).toEqual([{ Key: 'cost', Value: 'center' }]);
  });

  it('boto3 put_object(Tagging=...), get_object_tagging, put/get/delete_bucket_tagging', async () => {
    const result = await boto3(
      server,
      [
        `s3.put_object(Bucket='${BUCKET}', Key='boto', Body=b'b', Tagging='lang=python&ver=3')`,
        `t = s3.get_object_tagging(Bucket='${BUCKET}', Key='boto')['TagSet']`,
        `count = s3.get_object(Bucket='${BUCKET}', Key='boto')['TagCount']`,
        `s3.put_bucket_tagging(Bucket='${BUCKET}', Tagging={'TagSet': [{'Key': 'by', 'Value': 'boto3'}]})`,
        `b = s3.get_bucket_tagging(Bucket='${BUCKET}')['TagSet']`,
        `s3.delete_bucket_tagging(Bucket='${BUCKET}')`,
        `try:\n    s3.get_bucket_tagging(Bucket='${BUCKET}')\n    code = None\nexcept ClientError as e:\n    code = e.response['Error']['Code']`,
        'print(json.dumps({"tags": t, "count": count, "bucket": b, "after": code}))',
      ].join('\n'),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      tags: [
        { Key: 'lang', Value: 'python' },
        { Key: 'ver', Value: '3' },
      ],
      count: 2,
      bucket: [{ Key: 'by', Value: 'boto3' }],
      after: 'NoSuchTagSet',
    });
  });

  it('tags given at CreateMultipartUpload go onto the completed object; bad ones are refused at creation', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart', Tagging: 'team=data&tier=hot' }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multipart', UploadId, PartNumber: 1, Body: 'only part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect(await tagsOf('multipart')).toEqual([
      { Key: 'team', Value: 'data' },
      { Key: 'tier', Value: 'hot' },
    ]);
    // Refused as a PutObject with the same header is.
    for (const Tagging of ['aws:reserved=1', 'dup=1&dup=2']) {
      const onPut = await s3ErrorOf(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'multipart-bad', Body: 'x', Tagging })));
      const onCreate = await s3ErrorOf(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart-bad', Tagging })));
      expect([onCreate.name, onCreate.$metadata.httpStatusCode], Tagging).toEqual([onPut.name, 400]);
    }
    // boto3's managed transfer (s3transfer) sends the tags on CreateMultipartUpload.
    const result = await boto3(
      server,
      [
        'from boto3.s3.transfer import TransferConfig',
        'import io',
        `s3.upload_fileobj(io.BytesIO(b'x' * (6 * 1024 * 1024)), '${BUCKET}', 'boto-multipart', ExtraArgs={'Tagging': 'via=s3transfer'}, Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))`,
        `print(json.dumps(s3.get_object_tagging(Bucket='${BUCKET}', Key='boto-multipart')['TagSet']))`,
      ].join('\n'),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ Key: 'via', Value: 's3transfer' }]);
    const { ETag: multipartEtag } = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'boto-multipart' }));
    expect(multipartEtag).toMatch(/-2"$/);
  });

  it('a delete marker has no tags: Get/Put/DeleteObjectTagging on it are 405 MethodNotAllowed, named or latest', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tagged-versions' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'tagged-versions', VersioningConfiguration: { Status: 'Enabled' } }));
    const kept = (await s3.send(new PutObjectCommand({ Bucket: 'tagged-versions', Key: 'k', Body: 'x', Tagging: 'keep=me' }))).VersionId;
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket: 'tagged-versions', Key: 'k' }))).VersionId;
    const TagSet = [{ Key: 'a', Value: 'b' }];
    for (const VersionId of [undefined, marker]) {
      const target = { Bucket: 'tagged-versions', Key: 'k', VersionId };
      for (const request of [
        () => s3.send(new GetObjectTaggingCommand(target)),
        () => s3.send(new PutObjectTaggingCommand({ ...target, Tagging: { TagSet } })),
        () => s3.send(new DeleteObjectTaggingCommand(target)),
      ]) {
        const error = await s3ErrorOf(request());
        expect([error.name, error.$metadata.httpStatusCode], String(VersionId)).toEqual(['MethodNotAllowed', 405]);
      }
    }
    // The version under the marker keeps its tags.
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'tagged-versions', Key: 'k', VersionId: kept }))).TagSet).toEqual([{ Key: 'keep', Value: 'me' }]);
  });

  it('tags survive a restart (they are in the log and the projection)', async () => {
    await s3.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: 'plain', Tagging: { TagSet: [{ Key: 'durable', Value: 'yes' }] } }));
    await server.restart();
    expect(await tagsOf('plain')).toEqual([{ Key: 'durable', Value: 'yes' }]);
  });
});
