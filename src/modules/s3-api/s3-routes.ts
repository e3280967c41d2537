/**
 * The S3 route table: which operation a request is, from its method, whether it names a
 * bucket and a key, and its query sub-resources. Query parameters that are not
 * sub-resources (prefix, versionId, x-id, response-*...) do not select operations; a
 * sub-resource cairn does not serve yet is NotImplemented, never silently ignored.
 */
import { s3Error } from '../../domain/errors';
import type { S3Target } from './s3-request';
import { UNSET_BUCKET_CONFIGURATIONS, type UnsetConfigurationOperation } from './unset-bucket-configurations';

export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'HeadBucket'
  | 'GetBucketLocation'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObjectAttributes'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'PutBucketVersioning'
  | 'GetBucketVersioning'
  | 'ListObjectVersions'
  | 'PutObjectLockConfiguration'
  | 'GetObjectLockConfiguration'
  | 'PutObjectRetention'
  | 'GetObjectRetention'
  | 'PutObjectLegalHold'
  | 'GetObjectLegalHold'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'PostObject'
  | 'DeleteObjects'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'DeleteObjectTagging'
  | 'GetBucketTagging'
  | 'PutBucketTagging'
  | 'DeleteBucketTagging'
  | 'GetBucketAcl'
  | 'PutBucketAcl'
  | 'GetObjectAcl'
  | 'PutObjectAcl'
  | 'GetBucketCors'
  | 'PutBucketCors'
  | 'DeleteBucketCors'
  | UnsetConfigurationOperation;

/** Every S3 sub-resource: a query parameter that changes which operation a request is. */
export const SUB_RESOURCES = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'delete', 'encryption', 'intelligent-tiering',
  'inventory', 'legal-hold', 'lifecycle', 'location', 'logging', 'metadataConfiguration', 'metrics',
  'notification', 'object-lock', 'ownershipControls', 'partNumber', 'policy', 'policyStatus',
  'publicAccessBlock', 'renameObject', 'replication', 'requestPayment', 'restore', 'retention',
  'select', 'session', 'tagging', 'torrent', 'uploadId', 'uploads', 'versioning', 'versions', 'website',
]);

type Level = 'service' | 'bucket' | 'object';

