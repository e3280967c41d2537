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
import { ensureDataReferences } from '../eventlog/data-references';
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
    const drive = new LocalDrive(drivePath, format, database, log, new ProjectionStore(database), shards);
    try {
      // Once per drive written before the data-references table existed: reads every version.
      drive.readState(() => ensureDataReferences(database), () => 'every version and part, building the data references');
    } catch (error) {
      if (!(error instanceof DatabaseDamagedError)) throw error; // the drive is offline, with the reason
    }
    return drive;
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
    return this.readState(() => logEntry(event, json, this.projections), () => `the state event ${event.id} applies to`);
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
    return this.readState(() => this.projections.getBucket(name), () => `bucket ${name}`);
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return this.readState(() => this.projections.listBuckets(), () => 'the buckets');
  }

  async versionsOf(bucket: string, key: string): Promise<ObjectVersion[]> {
    return this.readState(() => this.projections.versionsOf(bucket, key), () => `the versions of ${bucket}/${key}`);
  }

  async latestVersion(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    return this.readState(() => this.projections.latestVersion(bucket, key), () => `the versions of ${bucket}/${key}`);
  }

  async hasObjects(bucket: string): Promise<boolean> {
    return this.readState(() => this.projections.hasObjects(bucket), () => `the objects of ${bucket}`);
  }

  async listObjects(bucket: string, params: ListParams): Promise<ListPage> {
    return this.readState(() => listPage(this.projections.cursor(bucket), params), () => `the objects of ${bucket}`);
  }

  async listVersions(bucket: string, params: VersionListParams): Promise<VersionListPage> {
    return this.readState(() => listVersionsPage(this.projections.versionCursor(bucket), params), () => `the versions in ${bucket}`);
  }

  async getUpload(bucket: string, key: string, uploadId: string): Promise<MultipartUpload | undefined> {
    return this.readState(() => this.projections.getUpload(bucket, key, uploadId), () => `upload ${uploadId}`);
  }

  async partsOf(uploadId: string): Promise<UploadedPart[]> {
    return this.readState(() => this.projections.partsOf(uploadId), () => `the parts of upload ${uploadId}`);
  }

  async listUploads(bucket: string, params: UploadListParams): Promise<UploadListPage> {
    return this.readState(() => listUploadsPage(this.projections.uploadsFrom(bucket, uploadScanStart(params)), params), () => `the uploads in ${bucket}`);
  }

  async uploadsIn(bucket: string): Promise<MultipartUpload[]> {
    return this.readState(() => this.projections.uploadsIn(bucket), () => `the uploads in ${bucket}`);
  }

  /** Whether a version or an uploaded part references the data dir (start-up's staged-shard recovery). */
  isDataReferenced(dataDir: string): boolean {
    return this.readState(() => this.projections.isDataReferenced(dataDir), () => `the references to data ${dataDir}`);
  }

  /**
   * Runs a read of the projections. One that finds the database damaged takes the drive
   * offline (its peers hold the same state) and rejects with DatabaseDamagedError. `what`
   * names the read for the operator; it is only called then, off the path of every request.
   */
  private readState<T>(read: () => T, what: () => string): T {
    try {
      return read();
    } catch (error) {
      if (!isDamageSymptom(error)) throw error;
      // A value's bytes are not worth quoting: they are what the damage left.
      const symptom = error instanceof SyntaxError ? 'a stored value is not valid JSON' : (error as Error).message;
      const reason = damageReason(`reading ${what()} failed: ${symptom}`);
      this.markOffline(reason);
      throw new DatabaseDamagedError(reason);
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
