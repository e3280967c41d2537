/**
 * Bucket configurations cairn does not support (policy, lifecycle, encryption, website,
 * replication, ownership controls, public access block, notification, logging, transfer
 * acceleration, request payment), answered as AWS answers for a bucket that has none set:
 * GET is that configuration's "not found" error, or the empty document AWS returns instead
 * of one; DELETE succeeds, with nothing to delete. PUT stays NotImplemented (no route), so a
 * setting is never accepted and then ignored. Tools that read every setting of a bucket
 * (Terraform's aws_s3_bucket, consoles' bucket views) see "not configured"
 * rather than a 501 they treat as fatal. MinIO answers the same for those it lacks.
 *
 * Encryption: AWS has applied SSE-S3 to every bucket by default since 2023 and returns that
 * configuration, but cairn stores objects unencrypted (server-side-encryption.ts), so it
 * answers as AWS did for a bucket without one. Two are answered as set, because cairn
 * behaves that way: ownership controls, BucketOwnerEnforced (ACLs disabled, as on new AWS
 * buckets; domain/rules/acl.ts), and public access block, all four blocks on. Neither has a
 * DELETE: cairn cannot enable ACLs or make anything public.
 */
import type { S3ErrorCode } from '../../domain/errors';
import { s3Document, tag } from '../../infra/http/xml-writer';

interface UnsetConfiguration {
  readonly subResource: string;
  /** The GET operation's AWS name. */
  readonly get: string;
  /** The DELETE operation's AWS name, where AWS has one. */
  readonly delete?: string;
  /** What GET answers: the configuration's "not found" error, or the document AWS returns when none is set. */
  readonly answer: { readonly missing: S3ErrorCode } | { readonly document: () => string };
}

export const UNSET_BUCKET_CONFIGURATIONS = [
  { subResource: 'policy', get: 'GetBucketPolicy', delete: 'DeleteBucketPolicy', answer: { missing: 'NoSuchBucketPolicy' } },
  { subResource: 'policyStatus', get: 'GetBucketPolicyStatus', answer: { missing: 'NoSuchBucketPolicy' } },
  { subResource: 'lifecycle', get: 'GetBucketLifecycleConfiguration', delete: 'DeleteBucketLifecycle', answer: { missing: 'NoSuchLifecycleConfiguration' } },
  {
    subResource: 'encryption',
    get: 'GetBucketEncryption',
    delete: 'DeleteBucketEncryption',
    answer: { missing: 'ServerSideEncryptionConfigurationNotFoundError' },
  },
  { subResource: 'website', get: 'GetBucketWebsite', delete: 'DeleteBucketWebsite', answer: { missing: 'NoSuchWebsiteConfiguration' } },
  { subResource: 'replication', get: 'GetBucketReplication', delete: 'DeleteBucketReplication', answer: { missing: 'ReplicationConfigurationNotFoundError' } },
  {
    subResource: 'ownershipControls',
    get: 'GetBucketOwnershipControls',
    answer: { document: () => s3Document('OwnershipControls', `<Rule>${tag('ObjectOwnership', 'BucketOwnerEnforced')}</Rule>`) },
  },
  {
    // cairn serves nothing anonymously: every public access is blocked, as on new AWS buckets.
    // No DELETE: it could not make anything public.
    subResource: 'publicAccessBlock',
    get: 'GetPublicAccessBlock',
    answer: {
      document: () =>
        s3Document(
          'PublicAccessBlockConfiguration',
          tag('BlockPublicAcls', true) + tag('IgnorePublicAcls', true) + tag('BlockPublicPolicy', true) + tag('RestrictPublicBuckets', true),
        ),
    },
  },
  { subResource: 'notification', get: 'GetBucketNotificationConfiguration', answer: { document: () => s3Document('NotificationConfiguration', '') } },
  { subResource: 'logging', get: 'GetBucketLogging', answer: { document: () => s3Document('BucketLoggingStatus', '') } },
  { subResource: 'accelerate', get: 'GetBucketAccelerateConfiguration', answer: { document: () => s3Document('AccelerateConfiguration', '') } },
  {
    subResource: 'requestPayment',
    get: 'GetBucketRequestPayment',
    answer: { document: () => s3Document('RequestPaymentConfiguration', tag('Payer', 'BucketOwner')) },
  },
] as const satisfies readonly UnsetConfiguration[];

type Entry = (typeof UNSET_BUCKET_CONFIGURATIONS)[number];

/** The operations these answer, by their AWS names. */
export type UnsetConfigurationOperation = Entry['get'] | Extract<Entry, { delete: string }>['delete'];