interface Route {
  readonly method: string;
  readonly level: Level;
  /** The sub-resource that selects this route; undefined for the plain resource. */
  readonly subResource?: string;
  /** A request header whose presence selects this route (CopyObject is a PUT with x-amz-copy-source). */
  readonly header?: string;
  readonly operation: S3Operation;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', level: 'service', operation: 'ListBuckets' },
  { method: 'PUT', level: 'bucket', operation: 'CreateBucket' },
  { method: 'DELETE', level: 'bucket', operation: 'DeleteBucket' },
  { method: 'HEAD', level: 'bucket', operation: 'HeadBucket' },
  { method: 'GET', level: 'bucket', subResource: 'location', operation: 'GetBucketLocation' },
  { method: 'GET', level: 'bucket', operation: 'ListObjects' },
  { method: 'PUT', level: 'object', header: 'x-amz-copy-source', operation: 'CopyObject' },
  { method: 'PUT', level: 'object', operation: 'PutObject' },
  { method: 'GET', level: 'object', operation: 'GetObject' },
  { method: 'GET', level: 'object', subResource: 'partNumber', operation: 'GetObject' },
  { method: 'GET', level: 'object', subResource: 'attributes', operation: 'GetObjectAttributes' },
  { method: 'HEAD', level: 'object', operation: 'HeadObject' },
  { method: 'HEAD', level: 'object', subResource: 'partNumber', operation: 'HeadObject' },
  { method: 'DELETE', level: 'object', operation: 'DeleteObject' },
  { method: 'GET', level: 'bucket', subResource: 'uploads', operation: 'ListMultipartUploads' },
  { method: 'PUT', level: 'bucket', subResource: 'versioning', operation: 'PutBucketVersioning' },
  { method: 'GET', level: 'bucket', subResource: 'versioning', operation: 'GetBucketVersioning' },
  { method: 'GET', level: 'bucket', subResource: 'versions', operation: 'ListObjectVersions' },
  { method: 'PUT', level: 'bucket', subResource: 'object-lock', operation: 'PutObjectLockConfiguration' },
  { method: 'GET', level: 'bucket', subResource: 'object-lock', operation: 'GetObjectLockConfiguration' },
  { method: 'PUT', level: 'object', subResource: 'retention', operation: 'PutObjectRetention' },
  { method: 'GET', level: 'object', subResource: 'retention', operation: 'GetObjectRetention' },
  { method: 'PUT', level: 'object', subResource: 'legal-hold', operation: 'PutObjectLegalHold' },
  { method: 'GET', level: 'object', subResource: 'legal-hold', operation: 'GetObjectLegalHold' },
  { method: 'POST', level: 'object', subResource: 'uploads', operation: 'CreateMultipartUpload' },
  { method: 'PUT', level: 'object', subResource: 'uploadId', header: 'x-amz-copy-source', operation: 'UploadPartCopy' },
  { method: 'PUT', level: 'object', subResource: 'uploadId', operation: 'UploadPart' },
  { method: 'POST', level: 'object', subResource: 'uploadId', operation: 'CompleteMultipartUpload' },
  { method: 'DELETE', level: 'object', subResource: 'uploadId', operation: 'AbortMultipartUpload' },
  { method: 'GET', level: 'object', subResource: 'uploadId', operation: 'ListParts' },
  { method: 'POST', level: 'bucket', operation: 'PostObject' },
  { method: 'POST', level: 'bucket', subResource: 'delete', operation: 'DeleteObjects' },
  { method: 'GET', level: 'object', subResource: 'tagging', operation: 'GetObjectTagging' },
  { method: 'PUT', level: 'object', subResource: 'tagging', operation: 'PutObjectTagging' },
  { method: 'DELETE', level: 'object', subResource: 'tagging', operation: 'DeleteObjectTagging' },
  { method: 'GET', level: 'bucket', subResource: 'tagging', operation: 'GetBucketTagging' },
  { method: 'PUT', level: 'bucket', subResource: 'tagging', operation: 'PutBucketTagging' },
  { method: 'DELETE', level: 'bucket', subResource: 'tagging', operation: 'DeleteBucketTagging' },
  { method: 'GET', level: 'bucket', subResource: 'acl', operation: 'GetBucketAcl' },
  { method: 'PUT', level: 'bucket', subResource: 'acl', operation: 'PutBucketAcl' },
  { method: 'GET', level: 'object', subResource: 'acl', operation: 'GetObjectAcl' },
  { method: 'PUT', level: 'object', subResource: 'acl', operation: 'PutObjectAcl' },
  { method: 'GET', level: 'bucket', subResource: 'cors', operation: 'GetBucketCors' },
  { method: 'PUT', level: 'bucket', subResource: 'cors', operation: 'PutBucketCors' },
  { method: 'DELETE', level: 'bucket', subResource: 'cors', operation: 'DeleteBucketCors' },
  ...UNSET_BUCKET_CONFIGURATIONS.flatMap((unset): Route[] => [
    { method: 'GET', level: 'bucket', subResource: unset.subResource, operation: unset.get },
    ...('delete' in unset ? [{ method: 'DELETE', level: 'bucket' as const, subResource: unset.subResource, operation: unset.delete }] : []),
  ]),
];

export function resolveOperation(method: string, target: S3Target, headers: Readonly<Record<string, unknown>> = {}): S3Operation {
  const level: Level = target.bucket === undefined ? 'service' : target.key === '' ? 'bucket' : 'object';
  let subResources = [...target.query.keys()].filter((name) => SUB_RESOURCES.has(name));
  // UploadPart names both: the upload selects the operation, the part number is its argument.
  if (subResources.includes('uploadId')) subResources = subResources.filter((name) => name !== 'partNumber');
  if (subResources.length > 1) throw s3Error('NotImplemented', `Combining the sub-resources ${subResources.join(', ')} is not supported.`);
  const subResource = subResources[0];

  const route = ROUTES.find(
    (r) => r.method === method && r.level === level && r.subResource === subResource && (r.header === undefined || headers[r.header] !== undefined),
  );
  if (route) {
    if (route.operation === 'ListObjects' && target.query.get('list-type') === '2') return 'ListObjectsV2';
    return route.operation;
  }
  if (subResource) throw s3Error('NotImplemented', `The ${method} ?${subResource} operation is not implemented.`);
  throw s3Error('MethodNotAllowed');
}
