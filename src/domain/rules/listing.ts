/**
 * One page of ListObjects (v1 and v2 share it): keys under a prefix, rolled up into common
 * prefixes at the delimiter, after an exclusive start point, at most maxKeys entries.
 *
 * The rule drives a cursor over the bucket's keys in S3 order and jumps over every common
 * prefix it emits (`seekPastPrefix`), so a page costs O(page), not O(keys under the prefix).
 */
import type { ObjectVersion } from '../object-version';
import { compareUtf8 } from './utf8-order';

export interface ListEntry {
  readonly key: string;
  /** The key's latest version. */
  readonly version: ObjectVersion;
}

export interface KeyCursor {
  /** Positions at the first key >= key. */
  seek(key: string): void;
  /** Positions at the first key that is greater than every key starting with prefix. */
  seekPastPrefix(prefix: string): void;
  /** The next key (with its latest version), or undefined at the end of the bucket. */
  next(): ListEntry | undefined;
}

export interface ListParams {
  readonly prefix: string;
  readonly delimiter?: string;
  /** Exclusive start: marker (v1), start-after or continuation token (v2). */
  readonly after?: string;
  readonly maxKeys: number;
}

export interface ListPage {
  readonly contents: ListEntry[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  /** The last key or common prefix returned: where the next page starts (exclusive). */
  readonly last?: string;
}

export const MAX_LIST_KEYS = 1000;

export function listPage(cursor: KeyCursor, params: ListParams): ListPage {
  const { prefix, delimiter, after } = params;
  const contents: ListEntry[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let isTruncated = false;

  if (params.maxKeys <= 0) return { contents, commonPrefixes, isTruncated };
  cursor.seek(after !== undefined && compareUtf8(after, prefix) > 0 ? after : prefix);

  for (let entry = cursor.next(); entry; entry = cursor.next()) {
    const key = entry.key;
    if (!key.startsWith(prefix)) break; // keys are sorted: nothing further can match
    if (after !== undefined && compareUtf8(key, after) <= 0) continue;
    if (entry.version.deleteMarker) continue; // the key is deleted (its older versions stay)

    let item: string = key;
    let isPrefix = false;
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        item = key.slice(0, at + delimiter.length);
        isPrefix = true;
      }
    }
    // A common prefix at or before the start point was returned by an earlier page.
    const alreadyReturned = isPrefix && after !== undefined && compareUtf8(item, after) <= 0;
    if (!alreadyReturned) {
      if (contents.length + commonPrefixes.length === params.maxKeys) {
        isTruncated = true;
        break;
      }
      if (isPrefix) commonPrefixes.push(item);
      else contents.push(entry);
      last = item;
    }
    if (isPrefix) cursor.seekPastPrefix(item);
  }
  return { contents, commonPrefixes, isTruncated, last };
}
