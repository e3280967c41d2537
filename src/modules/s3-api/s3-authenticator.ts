/**
 * Who is calling. Every S3 request must be signed: cairn has no anonymous access (bucket
 * policies come later). The root user from the configuration is the only identity so far.
 *
 * One request carries one of these: a SigV4 or SigV2 Authorization header, a SigV4 or
 * SigV2 presigned query, or (POST Object only) a signed policy inside its form fields,
 * which the PostObject handler verifies once it has read them.
 */
import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ServerConfig } from '../../config/server-config';
import { s3Error } from '../../domain/errors';
import { isPresignedV2, verifyAuthorizationHeaderV2, verifyPresignedV2, type SigV2Request } from '../../infra/http/sigv2';
import { verifyAuthorizationHeader, type VerifiedRequest } from '../../infra/http/sigv4';
import { isPresignedV4, verifyPresignedV4 } from '../../infra/http/sigv4-presigned';
import { applyPresignedQueryHeaders } from './presigned-query-headers';
import type { S3Target } from './s3-request';
import { SUB_RESOURCES } from './s3-routes';

/**
 * What authenticate() returns for a browser-form POST without header or query credentials:
 * no one yet. Only PostObject accepts it, and it authenticates the form's policy itself.
 */
export const FORM_CREDENTIALS_PENDING: VerifiedRequest = Object.freeze({ accessKey: '', region: '', payload: { kind: 'unsigned' as const } });

@Injectable()
export class S3Authenticator {
  constructor(private readonly config: ServerConfig) {}

  /** The root user's secret, or undefined for any other access key. */
  private readonly lookupSecret = (accessKey: string): string | undefined => (accessKey === this.config.rootUser ? this.config.rootPassword : undefined);

  authenticate(request: IncomingMessage, target: S3Target): VerifiedRequest {
    const authorization = request.headers.authorization;
    const presignedV4 = isPresignedV4(target.query);
    const presignedV2 = !presignedV4 && isPresignedV2(target.query);
    if ((authorization !== undefined ? 1 : 0) + (presignedV4 ? 1 : 0) + (presignedV2 ? 1 : 0) > 1) {
      throw s3Error(
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        { ArgumentName: 'Authorization', ArgumentValue: authorization ?? '' },
      );
    }
    assertNoSessionToken(request, target);
    // Node joins a repeated header's values with ', '; signatures join them with ','.
    const headers = hasRepeatedHeaders(request) ? request.headersDistinct : request.headers;
    const signed = { method: request.method ?? 'GET', rawPath: target.rawPath, rawQuery: target.rawQuery, headers };
    const lookupSecret = this.lookupSecret;
    const now = new Date();
    const enforcedRegion = this.config.regionEnforced ? this.config.region : undefined;

    if (presignedV4 || presignedV2) {
      const verified = presignedV4
        ? verifyPresignedV4(signed, target.query, { lookupSecret, now, region: enforcedRegion })
        : verifyPresignedV2(this.v2Request(signed, target), { lookupSecret, now, region: this.config.region });
      applyPresignedQueryHeaders(request, target.query);
      return verified;
    }
    if (authorization === undefined) {
      if (isBrowserFormPost(request, target)) return FORM_CREDENTIALS_PENDING;
      throw s3Error('AccessDenied', 'Anonymous requests are not allowed: sign the request with your access key.');
    }
    if (authorization.startsWith('AWS ')) {
      return verifyAuthorizationHeaderV2(this.v2Request(signed, target), { lookupSecret, now, region: this.config.region });
    }
    return verifyAuthorizationHeader(signed, { lookupSecret, now, region: enforcedRegion });
  }

  private v2Request(signed: Omit<SigV2Request, 'query' | 'resourcePaths'>, target: S3Target): SigV2Request {
    // A virtual-host style request names its bucket in Host; V2 signs it as part of the path.
    const resourcePaths = target.virtualHost ? [`/${encodeURIComponent(target.bucket!)}${target.rawPath}`, target.rawPath] : [target.rawPath];
    // A request for the bucket itself is signed as `/bucket/` by AWS's own clients (boto), as `/bucket` by others.
    if (target.bucket !== undefined && target.key === '') resourcePaths.push(...resourcePaths.map((p) => (p.endsWith('/') ? p.slice(0, -1) : `${p}/`)));
    return { ...signed, query: target.query, resourcePaths };
  }
}

/**
 * A session token belongs to temporary credentials, which cairn does not issue: AWS refuses a
 * token it cannot honour (InvalidToken) rather than ignore it, so an expired or revoked one
 * is never taken as valid.
 */
function assertNoSessionToken(request: IncomingMessage, target: S3Target): void {
  if (request.headers['x-amz-security-token'] !== undefined || target.query.has('X-Amz-Security-Token') || target.query.has('x-amz-security-token')) {
    throw s3Error('InvalidToken');
  }
}

function hasRepeatedHeaders(request: IncomingMessage): boolean {
  let names = 0;
  for (const _name in request.headers) names++;
  return request.rawHeaders.length / 2 > names;
}

/** POST /bucket with a multipart/form-data body and no sub-resource: a browser-form upload. */
export function isBrowserFormPost(request: IncomingMessage, target: S3Target): boolean {
  if (request.method !== 'POST' || target.bucket === undefined || target.key !== '') return false;
  if ([...target.query.keys()].some((name) => SUB_RESOURCES.has(name))) return false;
  return /^multipart\/form-data/i.test(request.headers['content-type'] ?? '');
}
