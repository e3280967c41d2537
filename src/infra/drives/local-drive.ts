/**
 * A drive that is a local directory: format.json, one LMDB environment (event log and
 * projections), and shard files.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BucketRecord } from '../../domain/bucket';
import type { CairnEvent } from '../../domain/events';
import type { MultipartUpload, UploadedPart } from '../../domain/multipart-upload';
import type { ObjectVersion } from '../../domain/object-version';
import type { KeyedWrite } from '../../domain/projections/projection';
import { logEntry } from './log-entry';
import { listPage, type ListPage, type ListParams } from '../../domain/rules/listing';
import { listVersionsPage, type VersionListPage, type VersionListParams } from '../../domain/rules/version-listing';
import { listUploadsPage, uploadScanStart, type UploadListPage, type UploadListParams } from '../../domain/rules/upload-listing';
import { damageReason, DatabaseDamagedError, isDamageSymptom } from '../eventlog/database-damage';
import { DriveDatabase, holdsDatabase } from '../eventlog/drive-database';
import { markHealPending } from './heal-marker';
import { EventLog } from '../eventlog/event-log';
import { GroupCommit } from '../eventlog/group-commit';
import { genesisHash } from '../eventlog/event-record';
import { ProjectionStore } from '../eventlog/projection-store';
import { ShardStore } from '../shards/shard-store';
import type { Drive, DriveState, LogEntry, ShardReader, ShardWriter } from './drive';
import { FORMAT_FILE, slotOf, type DriveFormat } from './drive-format';
import { probeDrive } from './drive-probe';

export class LocalDrive implements Drive {
  readonly slot: number;
  private currentState: DriveState = 'online';
  private reason: string | undefined;

  private constructor(
    readonly label: string,
    readonly format: DriveFormat,
    readonly database: DriveDatabase,
    readonly log: EventLog,
    readonly projections: ProjectionStore,
    readonly shards: ShardStore,
  ) {
    this.slot = slotOf(format);
  }

  static async open(drivePath: string, format: DriveFormat): Promise<LocalDrive> {
    const databaseExisted = holdsDatabase(drivePath);
    const database = DriveDatabase.open(drivePath);
    // One group commit for every durable write on the drive: a large object's placement rows
    // then share transactions with the events being appended instead of committing alone.
    const groupCommit = new GroupCommit();
    const shards = new ShardStore(drivePath, database.placements, groupCommit);
    await shards.prepare();
    // A drive whose database was lost has lost its placement table with it: the shards in its
    // segments can no longer be found, so it is healed in full, like a replacement.
    if (!databaseExisted && (await shards.hasSegmentFiles())) await markHealPending(drivePath);
    const log = new EventLog(database, genesisHash(format.deploymentId, format.driveId), groupCommit);
    return new LocalDrive(drivePath, format, database, log, new ProjectionStore(database), shards);
  }

  get state(): DriveState {
    return this.currentState;
  }

  get offlineReason(): string | undefined {
    return this.reason;
  }

  markOffline(reason: string): void {
    if (this.currentState === 'offline') return;
    this.currentState = 'offline';
    this.reason = reason;
  }

  appendEvent(entry: LogEntry, inlineShard: Buffer | undefined): Promise<void> {
    const { event, jsonBytes, encodedWrites, undo } = entry;
    this.projections.queued(entry.writes);
    // The projections' read caches follow the commit, and first: they are up to date before
    // anyone waiting for the append goes on.
    return this.log.append(event.id, jsonBytes, inlineShard, undo, () => this.projections.apply(encodedWrites)).then(
      () => this.projections.settled(entry.writes, true),
      (error: unknown) => {
        this.projections.settled(entry.writes, false);
        // One failed batch fails many appends: the one that takes the drive offline explains why.
        const wasOnline = this.currentState !== 'offline';
        this.markOffline(`write failed: ${error instanceof Error ? error.message : String(error)}`);
        if (wasOnline) void this.explainWriteFailure();
        throw error;
      },
    );
  }

  /** LMDB says only "Commit failed": a write probe tells the operator why (EPERM, EROFS, EIO, ENOSPC...). */
  private async explainWriteFailure(): Promise<void> {
    const probe = await probeDrive(this.label).catch(() => undefined);
    if (probe && (probe.state === 'unwritable' || probe.state === 'unreadable' || probe.state === 'missing')) {
      this.reason = `${this.reason ?? 'write failed'}; the drive is ${probe.state}${'reason' in probe ? ` (${probe.reason})` : ''}`;
    }
  }

  async entryFor(event: CairnEvent, json: string): Promise<LogEntry> {
    return this.readState(`the state event ${event.id} applies to`, () => logEntry(event, json, this.projections));
  }

  lastEventId(): string | undefined {
    return this.log.lastId;
  }

  async hasEvent(id: string): Promise<boolean> {
    return this.log.has(id);
  }

  async readEvent(id: string): Promise<{ json: string; inline: Buffer } | undefined> {
    const record = this.log.get(id);
    return record ? { json: record.json, inline: record.inline } : undefined;
  }

  async eventIdsBackward(beforeId: string | undefined, limit: number): Promise<string[]> {
    return this.log.idsBackward(beforeId, limit);
  }

  async eventIdsForward(afterId: string | undefined, limit: number): Promise<string[]> {
    return this.log.idsForward(afterId, limit);
  }

  async rollBackLastEvent(id: string): Promise<void> {
    const record = this.log.get(id);
    if (!record) throw new Error(`event ${id} is not in the log of ${this.label}`);
    const undo = record.undo.length > 0 ? (JSON.parse(record.undo.toString('utf8')) as KeyedWrite[]) : [];
    this.log.removeLast(id, () => this.projections.applySync(undo));
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    return this.readState(`bucket ${name}`, () => this.projections.getBucket(name));
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return this.readState('the buckets', () => this.projections.listBuckets());
  }

  async versionsOf(bucket: string, key: string): Promise<ObjectVersion[]> {
    return this.readState(`the versions of ${bucket}/${key}`, () => this.projections.versionsOf(bucket, key));
  }

  async latestVersion(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    return this.readState(`the versions of ${bucket}/${key}`, () => this.projections.latestVersion(bucket, key));
  }

  async hasObjects(bucket: string): Promise<boolean> {
    return this.readState(`the objects of ${bucket}`, () => this.projections.hasObjects(bucket));
  }

  async listObjects(bucket: string, params: ListParams): Promise<ListPage> {
    return this.readState(`the objects of ${bucket}`, () => listPage(this.projections.cursor(bucket), params));
  }

  async listVersions(bucket: string, params: VersionListParams): Promise<VersionListPage> {
    return this.readState(`the versions in ${bucket}`, () => listVersionsPage(this.projections.versionCursor(bucket), params));
  }

  async getUpload(bucket: string, key: string, uploadId: string): Promise<MultipartUpload | undefined> {
    return this.readState(`upload ${uploadId}`, () => this.projections.getUpload(bucket, key, uploadId));
  }

  async partsOf(uploadId: string): Promise<UploadedPart[]> {
    return this.readState(`the parts of upload ${uploadId}`, () => this.projections.partsOf(uploadId));
  }

  async listUploads(bucket: string, params: UploadListParams): Promise<UploadListPage> {
    return this.readState(`the uploads in ${bucket}`, () => listUploadsPage(this.projections.uploadsFrom(bucket, uploadScanStart(params)), params));
  }

  async uploadsIn(bucket: string): Promise<MultipartUpload[]> {
    return this.readState(`the uploads in ${bucket}`, () => this.projections.uploadsIn(bucket));
  }

  /** Every data directory a version or an uploaded part references (start-up's staged-shard recovery). */
  async referencedDataDirs(): Promise<Set<string>> {
    return this.readState('every version and part', () => this.projections.referencedDataDirs());
  }

  /**
   * Runs a read of the projections. One that finds the database damaged takes the drive
   * offline (its peers hold the same state) and rejects with DatabaseDamagedError.
   */
  private readState<T>(what: string, read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (!isDamageSymptom(error)) throw error;
      // A value's bytes are not worth quoting: they are what the damage left.
      const symptom = error instanceof SyntaxError ? 'a stored value is not valid JSON' : (error as Error).message;
      this.markOffline(damageReason(`reading ${what} failed: ${symptom}`));
      throw new DatabaseDamagedError(this.reason!);
    }
  }

  async readInlineShard(eventId: string): Promise<Buffer | undefined> {
    return this.log.inlineShard(eventId);
  }

  createShardWriter(dataDir: string, shardBytes?: number): Promise<ShardWriter> {
    return this.shards.createWriter(dataDir, shardBytes);
  }

  commitShards(dataDir: string): Promise<void> {
    return this.shards.commit(dataDir);
  }

  openShards(dataDir: string): Promise<ShardReader> {
    return this.shards.open(dataDir);
  }

  createHealWriter(dataDir: string, shardBytes: number): Promise<ShardWriter> {
    return this.shards.createHealWriter(dataDir, shardBytes);
  }

  commitHealedShards(dataDir: string): Promise<void> {
    return this.shards.commitHealed(dataDir);
  }

  replaceInlineShard(eventId: string, shard: Buffer): Promise<void> {
    return this.log.replaceInlineShard(eventId, shard);
  }

  removeShards(dataDir: string): Promise<void> {
    return this.shards.remove(dataDir);
  }

  async checkHealth(): Promise<void> {
    if (this.currentState === 'offline') return;
    try {
      const text = await fs.readFile(path.join(this.label, FORMAT_FILE), 'utf8');
      if (!text.includes(this.format.driveId)) this.markOffline('format.json no longer names this drive');
    } catch (error) {
      this.markOffline(`drive unreachable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  async close(): Promise<void> {
    try {
      await this.shards.close();
    } finally {
      // Even when the shard files fail to close: a drive opened again on this directory must
      // not share an environment still open here (its caches assume one writer).
      await this.database.close();
    }
  }
}
