/**
 * The storage API of one drive, as the erasure set uses it. LocalDrive implements it over a
 * directory; a drive on another cairn node would implement it over the network, which is
 * why every method is asynchronous even though LMDB reads are not.
 */
import type { BucketRecord } from '../../domain/bucket';
import type { CairnEvent } from '../../domain/events';
import type { MultipartUpload, UploadedPart } from '../../domain/multipart-upload';
import type { ObjectVersion } from '../../domain/object-version';
import type { ProjectionWrite } from '../../domain/projections/projection';
import type { ListPage, ListParams } from '../../domain/rules/listing';
import type { UploadListPage, UploadListParams } from '../../domain/rules/upload-listing';
import type { VersionListPage, VersionListParams } from '../../domain/rules/version-listing';
import type { EncodedWrite } from '../eventlog/projection-store';

export type DriveState = 'online' | 'offline';

export interface ShardReader {
  /**
   * `length` bytes from `offset` (fewer at the end of the file), read into `into` when given
   * (it must hold `length` bytes; the result is then a view of it).
   */
  read(offset: number, length: number, into?: Buffer): Promise<Buffer>;
  /** The file's size in bytes. */
  size(): Promise<number>;
  close(): Promise<void>;
}

/** Writes this drive's shard of one object or part (its frames, in order). */
export interface ShardWriter {
  readonly bytesWritten: number;
  write(buffers: Buffer[]): Promise<void>;
  /** Makes every byte written durable. */
  finish(): Promise<void>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** One event as a drive stores it: the event, its JSON, its projection writes and their undo. */
export interface LogEntry {
  readonly event: CairnEvent;
  readonly json: string;
  /** The JSON's UTF-8 bytes, encoded once for every drive's record. */
  readonly jsonBytes: Buffer;
  readonly writes: readonly ProjectionWrite[];
  /** The same writes encoded for LMDB, once for every drive. */
  readonly encodedWrites: readonly EncodedWrite[];
  /** JSON of the writes that revert `writes` (the before-image). */
  readonly undo: Buffer;
}

export interface Drive {
  /** Position in the erasure set (from format.json). */
  readonly slot: number;
  /** How operators know it: the directory (or, later, URL). */
  readonly label: string;
  readonly state: DriveState;
  /** Why the drive is offline, when it is. */
  readonly offlineReason: string | undefined;

  /** Appends an event (with this drive's inline shard) and applies its writes; resolves once durable. */
  appendEvent(entry: LogEntry, inlineShard: Buffer | undefined): Promise<void>;
  /** The log entry of `event` projected against this drive's own current state. */
  entryFor(event: CairnEvent, json: string): Promise<LogEntry>;
  lastEventId(): string | undefined;
  hasEvent(id: string): Promise<boolean>;
  /** The event's JSON and this drive's inline shard, as logged. */
  readEvent(id: string): Promise<{ json: string; inline: Buffer } | undefined>;
  /** Up to `limit` event ids, newest first, before `beforeId` (or from the end). */
  eventIdsBackward(beforeId: string | undefined, limit: number): Promise<string[]>;
  /** Up to `limit` event ids after `afterId` (or from the start), in log order. */
  eventIdsForward(afterId: string | undefined, limit: number): Promise<string[]>;
  /** Removes the log's newest event and reverts its projection writes (only for events that did not reach a write quorum). */
  rollBackLastEvent(id: string): Promise<void>;

  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(): Promise<BucketRecord[]>;
  versionsOf(bucket: string, key: string): Promise<ObjectVersion[]>;
  latestVersion(bucket: string, key: string): Promise<ObjectVersion | undefined>;
  hasObjects(bucket: string): Promise<boolean>;
  listObjects(bucket: string, params: ListParams): Promise<ListPage>;
  listVersions(bucket: string, params: VersionListParams): Promise<VersionListPage>;
  getUpload(bucket: string, key: string, uploadId: string): Promise<MultipartUpload | undefined>;
  partsOf(uploadId: string): Promise<UploadedPart[]>;
  listUploads(bucket: string, params: UploadListParams): Promise<UploadListPage>;
  /** Every upload in progress in a bucket (DeleteBucket takes them with it). */
  uploadsIn(bucket: string): Promise<MultipartUpload[]>;

  /** This drive's inline shard of the version created by event `eventId`. */
  readInlineShard(eventId: string): Promise<Buffer | undefined>;
  /** `shardBytes`: the shard's length when known in advance (it may then go into a segment). */
  createShardWriter(dataDir: string, shardBytes?: number): Promise<ShardWriter>;
  commitShards(dataDir: string): Promise<void>;
  /** Opens a shard file for reading; rejects when the file is gone. */
  openShards(dataDir: string): Promise<ShardReader>;
  removeShards(dataDir: string): Promise<void>;
  /** Healing: a writer for a rebuilt shard file, and putting it in place once written. */
  createHealWriter(dataDir: string, shardBytes: number): Promise<ShardWriter>;
  commitHealedShards(dataDir: string): Promise<void>;
  /** Healing: replaces this drive's inline shard in the record of event `eventId`. */
  replaceInlineShard(eventId: string, shard: Buffer): Promise<void>;

  /** Rechecks that the drive is still there (its directory can be deleted under us). */
  checkHealth(): Promise<void>;
  markOffline(reason: string): void;
  close(): Promise<void>;
}
