import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../../domain/deciders/decision-context';
import { assertWellFormedVersionId } from '../../domain/rules/version-ids';
import { uriEncode } from '../../infra/http/uri-encode';
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

/** The versionId query parameter, if any; InvalidArgument when it cannot be a version id. */
export function requestedVersionId(call: S3Call): string | undefined {
  const versionId = call.target.query.get('versionId');
  if (versionId !== undefined) assertWellFormedVersionId(versionId);
  return versionId;
}

/** The object version a request names: bucket, key and the versionId query parameter, if any. */
export function objectTarget(call: S3Call): ObjectTarget {
  const versionId = requestedVersionId(call);
  return { bucket: bucketOf(call), key: call.target.key, ...(versionId !== undefined ? { versionId } : {}) };
}

/**
 * The URL of the call's object as S3 gives it in a Location (CompleteMultipartUpload, POST
 * Object): at the host the request was sent to, virtual-host style when it came that way.
 * `endpoint` (http://host:port) stands in when the request had no Host header.
 */
export function objectLocation(call: S3Call, endpoint: string, key: string): string {
  const host = header(call, 'host');
  const origin = host ? `http://${host}` : endpoint;
  const path = uriEncode(key, true);
  return call.target.virtualHost ? `${origin}/${path}` : `${origin}/${uriEncode(bucketOf(call))}/${path}`;
}
