/**
 * The S3 HTTP surface: one Fastify route for every method and path, then
 * request id -> target (bucket/key) -> authentication -> route table -> handler,
 * with every failure rendered as S3 error XML in one place.
 *
 * S3 requests do not go through Nest's per-request pipeline (about 25 µs here, a tenth of a
 * small PUT's whole CPU budget), nor through Fastify's routing and hooks (another 5% of a
 * small request's event-loop time): front-dispatch.ts hands them to `handle` straight from
 * the HTTP server. Bodies are never parsed by Fastify; handlers stream them.
 */
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServerConfig } from '../../config/server-config';
import { isS3Error, s3Error, S3Error } from '../../domain/errors';
import { AclHandlers } from './handlers/acl.handlers';
import { assertHeaderSectionSize, assertHostSent } from './header-section';
import { BucketHandlers } from './handlers/bucket.handlers';
import { MultipartHandlers } from './handlers/multipart.handlers';
import { VersioningHandlers } from './handlers/versioning.handlers';
import { ObjectLockHandlers } from './handlers/object-lock.handlers';
import { CorsHandlers } from './handlers/cors.handlers';
import { DeleteObjectsHandlers } from './handlers/delete-objects.handlers';
import { ObjectHandlers } from './handlers/object.handlers';
import { PostObjectHandlers } from './handlers/post-object.handlers';
import { ServiceHandlers } from './handlers/service.handlers';
import { continueOnFirstRead, deferContinue } from './expect-continue';
import { StalledBodyWatch } from './stalled-body';
import { TaggingHandlers } from './handlers/tagging.handlers';
import { UnsetConfigurationHandlers } from './handlers/unset-configuration.handlers';
import { HOST_ID, newRequestId } from './request-id';
import { S3Authenticator } from './s3-authenticator';
import type { S3Call } from './s3-call';
import { parseTarget, type S3Target } from './s3-request';
import { ClientGone, S3Response } from './s3-response';
import { resolveOperation, type S3Operation } from './s3-routes';
import { discardRestOfBody } from './unread-body';
import { routeAroundFastify } from './front-dispatch';
import { answerClientErrorsAsS3 } from './client-errors';
import { refuseServerSideEncryption } from './server-side-encryption';
import { assertExpectedBucketOwner } from './expected-bucket-owner';
import { ignoresBody, verifyIgnoredBody } from './ignored-body';
import { declaresBody } from '../../infra/http/sigv4';
import { ownerOf } from './s3-owner';
import { assertSdkChecksumSent } from './body-digests';
import { renderError } from './xml/error.xml';

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'] as const;

