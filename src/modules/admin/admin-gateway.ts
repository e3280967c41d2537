/**
 * The admin HTTP API, for `cairn admin ... --endpoint URL` (and later the console):
 *   POST /.cairn/admin/v1/heal?bucket=B&prefix=P&deep=true&dry-run=true
 * The path cannot be a bucket (bucket names never start with a dot), so it never shadows S3.
 * Requests are signed with SigV4 by the root user; responses are JSON Lines, streamed.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isS3Error } from '../../domain/errors';
import { S3Authenticator } from '../s3-api/s3-authenticator';
import { parseTarget } from '../s3-api/s3-request';
import { HealService } from '../healing/heal.service';

export const ADMIN_PREFIX = '/.cairn/admin/v1';
const PROGRESS_INTERVAL_MS = 500;

@Injectable()
export class AdminGateway implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: S3Authenticator,
    private readonly heal: HealService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.post(`${ADMIN_PREFIX}/heal`, (request, reply) => this.handleHeal(request, reply));
  }

  private async handleHeal(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    try {
      const target = parseTarget(request.raw.url ?? '/', undefined, []);
      this.authenticator.authenticate(request.raw, target);
      const query = target.query;
      const options = {
        bucket: query.get('bucket') || undefined,
        prefix: query.get('prefix') || undefined,
        deep: query.get('deep') === 'true',
        dryRun: query.get('dry-run') === 'true',
      };
      const total = await this.heal.countObjects(options);
      raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let last = 0;
      const result = await this.heal.scan(options, (progress) => {
        if (Date.now() - last < PROGRESS_INTERVAL_MS) return;
        last = Date.now();
        raw.write(`${JSON.stringify({ type: 'progress', total, ...progress })}\n`);
      });
      raw.end(`${JSON.stringify({ type: 'result', total, ...result })}\n`);
    } catch (error) {
      if (!raw.headersSent) {
        const status = isS3Error(error) ? error.status : 500;
        const code = isS3Error(error) ? error.code : 'InternalError';
        raw.writeHead(status, { 'content-type': 'application/json' });
        raw.end(JSON.stringify({ type: 'error', code, message: error instanceof Error ? error.message : String(error) }));
      } else {
        raw.end(`${JSON.stringify({ type: 'error', code: 'InternalError', message: error instanceof Error ? error.message : String(error) })}\n`);
      }
    }
  }
}
