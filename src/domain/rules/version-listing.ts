/**
 * One page of ListObjectVersions: every version (objects and delete markers) under a prefix,
 * keys in S3 order and each key's versions newest first, rolled up into common prefixes at the
 * delimiter, after key-marker (and version-id-marker), at most maxKeys entries.
 */
import type { KeyCursor, ListEntry } from './listing';
import { compareUtf8 } from './utf8-order';

export interface VersionListParams {
  readonly prefix: string;
  readonly delimiter?: string;
  /** Versions of keys after this one (and, with versionIdMarker, of this key after that version). */
  readonly keyMarker?: string;
  readonly versionIdMarker?: string;
  readonly maxKeys: number;
}

export interface VersionEntry extends ListEntry {
  /** The key's newest version (a delete marker can be the latest). */
  readonly isLatest: boolean;
}

export interface VersionListPage {
  readonly versions: VersionEntry[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  readonly nextKeyMarker?: string;
  readonly nextVersionIdMarker?: string;
}

/** @param cursor yields every version of every key of the bucket, in order */
export function listVersionsPage(cursor: KeyCursor, params: VersionListParams): VersionListPage {
  const { prefix, delimiter, keyMarker, versionIdMarker } = params;
  const versions: VersionEntry[] = [];
  const commonPrefixes: string[] = [];
  let isTruncated = false;
  let next: { key: string; versionId?: string } | undefined;
  if (params.maxKeys <= 0) return { versions, commonPrefixes, isTruncated };

  const start = keyMarker !== undefined && compareUtf8(keyMarker, prefix) > 0 ? keyMarker : prefix;
  cursor.seek(start);
  let previousKey: string | undefined;
  // With a version-id marker, the marker key's versions up to and including it are skipped.
  let skippingMarkerKey = keyMarker !== undefined && versionIdMarker !== undefined;

  for (let entry = cursor.next(); entry; entry = cursor.next()) {
    const key = entry.key;
    const isLatest = key !== previousKey;
    previousKey = key;
    if (!key.startsWith(prefix)) break;
    if (keyMarker !== undefined) {
      const order = compareUtf8(key, keyMarker);
      if (order < 0) continue;
      if (order === 0) {
        if (versionIdMarker === undefined) continue; // key-marker alone: all of its versions were returned
        if (skippingMarkerKey) {
          // Up to and including the marker version; the ones after it are listed.
          if (entry.version.versionId === versionIdMarker) skippingMarkerKey = false;
          continue;
        }
      }
    }

    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) {
      const commonPrefix = key.slice(0, at + delimiter!.length);
      const alreadyReturned = keyMarker !== undefined && compareUtf8(commonPrefix, keyMarker) <= 0 && keyMarker.startsWith(commonPrefix);
      if (!alreadyReturned) {
        if (versions.length + commonPrefixes.length === params.maxKeys) {
          isTruncated = true;
          break;
        }
        commonPrefixes.push(commonPrefix);
        next = { key: commonPrefix };
      }
      cursor.seekPastPrefix(commonPrefix);
      previousKey = undefined;
      continue;
    }
    if (versions.length + commonPrefixes.length === params.maxKeys) {
      isTruncated = true;
      break;
    }
    versions.push({ key: entry.key, version: entry.version, isLatest }); // per entry: no spread (V8's slow path)
    next = { key, versionId: entry.version.versionId };
  }
  if (!isTruncated) return { versions, commonPrefixes, isTruncated };
  return { versions, commonPrefixes, isTruncated, nextKeyMarker: next?.key, nextVersionIdMarker: next?.versionId };
}