@Injectable()
export class S3Gateway implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('s3');
  private readonly handlers: Record<S3Operation, (call: S3Call) => Promise<void>>;
  private readonly ownerId: string;
  private readonly stallWatch: StalledBodyWatch;
  /** Requests answered RequestTimeout because their body stalled: whatever they fail with next is that. */
  private readonly stalled = new WeakSet<IncomingMessage>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ServerConfig,
    private readonly authenticator: S3Authenticator,
    service: ServiceHandlers,
    buckets: BucketHandlers,
    objects: ObjectHandlers,
    multipart: MultipartHandlers,
    versioning: VersioningHandlers,
    objectLock: ObjectLockHandlers,
    postObject: PostObjectHandlers,
    deleteObjects: DeleteObjectsHandlers,
    tagging: TaggingHandlers,
    acl: AclHandlers,
    private readonly cors: CorsHandlers,
    unsetConfigurations: UnsetConfigurationHandlers,
  ) {
    this.ownerId = ownerOf(config.rootUser).id;
    this.stallWatch = new StalledBodyWatch(config.bodyIdleTimeoutMs);
    this.handlers = {
      ListBuckets: (call) => service.listBuckets(call),
      CreateBucket: (call) => buckets.createBucket(call),
      DeleteBucket: (call) => buckets.deleteBucket(call),
      HeadBucket: (call) => buckets.headBucket(call),
      GetBucketLocation: (call) => buckets.getBucketLocation(call),
      ListObjects: (call) => buckets.listObjects(call),
      ListObjectsV2: (call) => buckets.listObjectsV2(call),
      PutObject: (call) => objects.putObject(call),
      CopyObject: (call) => objects.copyObject(call),
      GetObjectAttributes: (call) => objects.getObjectAttributes(call),
      GetObject: (call) => objects.getObject(call),
      HeadObject: (call) => objects.headObject(call),
      DeleteObject: (call) => objects.deleteObject(call),
      CreateMultipartUpload: (call) => multipart.createMultipartUpload(call),
      UploadPart: (call) => multipart.uploadPart(call),
      UploadPartCopy: (call) => multipart.uploadPartCopy(call),
      PutBucketVersioning: (call) => versioning.putBucketVersioning(call),
      GetBucketVersioning: (call) => versioning.getBucketVersioning(call),
      ListObjectVersions: (call) => versioning.listObjectVersions(call),
      PutObjectLockConfiguration: (call) => objectLock.putObjectLockConfiguration(call),
      GetObjectLockConfiguration: (call) => objectLock.getObjectLockConfiguration(call),
      PutObjectRetention: (call) => objectLock.putObjectRetention(call),
      GetObjectRetention: (call) => objectLock.getObjectRetention(call),
      PutObjectLegalHold: (call) => objectLock.putObjectLegalHold(call),
      GetObjectLegalHold: (call) => objectLock.getObjectLegalHold(call),
      CompleteMultipartUpload: (call) => multipart.completeMultipartUpload(call),
      AbortMultipartUpload: (call) => multipart.abortMultipartUpload(call),
      ListParts: (call) => multipart.listParts(call),
      ListMultipartUploads: (call) => multipart.listMultipartUploads(call),
      PostObject: (call) => postObject.postObject(call),
      DeleteObjects: (call) => deleteObjects.deleteObjects(call),
      GetObjectTagging: (call) => tagging.getObjectTagging(call),
      PutObjectTagging: (call) => tagging.putObjectTagging(call),
      DeleteObjectTagging: (call) => tagging.deleteObjectTagging(call),
      GetBucketTagging: (call) => tagging.getBucketTagging(call),
      PutBucketTagging: (call) => tagging.putBucketTagging(call),
      DeleteBucketTagging: (call) => tagging.deleteBucketTagging(call),
      GetBucketAcl: (call) => acl.getBucketAcl(call),
      PutBucketAcl: (call) => acl.putBucketAcl(call),
      GetObjectAcl: (call) => acl.getObjectAcl(call),
      PutObjectAcl: (call) => acl.putObjectAcl(call),
      GetBucketCors: (call) => cors.getBucketCors(call),
      PutBucketCors: (call) => cors.putBucketCors(call),
      DeleteBucketCors: (call) => cors.deleteBucketCors(call),
      ...unsetConfigurations.handlers(),
    };
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    deferContinue(fastify.server);
    answerClientErrorsAsS3(fastify.server);
    routeAroundFastify(fastify.server, {
      serve: (request, response) => this.handle(request, response),
      refuseWhileClosing: (request, response) => this.handle(request, response, { closing: true }),
      onUnanswered: (error) => this.logger.error(`a request failed while its error was being answered: ${describe(error)}`, error instanceof Error ? error.stack : undefined),
    });
    // What still reaches Fastify under the admin prefix without matching an admin route is
    // S3's too. An encapsulated plugin, so that the raw-body content type parser applies to S3 only.
    void fastify.register(async (s3) => {
      s3.removeAllContentTypeParsers();
      s3.addContentTypeParser('*', (_request, _payload, done) => done(null));
      s3.route({ method: [...METHODS], url: '/*', handler: (request, reply) => this.handleRouted(request, reply) });
    });
  }

  onModuleDestroy(): void {
    this.stallWatch.close();
  }

  private handleRouted(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    return this.handle(request.raw, reply.raw);
  }

  private async handle(raw: IncomingMessage, res: ServerResponse, options: { closing?: boolean } = {}): Promise<void> {
    const response = new S3Response(res, newRequestId(), raw.method === 'HEAD');
    let target: S3Target | undefined;
    try {
      // Shutting down: answer, and close the connection (see front-dispatch.ts).
      if (options.closing) throw new S3Error('ServiceUnavailable', undefined, {}, { connection: 'close' });
      assertHeaderSectionSize(raw.rawHeaders);
      assertHostSent(raw);
      target = parseTarget(raw.url ?? '/', raw.headers.host, this.config.domains);
      if (target.bucket !== undefined) {
        // CORS preflights are unauthenticated, as in AWS; CORS headers go on every answer, errors included.
        if (raw.method === 'OPTIONS') return await this.cors.preflight(raw, { ...target, bucket: target.bucket }, response);
        if (raw.headers.origin !== undefined) response.addCommonHeaders(await this.cors.responseHeaders(raw, target.bucket).catch(() => ({})));
      }
      const auth = this.authenticator.authenticate(raw, target);
      const operation = resolveOperation(raw.method ?? 'GET', target, raw.headers);
      refuseServerSideEncryption(raw.headers);
      assertExpectedBucketOwner(raw.headers, this.ownerId, operation);
      assertSdkChecksumSent(raw.headers, auth.payload);
      continueOnFirstRead(raw, res);
      this.stallWatch.watch(raw, () => this.answerStalledBody(raw, response, target));
      const call: S3Call = {
        operation,
        target,
        request: raw,
        response,
        auth,
        context: { actor: auth.accessKey, requestId: response.requestId },
      };
      if (declaresBody(raw.headers) && ignoresBody(raw.method ?? 'GET', operation)) await verifyIgnoredBody(call);
      await this.handlers[operation](call);
      this.stallWatch.unwatch(raw); // at once: a request held until the watch's next look would outlive the young generation
    } catch (error) {
      this.stallWatch.unwatch(raw);
      await this.fail(raw, response, error, target);
    }
  }

  /**
   * A body that stopped arriving (stalled-body.ts): RequestTimeout, and the connection closes.
   * Then the request is destroyed with that error, which fails the body's read and so aborts
   * whatever the request had begun, as when a client hangs up (Node itself no longer aborts a
   * request that has been answered).
   */
  private answerStalledBody(request: IncomingMessage, response: S3Response, target: S3Target | undefined): void {
    this.logger.debug(`request ${response.requestId}: its body stalled; answering RequestTimeout`);
    const error = s3Error('RequestTimeout');
    this.stalled.add(request);
    const socket = request.socket;
    socket.once('close', () => request.destroy(error));
    if (response.headersSent) {
      socket.destroy();
      return;
    }
    response.xml(400, renderError(error, target?.rawPath ?? '/', response.requestId, HOST_ID), { connection: 'close' });
  }

  private async fail(request: IncomingMessage, response: S3Response, error: unknown, target: S3Target | undefined): Promise<void> {
    // A client that hung up mid-request, or let its body stall (answered already), is no fault
    // of the server's, and there is nobody to answer.
    if (clientHungUp(request, error) || this.stalled.has(request)) {
      this.logger.debug(`request ${response.requestId}: the client closed the connection before the request completed`);
      response.raw.destroy();
      return;
    }
    if (response.headersSent) {
      if (error instanceof ClientGone) return;
      // Mid-body: the status is gone; cutting the connection is the only honest signal left.
      this.logger.warn(`request ${response.requestId} failed after the response started: ${describe(error)}`);
      response.raw.destroy();
      return;
    }
    let s3: S3Error;
    if (isS3Error(error)) {
      s3 = error;
      // A 500 this code chose (a failed internal check) is as much the operator's concern.
      if (s3.status === 500) this.logger.error(`request ${response.requestId} failed: ${s3.code}: ${s3.message}`);
    } else {
      this.logger.error(`request ${response.requestId} failed: ${describe(error)}`, error instanceof Error ? error.stack : undefined);
      s3 = s3Error('InternalError');
    }
    const headers: Record<string, string> = { ...s3.headers };
    if (s3.status === 503) headers['retry-after'] ??= '1';
    // The client gets the answer once it has sent its body (see unread-body.ts).
    if (!(await discardRestOfBody(request))) headers.connection = 'close';
    response.xml(s3.status, renderError(s3, target?.rawPath ?? '/', response.requestId, HOST_ID), headers);
  }
}

/**
 * The request's own stream failed with "aborted" (ECONNRESET): Node's IncomingMessage does so
 * when the client closes the connection before its body is complete.
 */
function clientHungUp(request: IncomingMessage, error: unknown): boolean {
  return error instanceof Error && !request.complete && (request.errored === error || (error as NodeJS.ErrnoException).code === 'ECONNRESET');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
