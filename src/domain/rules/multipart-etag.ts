import { createHash } from 'node:crypto';

/**
 * The ETag S3 gives a multipart object: the MD5 of the concatenated binary MD5s of its parts,
 * then `-` and the part count. rclone and s3cmd recompute it to verify downloads.
 */
export function multipartEtag(partEtagsHex: readonly string[]): string {
  const md5 = createHash('md5');
  for (const etag of partEtagsHex) md5.update(Buffer.from(etag, 'hex'));
  return `${md5.digest('hex')}-${partEtagsHex.length}`;
}
