/**
 * Reads a request document (CreateBucketConfiguration and, later, every configuration
 * document) into memory: bounded in size, and verified like any body (signed payload hash,
 * Content-MD5, checksums) before anyone parses it.
 */
import { s3Error } from '../../domain/errors';
import { readPayload } from '../objects/object-payload';
import { payloadOf } from './request-body';
import type { S3Call } from './s3-call';

/** The largest request document cairn parses (DeleteObjects with 1000 long keys fits). */
export const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

export async function readSmallBody(call: S3Call, limit = MAX_DOCUMENT_BYTES, options: { checksumHeaders?: boolean } = {}): Promise<Buffer> {
  const payload = payloadOf(call, options);
  if (payload.size > limit) throw s3Error('EntityTooLarge', `Request documents are limited to ${limit} bytes.`);
  const body = await readPayload(payload);
  await payload.finish();
  return body;
}
