/**
 * One page of ListMultipartUploads: uploads under a prefix in S3 order (key, then initiation),
 * rolled up into common prefixes at the delimiter, after the key-marker / upload-id-marker.
 */
import type { MultipartUpload } from '../multipart-upload';
import { compareUtf8 } from './utf8-order';

export const MAX_LIST_UPLOADS = 1000;

export interface UploadListParams {
  readonly prefix: string;
  readonly delimiter?: string;
  readonly keyMarker?: string;
  /** Only with keyMarker: uploads of that key initiated after this upload are included too. */
  readonly uploadIdMarker?: string;
  readonly maxUploads: number;
}

export interface UploadListPage {
  readonly uploads: MultipartUpload[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  readonly nextKeyMarker?: string;
  readonly nextUploadIdMarker?: string;
}

/** Where in key order a page's scan must start. */
export function uploadScanStart(params: UploadListParams): string {
  const marker = params.keyMarker ?? '';
  return compareUtf8(marker, params.prefix) > 0 ? marker : params.prefix;
}

/** @param uploads the bucket's uploads in S3 order, starting at `uploadScanStart(params)` */
export function listUploadsPage(uploads: Iterable<MultipartUpload>, params: UploadListParams): UploadListPage {
  const { prefix, delimiter, keyMarker, uploadIdMarker } = params;
  const page: MultipartUpload[] = [];
  const commonPrefixes: string[] = [];
  let isTruncated = false;
  let nextKeyMarker: string | undefined;
  let nextUploadIdMarker: string | undefined;
  // max-uploads=0 is an empty page, not a truncated one (as max-keys=0 in a listing): a page
  // that says "truncated" with no marker to go on from would have a client page forever.
  if (params.maxUploads <= 0) return { uploads: page, commonPrefixes, isTruncated };

  for (const upload of uploads) {
    const key = upload.key;
    if (!key.startsWith(prefix)) {
      if (compareUtf8(key, prefix) > 0) break;
      continue;
    }
    if (keyMarker !== undefined && !isAfterMarker(upload, keyMarker, uploadIdMarker)) continue;
    const commonPrefix = delimiter ? commonPrefixOf(key, prefix, delimiter) : undefined;
    if (commonPrefix !== undefined) {
      // A marker that is itself a common prefix means that prefix was already returned.
      if (commonPrefix === keyMarker || commonPrefix === commonPrefixes[commonPrefixes.length - 1]) continue;
    }
    if (page.length + commonPrefixes.length === params.maxUploads) {
      isTruncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      nextKeyMarker = commonPrefix;
      nextUploadIdMarker = undefined;
    } else {
      page.push(upload);
      nextKeyMarker = key;
      nextUploadIdMarker = upload.uploadId;
    }
  }
  return isTruncated ? { uploads: page, commonPrefixes, isTruncated, nextKeyMarker, nextUploadIdMarker } : { uploads: page, commonPrefixes, isTruncated };
}

function isAfterMarker(upload: MultipartUpload, keyMarker: string, uploadIdMarker: string | undefined): boolean {
  const order = compareUtf8(upload.key, keyMarker);
  if (order !== 0) return order > 0;
  return uploadIdMarker !== undefined && upload.uploadId > uploadIdMarker;
}

function commonPrefixOf(key: string, prefix: string, delimiter: string): string | undefined {
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}
