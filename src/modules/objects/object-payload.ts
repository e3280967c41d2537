import { s3Error } from '../../domain/errors';
import type { ChecksumValue } from '../../domain/object-version';

type ChecksumAlgorithm = ChecksumValue['algorithm'];

/**
 * The body of a PUT as the object service sees it: decoded bytes of a known size, whatever
 * the wire form was (plain, aws-chunked, signed chunks). The s3-api layer builds it.
 */
export interface ObjectPayload {
  /** The object's size in bytes, as the request declared it. */
  readonly size: number;
  /** The checksum algorithm the bytes come with (a header or trailer the request declared, or the copy's own), if any. */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  /** The bytes, in order. Iteration throws an S3Error on bad framing, chunk signatures or length. */
  chunks(): AsyncIterable<Buffer>;
  /**
   * Called once every chunk has been consumed: checks every digest the request carried
   * (x-amz-content-sha256, Content-MD5, x-amz-checksum-*, trailing checksums) and returns
   * the MD5 for the ETag and the checksum to store. Throws BadDigest & co. on mismatch.
   */
  finish(): Promise<{ md5Hex: string; checksum?: ChecksumValue }>;
  /** The whole body in memory, for sources that can give it more cheaply than chunk by chunk. */
  readAll?(): Promise<Buffer>;
}

/** The whole body in memory (small bodies only); IncompleteBody when it ends short. */
export function readPayload(payload: ObjectPayload): Promise<Buffer> {
  return payload.readAll ? payload.readAll() : collectChunks(payload);
}

/** The whole body in memory, chunk by chunk; IncompleteBody when it ends short. */
export async function collectChunks(payload: ObjectPayload): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload.chunks()) {
    chunks.push(chunk);
    size += chunk.length;
  }
  if (size !== payload.size) throw s3Error('IncompleteBody');
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/** A payload whose size is known only once its bytes have arrived (a browser-form upload's file part). */
export interface UnsizedPayload extends Omit<ObjectPayload, 'size'> {
  readonly size: undefined;
}
