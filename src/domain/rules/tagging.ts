/**
 * Tag sets on objects and buckets, with the limits AWS S3 enforces
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html):
 * up to 10 tags per object version and 50 per bucket, keys of 1-128 and values of 0-256
 * Unicode characters from letters, digits, spaces and `+ - = . _ : / @`, keys unique and
 * not in the reserved `aws:` namespace.
 */
import { s3Error } from '../errors';

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export type TagSetKind = 'object' | 'bucket';

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;

const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Unicode characters (code points), as AWS counts tag lengths. */
function characters(text: string): number {
  return [...text].length;
}

/** Throws the error AWS returns for the first rule `tags` breaks. */
export function assertValidTagSet(tags: readonly Tag[], kind: TagSetKind): void {
  const max = kind === 'object' ? MAX_OBJECT_TAGS : MAX_BUCKET_TAGS;
  if (tags.length > max) throw s3Error('BadRequest', `${kind === 'object' ? 'Object' : 'Bucket'} tags cannot be greater than ${max}`);
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    if (characters(key) < 1 || characters(key) > MAX_TAG_KEY_LENGTH || !ALLOWED.test(key)) {
      throw s3Error('InvalidTag', 'The TagKey you have provided is invalid', { TagKey: key });
    }
    if (key.toLowerCase().startsWith('aws:')) throw s3Error('InvalidTag', 'Your TagKey cannot be prefixed with aws:', { TagKey: key });
    if (characters(value) > MAX_TAG_VALUE_LENGTH || !ALLOWED.test(value)) {
      throw s3Error('InvalidTag', 'The TagValue you have provided is invalid', { TagKey: key, TagValue: value });
    }
    if (seen.has(key)) throw s3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', { TagKey: key });
    seen.add(key);
  }
}

const HEADER_MESSAGE = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.";

/**
 * The `x-amz-tagging` header of PutObject (and CopyObject with REPLACE): URL query encoded
 * `k1=v1&k2=v2`. Undecodable text or a repeated key is InvalidArgument, as AWS answers; the
 * tags themselves are then held to the object tag set rules.
 */
export function parseTaggingHeader(header: string): Tag[] {
  const tags: Tag[] = [];
  const seen = new Set<string>();
  for (const part of header.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    const value = decodeQueryComponent(eq < 0 ? '' : part.slice(eq + 1));
    if (seen.has(key)) throw s3Error('InvalidArgument', HEADER_MESSAGE, { ArgumentName: 'x-amz-tagging', ArgumentValue: header });
    seen.add(key);
    tags.push({ key, value });
  }
  assertValidTagSet(tags, 'object');
  return tags;
}

function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw s3Error('InvalidArgument', HEADER_MESSAGE, { ArgumentName: 'x-amz-tagging', ArgumentValue: text });
  }
}

/**
 * The tags a copy's destination gets (`x-amz-tagging-directive`, for CopyObject):
 * COPY (the default) keeps the source's tags and ignores any x-amz-tagging header, REPLACE
 * takes the header's tags (none when absent). Anything else is InvalidArgument, as AWS.
 */
export function destinationTags(sourceTags: readonly Tag[] | undefined, directive: string | undefined, header: string | undefined): Tag[] {
  const mode = directive ?? 'COPY';
  if (mode === 'COPY') return [...(sourceTags ?? [])];
  if (mode === 'REPLACE') return header === undefined ? [] : parseTaggingHeader(header);
  throw s3Error('InvalidArgument', 'Unknown tagging directive.', { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: directive });
}
