/**
 * Get/Put/DeleteBucketCors, the unauthenticated preflight (OPTIONS), and the CORS headers
 * added to any response whose Origin a bucket's rules allow.
 */
import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { s3Error } from '../../../domain/errors';
import { corsHeaders, matchCorsRule, parseRequestHeaders } from '../../../domain/rules/cors';
import { BucketConfigService } from '../../buckets/bucket-config.service';
import { assertBodyDigestSent } from '../required-digest';
import { bucketOf, type S3Call } from '../s3-call';
import type { S3Response } from '../s3-response';
import type { S3Target } from '../s3-request';
import { readSmallBody } from '../small-body';
import { parseCorsConfiguration, renderCorsConfiguration } from '../xml/cors.xml';

function single(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

@Injectable()
export class CorsHandlers {
  constructor(private readonly bucketConfig: BucketConfigService) {}

  async getBucketCors(call: S3Call): Promise<void> {
    call.response.xml(200, renderCorsConfiguration(await this.bucketConfig.getBucketCors(bucketOf(call))));
  }

  async putBucketCors(call: S3Call): Promise<void> {
    assertBodyDigestSent(call);
    const rules = parseCorsConfiguration(await readSmallBody(call));
    await this.bucketConfig.putBucketCors(call.context, bucketOf(call), rules);
    call.response.send(200, {});
  }

  async deleteBucketCors(call: S3Call): Promise<void> {
    await this.bucketConfig.deleteBucketCors(call.context, bucketOf(call));
    call.response.send(204, {});
  }

  /** OPTIONS /bucket[/key]: answered from the bucket's rules, before (and without) authentication, as AWS. */
  async preflight(request: IncomingMessage, target: S3Target & { bucket: string }, response: S3Response): Promise<void> {
    const origin = single(request, 'origin');
    if (!origin) throw s3Error('BadRequest', 'Insufficient information. Origin request header needed.');
    const method = single(request, 'access-control-request-method');
    if (!method) throw s3Error('BadRequest', 'Invalid Access-Control-Request-Method: null');
    const bucket = await this.bucketConfig.getBucket(target.bucket);
    if (!bucket.cors) throw s3Error('CORSResponse', 'CORS is not enabled for this bucket.');
    const corsRequest = { origin, method, requestHeaders: parseRequestHeaders(single(request, 'access-control-request-headers')) };
    const rule = matchCorsRule(bucket.cors, corsRequest);
    if (!rule) throw s3Error('CORSResponse');
    response.send(200, corsHeaders(rule, corsRequest, true));
  }

  /**
   * The CORS headers for an actual request with an Origin header, from the bucket's rules
   * (none when the bucket, its rules or a matching rule are missing).
   */
  async responseHeaders(request: IncomingMessage, bucketName: string): Promise<Record<string, string>> {
    const origin = single(request, 'origin');
    if (!origin) return {};
    const bucket = await this.bucketConfig.findBucket(bucketName);
    if (!bucket?.cors) return {};
    const corsRequest = { origin, method: request.method ?? 'GET', requestHeaders: [] };
    const rule = matchCorsRule(bucket.cors, corsRequest);
    return rule ? corsHeaders(rule, corsRequest, false) : {};
  }
}
