/**
 * Who is calling. Every S3 request must be signed: cairn has no anonymous access (bucket
 * policies come later). The root user from the configuration is the only identity so far.
 */
import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ServerConfig } from '../../config/server-config';
import { s3Error } from '../../domain/errors';
import { verifyAuthorizationHeader, type VerifiedRequest } from '../../infra/http/sigv4';
import type { S3Target } from './s3-request';

@Injectable()
export class S3Authenticator {
  constructor(private readonly config: ServerConfig) {}

  authenticate(request: IncomingMessage, target: S3Target): VerifiedRequest {
    if (request.headers.authorization === undefined) {
      throw s3Error('AccessDenied', 'Anonymous requests are not allowed: sign the request with your access key.');
    }
    return verifyAuthorizationHeader(
      { method: request.method ?? 'GET', rawPath: target.rawPath, rawQuery: target.rawQuery, headers: request.headers },
      {
        lookupSecret: (accessKey) => (accessKey === this.config.rootUser ? this.config.rootPassword : undefined),
        now: new Date(),
        region: this.config.regionEnforced ? this.config.region : undefined,
      },
    );
  }
}
