import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../../domain/deciders/decision-context';
import type { VerifiedRequest } from '../../infra/http/sigv4';
import type { S3Response } from './s3-response';
import type { S3Target } from './s3-request';
import type { S3Operation } from './s3-routes';
import type { ObjectTarget } from '../objects/object-tagging.service';

/** Everything a handler gets for one authenticated S3 request. */
export interface S3Call {
  readonly operation: S3Operation;
  readonly target: S3Target;
  readonly request: IncomingMessage;
  readonly response: S3Response;
  readonly auth: VerifiedRequest;
  readonly context: RequestContext;
}

/** The bucket of a bucket- or object-level call (the route table guarantees there is one). */
export function bucketOf(call: S3Call): string {
  return call.target.bucket!;
}

export function header(call: S3Call, name: string): string | undefined {
  const value = call.request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The object version a request names: bucket, key and the versionId query parameter, if any. */
export function objectTarget(call: S3Call): ObjectTarget {
  const versionId = call.target.query.get('versionId');
  return { bucket: bucketOf(call), key: call.target.key, ...(versionId !== undefined ? { versionId } : {}) };
}
