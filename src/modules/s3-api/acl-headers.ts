/** A request's x-amz-acl and x-amz-grant-* headers, for the owner-only rule of domain/rules/acl.ts. */
import { grantHeadersOf, type AclHeaders } from '../../domain/rules/acl';
import { header, type S3Call } from './s3-call';

export function aclHeadersOf(call: S3Call): AclHeaders {
  return { canned: header(call, 'x-amz-acl'), grantHeaders: grantHeadersOf(call.request.headers) };
}
