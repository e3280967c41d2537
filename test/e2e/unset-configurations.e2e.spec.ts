/**
 * Bucket configurations cairn does not support read as never set, as AWS answers for a bucket
 * without them: each GET its "not found" error or empty document, each DELETE succeeds, and
 * each PUT stays NotImplemented and changes nothing.
 */
import {
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketReplicationCommand,
  DeleteBucketWebsiteCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsCli } from '../helpers/cli-tools';
import { s3ErrorOf } from '../helpers/s3-assertions';
import type { CairnServer } from '../helpers/server';
import { serverForTests } from '../helpers/server-for-tests';

const BUCKET = 'unset-config';
const MISSING = 'no-such-bucket-here';

/** Each GET with the error AWS answers when the configuration is not set. */
const NOT_FOUND = [
  ['GetBucketPolicy', (Bucket: string) => new GetBucketPolicyCommand({ Bucket }), 'NoSuchBucketPolicy'],
  ['GetBucketPolicyStatus', (Bucket: string) => new GetBucketPolicyStatusCommand({ Bucket }), 'NoSuchBucketPolicy'],
  ['GetBucketLifecycleConfiguration', (Bucket: string) => new GetBucketLifecycleConfigurationCommand({ Bucket }), 'NoSuchLifecycleConfiguration'],
  ['GetBucketEncryption', (Bucket: string) => new GetBucketEncryptionCommand({ Bucket }), 'ServerSideEncryptionConfigurationNotFoundError'],
  ['GetBucketWebsite', (Bucket: string) => new GetBucketWebsiteCommand({ Bucket }), 'NoSuchWebsiteConfiguration'],
  ['GetBucketReplication', (Bucket: string) => new GetBucketReplicationCommand({ Bucket }), 'ReplicationConfigurationNotFoundError'],
] as const;

const DELETES = [
  ['DeleteBucketPolicy', (Bucket: string) => new DeleteBucketPolicyCommand({ Bucket })],
  ['DeleteBucketLifecycle', (Bucket: string) => new DeleteBucketLifecycleCommand({ Bucket })],
  ['DeleteBucketEncryption', (Bucket: string) => new DeleteBucketEncryptionCommand({ Bucket })],
  ['DeleteBucketWebsite', (Bucket: string) => new DeleteBucketWebsiteCommand({ Bucket })],
  ['DeleteBucketReplication', (Bucket: string) => new DeleteBucketReplicationCommand({ Bucket })],
] as const;

describe('bucket configurations cairn does not support', () => {
  let server: CairnServer;
  let s3: S3Client;
  serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });

  it.each(NOT_FOUND)('%s answers 404 %s', async (_name, command, code) => {
    const error = await s3ErrorOf(s3.send(command(BUCKET)));
    expect(error.name).toBe(code);
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('GetBucketNotificationConfiguration, GetBucketLogging, GetBucketAccelerateConfiguration and GetBucketRequestPayment answer the empty configuration', async () => {
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: BUCKET }));
    expect(notification.$metadata.httpStatusCode).toBe(200);
    expect([notification.TopicConfigurations, notification.QueueConfigurations, notification.LambdaFunctionConfigurations]).toEqual([undefined, undefined, undefined]);
    const logging = await s3.send(new GetBucketLoggingCommand({ Bucket: BUCKET }));
    expect(logging.$metadata.httpStatusCode).toBe(200);
    expect(logging.LoggingEnabled).toBeUndefined();
    const accelerate = await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: BUCKET }));
    expect(accelerate.$metadata.httpStatusCode).toBe(200);
    expect(accelerate.Status).toBeUndefined();
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: BUCKET }))).Payer).toBe('BucketOwner');
  });

  it('GetPublicAccessBlock answers every block on (cairn serves nothing anonymously); DeletePublicAccessBlock stays NotImplemented', async () => {
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));
    expect(block.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const refused = await s3ErrorOf(s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['NotImplemented', 501]);
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration?.BlockPublicAcls).toBe(true);
  });

  it('GetBucketOwnershipControls answers BucketOwnerEnforced (ACLs disabled, as on new AWS buckets); DeleteBucketOwnershipControls stays NotImplemented', async () => {
    const controls = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: BUCKET }));
    expect(controls.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    const refused = await s3ErrorOf(s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: BUCKET })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['NotImplemented', 501]);
  });

  it.each(DELETES)('%s succeeds with nothing to delete', async (_name, command) => {
    const deleted = await s3.send(command(BUCKET));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
  });

  it('every GET and DELETE of them on a missing bucket is NoSuchBucket', async () => {
    const documentReads = [
      new GetBucketNotificationConfigurationCommand({ Bucket: MISSING }),
      new GetBucketLoggingCommand({ Bucket: MISSING }),
      new GetBucketAccelerateConfigurationCommand({ Bucket: MISSING }),
      new GetBucketRequestPaymentCommand({ Bucket: MISSING }),
      new GetPublicAccessBlockCommand({ Bucket: MISSING }),
      new GetBucketOwnershipControlsCommand({ Bucket: MISSING }),
    ];
    for (const [, command] of [...NOT_FOUND, ...DELETES]) expect((await s3ErrorOf(s3.send(command(MISSING)))).name).toBe('NoSuchBucket');
    for (const command of documentReads) expect((await s3ErrorOf(s3.send(command as Parameters<S3Client['send']>[0]))).name).toBe('NoSuchBucket');
  });

  it('a PUT of one stays 501 NotImplemented and sets nothing', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] });
    const refused = await s3ErrorOf(s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['NotImplemented', 501]);
    expect((await s3ErrorOf(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET })))).name).toBe('NoSuchBucketPolicy');
    const lifecycle = { Rules: [{ ID: 'expire', Status: 'Enabled' as const, Filter: { Prefix: '' }, Expiration: { Days: 1 } }] };
    const refusedLifecycle = await s3ErrorOf(s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: lifecycle })));
    expect(refusedLifecycle.name).toBe('NotImplemented');
    expect((await s3ErrorOf(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET })))).name).toBe('NoSuchLifecycleConfiguration');
  });

  it('the aws cli reads them as not set', async () => {
    const policy = await awsCli(server, ['s3api', 'get-bucket-policy', '--bucket', BUCKET]);
    expect(policy.code).not.toBe(0);
    expect(policy.stderr).toContain('NoSuchBucketPolicy');
    const encryption = await awsCli(server, ['s3api', 'get-bucket-encryption', '--bucket', BUCKET]);
    expect(encryption.code).not.toBe(0);
    expect(encryption.stderr).toContain('ServerSideEncryptionConfigurationNotFoundError');
    const payment = await awsCli(server, ['s3api', 'get-bucket-request-payment', '--bucket', BUCKET]);
    expect(payment.code, payment.stderr).toBe(0);
    expect(JSON.parse(payment.stdout)).toEqual({ Payer: 'BucketOwner' });
  });
});
