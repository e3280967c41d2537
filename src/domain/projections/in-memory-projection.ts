/**
 * The projections as plain maps, folded with the same `project()` the drives use, without
 * LMDB: `cairn admin audit replay` folds a log prefix into one to show a bucket as it stood
 * at an instant, and the domain specs run deciders against it. Because it is `project()`
 * that decides what every event does, events added later (versioning, retention, legal
 * holds) are replayed with no change here as long as their writes are among ProjectionWrite.
 */
import type { BucketRecord } from '../bucket';
import type { CairnEvent } from '../events';
import type { MultipartUpload, UploadedPart } from '../multipart-upload';
import type { ObjectVersion } from '../object-version';
import { project, type ProjectionReader } from './projection';
import type { KeyCursor, ListEntry } from '../rules/listing';
import { compareUtf8 } from '../rules/utf8-order';

/** One row of a version listing. */
export interface VersionListEntry {
  readonly key: string;
  readonly version: ObjectVersion;
  readonly isLatest: boolean;
}

export class InMemoryProjection implements ProjectionReader {
  readonly buckets = new Map<string, BucketRecord>();
  /** `bucket\0key` -> versions, newest first. */
  readonly objects = new Map<string, ObjectVersion[]>();
  /** upload id -> upload in progress. */
  readonly uploads = new Map<string, MultipartUpload>();
  /** upload id -> part number -> part. */
  readonly parts = new Map<string, Map<number, UploadedPart>>();

  static of(events: readonly CairnEvent[]): InMemoryProjection {
    const state = new InMemoryProjection();
    for (const event of events) state.apply(event);
    return state;
  }

  apply(event: CairnEvent): void {
    for (const write of project(event, this)) {
      switch (write.op) {
        case 'putBucket':
          this.buckets.set(write.bucket.name, write.bucket);
          break;
        case 'removeBucket':
          this.buckets.delete(write.name);
          break;
        case 'putVersion': {
          const id = `${write.bucket}\u0000${write.key}`;
          // A version rewritten in place (tags, retention, legal hold) replaces its entry.
          const others = (this.objects.get(id) ?? []).filter((v) => v.eventId !== write.version.eventId);
          const versions = [write.version, ...others].sort((a, b) => b.eventId.localeCompare(a.eventId));
          this.objects.set(id, versions);
          break;
        }
        case 'removeVersion': {
          const id = `${write.bucket}\u0000${write.key}`;
          const versions = (this.objects.get(id) ?? []).filter((v) => v.eventId !== write.version.eventId);
          if (versions.length > 0) this.objects.set(id, versions);
          else this.objects.delete(id);
          break;
        }
        case 'putUpload':
          this.uploads.set(write.upload.uploadId, write.upload);
          break;
        case 'removeUpload':
          this.uploads.delete(write.upload.uploadId);
          break;
        case 'putPart': {
          const parts = this.parts.get(write.part.uploadId) ?? new Map<number, UploadedPart>();
          parts.set(write.part.partNumber, write.part);
          this.parts.set(write.part.uploadId, parts);
          break;
        }
        case 'removePart': {
          const parts = this.parts.get(write.part.uploadId);
          parts?.delete(write.part.partNumber);
          if (parts?.size === 0) this.parts.delete(write.part.uploadId);
          break;
        }
      }
    }
  }

  getBucket(name: string): BucketRecord | undefined {
    return this.buckets.get(name);
  }

  versionsOf(bucket: string, key: string): ObjectVersion[] {
    return [...(this.objects.get(`${bucket}\u0000${key}`) ?? [])];
  }

  getUpload(bucket: string, key: string, uploadId: string): MultipartUpload | undefined {
    const upload = this.uploads.get(uploadId);
    return upload && upload.bucket === bucket && upload.key === key ? upload : undefined;
  }

  partsOf(uploadId: string): UploadedPart[] {
    return [...(this.parts.get(uploadId)?.values() ?? [])].sort((a, b) => a.partNumber - b.partNumber);
  }

  uploadsIn(bucket: string): MultipartUpload[] {
    return [...this.uploads.values()].filter((upload) => upload.bucket === bucket);
  }

  /** Every version in a bucket, in ListObjectVersions order: keys in S3 order, newest version first. */
  versionListing(bucket: string): VersionListEntry[] {
    return [...this.objects.entries()]
      .filter(([id]) => id.startsWith(`${bucket}\u0000`))
      .map(([id, versions]) => ({ key: id.slice(bucket.length + 1), versions }))
      .sort((a, b) => compareUtf8(a.key, b.key))
      .flatMap(({ key, versions }) => versions.map((version, i) => ({ key, version, isLatest: i === 0 })));
  }

  cursor(bucket: string): KeyCursor {
    const entries: ListEntry[] = [...this.objects.entries()]
      .filter(([id]) => id.startsWith(`${bucket}\u0000`))
      .map(([id, versions]) => ({ key: id.slice(bucket.length + 1), version: versions[0] }))
      .sort((a, b) => compareUtf8(a.key, b.key));
    return new ArrayCursor(entries);
  }
}

/** A KeyCursor over a sorted array, counting how many entries it visits. */
export class ArrayCursor implements KeyCursor {
  private position = 0;
  visited = 0;

  constructor(private readonly entries: readonly ListEntry[]) {}

  seek(key: string): void {
    this.position = this.entries.findIndex((e) => compareUtf8(e.key, key) >= 0);
    if (this.position < 0) this.position = this.entries.length;
  }

  seekPastPrefix(prefix: string): void {
    this.position = this.entries.findIndex((e) => compareUtf8(e.key, prefix) > 0 && !e.key.startsWith(prefix));
    if (this.position < 0) this.position = this.entries.length;
  }

  next(): ListEntry | undefined {
    const entry = this.entries[this.position];
    if (entry) {
      this.position++;
      this.visited++;
    }
    return entry;
  }
}
