/**
 * The audit part of the admin HTTP API (SigV4, root), over the running server's own drives:
 *   GET /.cairn/admin/v1/audit/verify                          -> VerifyReport (JSON)
 *   GET /.cairn/admin/v1/audit/export?bucket=B&since=T&until=T -> JSON Lines, streamed
 *   GET /.cairn/admin/v1/audit/replay?bucket=B&at=T            -> ListVersionsResult (XML)
 * Errors are `{ "code", "message" }` JSON with the S3 status.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ServerConfig } from '../../config/server-config';
import { isS3Error, s3Error } from '../../domain/errors';
import { parseIsoInstant } from '../../domain/rules/iso-instant';
import { LocalDrive } from '../../infra/drives/local-drive';
import { auditLines } from '../../infra/eventlog/log-export';
import { replayBucket } from '../../infra/eventlog/log-replay';
import { verifyLogs, type AuditedDrive, type UnreadableDrive } from '../../infra/eventlog/log-verifier';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { S3Authenticator } from '../s3-api/s3-authenticator';
import { ownerOf } from '../s3-api/s3-owner';
import { parseTarget } from '../s3-api/s3-request';
import { renderAllVersions } from '../s3-api/xml/list-versions.xml';
import { ADMIN_PREFIX } from './admin-gateway';

@Injectable()
export class AuditGateway implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: S3Authenticator,
    private readonly erasureSet: ErasureSet,
    private readonly config: ServerConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get(`${ADMIN_PREFIX}/audit/verify`, (request, reply) => this.handle(request, reply, () => this.verify(reply.raw)));
    fastify.get(`${ADMIN_PREFIX}/audit/export`, (request, reply) => this.handle(request, reply, (query) => this.export(query, reply.raw)));
    fastify.get(`${ADMIN_PREFIX}/audit/replay`, (request, reply) => this.handle(request, reply, (query) => this.replay(query, reply.raw)));
  }

  private async handle(request: FastifyRequest, reply: FastifyReply, work: (query: ReadonlyMap<string, string>) => Promise<void>): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    try {
      const target = parseTarget(request.raw.url ?? '/', undefined, []);
      this.authenticator.authenticate(request.raw, target);
      await work(target.query);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (raw.headersSent) {
        // Mid-stream: the status is gone; cut the stream so the client cannot take it as complete.
        raw.destroy(error instanceof Error ? error : new Error(message));
        return;
      }
      raw.writeHead(isS3Error(error) ? error.status : 500, { 'content-type': 'application/json' });
      raw.end(JSON.stringify({ code: isS3Error(error) ? error.code : 'InternalError', message }));
    }
  }

  private async verify(raw: ServerResponse): Promise<void> {
    const drives: AuditedDrive[] = [];
    const unreadable: UnreadableDrive[] = [];
    for (const drive of this.erasureSet.drives) {
      if (drive instanceof LocalDrive) {
        drives.push({ label: drive.label, deploymentId: drive.format.deploymentId, driveId: drive.format.driveId, events: drive.database.events });
      } else {
        unreadable.push({ label: drive.label, reason: `offline: ${drive.offlineReason ?? 'unavailable'}` });
      }
    }
    const report = await verifyLogs(drives, unreadable);
    raw.writeHead(200, { 'content-type': 'application/json' });
    raw.end(JSON.stringify(report));
  }

  private async export(query: ReadonlyMap<string, string>, raw: ServerResponse): Promise<void> {
    const bucket = requiredParam(query, 'bucket');
    const since = instantParam(query, 'since');
    const until = instantParam(query, 'until');
    const drive = this.logDrive();
    raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-cairn-audit-drive': drive.label });
    for await (const line of auditLines(drive.database.events, { bucket, since, until })) {
      if (!raw.write(`${JSON.stringify(line)}\n`)) await new Promise<void>((resolve) => raw.once('drain', resolve));
    }
    raw.end();
  }

  private async replay(query: ReadonlyMap<string, string>, raw: ServerResponse): Promise<void> {
    const bucket = requiredParam(query, 'bucket');
    const at = instantParam(query, 'at');
    if (at === undefined) throw s3Error('InvalidArgument', 'at is required: an ISO 8601 instant');
    const result = await replayBucket(this.logDrive().database.events, bucket, at);
    if (!result.bucketExisted) throw s3Error('NoSuchBucket', `The bucket ${bucket} did not exist at ${new Date(at).toISOString()}.`);
    raw.writeHead(200, { 'content-type': 'application/xml' });
    raw.end(renderAllVersions(bucket, result.projection.versionListing(bucket), ownerOf(this.config.rootUser)));
  }

  /** The online drive whose log is read (every online drive holds every acknowledged event). */
  private logDrive(): LocalDrive {
    const drive = this.erasureSet.online().find((candidate): candidate is LocalDrive => candidate instanceof LocalDrive);
    if (!drive) throw s3Error('SlowDownRead');
    return drive;
  }
}

function requiredParam(query: ReadonlyMap<string, string>, name: string): string {
  const value = query.get(name);
  if (!value) throw s3Error('InvalidArgument', `${name} is required`);
  return value;
}

function instantParam(query: ReadonlyMap<string, string>, name: string): number | undefined {
  const text = query.get(name);
  if (text === undefined) return undefined;
  const ms = parseIsoInstant(text);
  if (ms === undefined) throw s3Error('InvalidArgument', `${name} ${text} is not an ISO 8601 instant`);
  return ms;
}
