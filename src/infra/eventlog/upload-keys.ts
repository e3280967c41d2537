/**
 * LMDB keys of the multipart projections.
 *
 * uploads: bucket UTF-8 | 0x00 | object key UTF-8 | 0x00 | upload id (16 bytes)
 *   — S3's ListMultipartUploads order: by key, then by initiation (upload ids are event ids,
 *   which sort by time).
 * parts:   upload id (16 bytes) | part number (2 bytes, big-endian) — an upload's parts in order.
 */
import { keyStart } from './object-keys';

const UPLOAD_ID_BYTES = 16;

export function uploadKey(bucket: string, key: string, uploadId: string): Buffer {
  return Buffer.concat([keyStart(bucket, key), Buffer.of(0), uploadIdBytes(uploadId)]);
}

export function partKey(uploadId: string, partNumber: number): Buffer {
  const key = Buffer.alloc(UPLOAD_ID_BYTES + 2);
  uploadIdBytes(uploadId).copy(key);
  key.writeUInt16BE(partNumber, UPLOAD_ID_BYTES);
  return key;
}

/** Range [start, end) of an upload's parts. */
export function partsRange(uploadId: string): { start: Buffer; end: Buffer } {
  return { start: partKey(uploadId, 0), end: partKey(uploadId, 0xffff) };
}

/** Upload ids are event ids (32 hex digits); anything else cannot name an upload. */
export function isUploadId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

function uploadIdBytes(uploadId: string): Buffer {
  if (!isUploadId(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
  return Buffer.from(uploadId, 'hex');
}
