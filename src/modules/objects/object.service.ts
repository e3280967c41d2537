/**
 * PutObject, GetObject, HeadObject, DeleteObject and listing: the object layer between the
 * S3 handlers and the erasure set. Bytes are made durable first; then, under the key's
 * lock, the decision is taken on committed state and its event appended (the commit point);
 * then superseded data is reclaimed.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { BucketRecord } from '../../domain/bucket';
import type { RequestContext } from '../../domain/deciders/decision-context';
import { assertBucketExists, decideDeleteObject, decidePutObject } from '../../domain/deciders/object-decider';
import { s3Error } from '../../domain/errors';
import type { ObjectData, ObjectVersion, ShardLayout, SystemMetadata } from '../../domain/object-version';
import { NULL_VERSION_ID } from '../../domain/object-version';
import { decisionState, removedVersions } from '../../domain/projections/projection';
import { MAX_LIST_KEYS, type ListPage, type ListParams } from '../../domain/rules/listing';
import { assertValidObjectKey } from '../../domain/rules/names';
import { parseRange, type ByteRange } from '../../domain/rules/range';
import type { Tag } from '../../domain/rules/tagging';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { newDataDirId } from '../../infra/shards/shard-store';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { NotEnoughShardsError, ObjectReader, type ByteSink } from '../../infra/storage/object-reader';
import { encodeInline, INLINE_LIMIT, ShardedObjectWriter } from '../../infra/storage/object-writer';
import type { ObjectPayload } from './object-payload';

export interface PutObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly payload: ObjectPayload;
  readonly system: SystemMetadata;
  readonly user: Readonly<Record<string, string>>;
  /** x-amz-tagging, already validated; empty or absent: no tags. */
  readonly tags?: readonly Tag[];
}

export interface PutObjectResult {
  readonly etag: string;
  readonly versionId: string;
  readonly checksum?: ObjectVersion['checksum'];
}

export interface ObjectRead {
  readonly bucket: BucketRecord;
  readonly version: ObjectVersion;
  /** The requested range, or undefined for the whole object. */
  readonly range: ByteRange | undefined;
  /** Streams the (ranged) bytes into the sink. Throws before the first sink call if unreadable. */
  pipe(sink: ByteSink): Promise<void>;
}

/** Bytes written but not yet committed, and how to commit or discard them. */
interface StagedData {
  readonly data: ObjectData;
  readonly inlineShards?: Buffer[];
  publish(): Promise<void>;
  abort(): Promise<void>;
}

@Injectable()
export class ObjectService {
  private readonly logger = new Logger('objects');

  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
    private readonly reader: ObjectReader,
  ) {}

  async putObject(context: RequestContext, input: PutObjectInput): Promise<PutObjectResult> {
    const { bucket, key, payload } = input;
    assertValidObjectKey(key);
    // Refuse early, before reading a body that could not be stored.
    assertBucketExists(await this.set.metadataDrive().getBucket(bucket), bucket);
    this.set.assertWritable();

    const layout = this.set.shardLayoutFor(bucket, key);
    const staged = payload.size <= INLINE_LIMIT ? await this.stageInline(layout, payload) : await this.stageShards(layout, payload);
    try {
      const { md5Hex, checksum } = payload.finish();
      const release = await this.locks.lockObject(bucket, key);
      try {
        const drive = this.set.metadataDrive();
        const bucketRecord = await drive.getBucket(bucket);
        const current = await drive.versionsOf(bucket, key);
        const appended = await this.set.appendEvent(
          (stamp) =>
            decidePutObject(
              bucketRecord,
              {
                bucket,
                key,
                version: {
                  size: payload.size,
                  etag: md5Hex,
                  system: input.system,
                  user: input.user,
                  ...(checksum ? { checksum } : {}),
                  storageClass: 'STANDARD',
                  data: staged.data,
                  ...(input.tags && input.tags.length > 0 ? { tags: input.tags } : {}),
                },
              },
              { ...stamp, ...context },
            ),
          { state: decisionState(bucket, bucketRecord, key, current), inlineShards: staged.inlineShards },
        );
        await staged.publish();
        this.reclaim(removedVersions(appended!.writes));
        return { etag: md5Hex, versionId: appended!.event.version.versionId, checksum };
      } finally {
        release();
      }
    } catch (error) {
      await staged.abort();
      throw error;
    }
  }

  /** Finds the version a GET or HEAD is about and checks the requested range. */
  async getObject(bucket: string, key: string, options: { versionId?: string; range?: string } = {}): Promise<ObjectRead> {
    assertValidObjectKey(key);
    const drive = this.set.metadataDrive();
    const bucketRecord = await drive.getBucket(bucket);
    assertBucketExists(bucketRecord, bucket);
    const version = await this.findVersion(bucket, key, options.versionId);
    const range = parseRange(options.range, version.size);
    if (range === 'unsatisfiable') {
      throw s3Error('InvalidRange', undefined, { RangeRequested: options.range, ActualObjectSize: version.size });
    }
    return {
      bucket: bucketRecord,
      version,
      range,
      pipe: (sink) => this.read(bucket, key, version, range ?? { start: 0, end: version.size - 1 }, sink),
    };
  }

  async deleteObject(context: RequestContext, bucket: string, key: string, versionId?: string): Promise<void> {
    assertValidObjectKey(key);
    const release = await this.locks.lockObject(bucket, key);
    try {
      const drive = this.set.metadataDrive();
      const bucketRecord = await drive.getBucket(bucket);
      const current = await drive.versionsOf(bucket, key);
      const appended = await this.set.appendEvent((stamp) => decideDeleteObject(bucketRecord, current, { bucket, key, versionId }, { ...stamp, ...context }), {
        state: decisionState(bucket, bucketRecord, key, current),
      });
      if (appended) this.reclaim(removedVersions(appended.writes));
    } finally {
      release();
    }
  }

  async listObjects(bucket: string, params: ListParams): Promise<ListPage> {
    const drive = this.set.metadataDrive();
    assertBucketExists(await drive.getBucket(bucket), bucket);
    return drive.listObjects(bucket, { ...params, maxKeys: Math.min(params.maxKeys, MAX_LIST_KEYS) });
  }

  private async findVersion(bucket: string, key: string, versionId: string | undefined): Promise<ObjectVersion> {
    const drive = this.set.metadataDrive();
    if (versionId === undefined) {
      const latest = await drive.latestVersion(bucket, key);
      if (!latest) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
      return latest;
    }
    const version = (await drive.versionsOf(bucket, key)).find((v) => v.versionId === versionId);
    if (!version) {
      if (versionId === NULL_VERSION_ID) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
      throw s3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
    }
    return version;
  }

  private async read(bucket: string, key: string, version: ObjectVersion, range: ByteRange, sink: ByteSink): Promise<void> {
    try {
      await this.reader.read(version, range, sink);
    } catch (error) {
      if (!(error instanceof NotEnoughShardsError)) throw error;
      // The version may have been overwritten or deleted while we read it: then its shards
      // are gone on purpose and the answer is the current state, not a read-quorum error.
      const latest = await this.set.metadataDrive().latestVersion(bucket, key);
      if (!latest) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
      throw s3Error('SlowDownRead');
    }
  }

  private async stageInline(layout: ShardLayout, payload: ObjectPayload): Promise<StagedData> {
    const body = await readWhole(payload);
    if (body.length === 0) return { data: { kind: 'empty' }, publish: async () => undefined, abort: async () => undefined };
    const inlineShards = await encodeInline(this.set, layout, body);
    return { data: { kind: 'inline', layout }, inlineShards, publish: async () => undefined, abort: async () => undefined };
  }

  private async stageShards(layout: ShardLayout, payload: ObjectPayload): Promise<StagedData> {
    const dataDir = newDataDirId(Date.now());
    const writer = await ShardedObjectWriter.open(this.set, layout, dataDir);
    try {
      for await (const chunk of payload.chunks()) await writer.write(chunk);
      if (writer.bytesWritten !== payload.size) throw s3Error('IncompleteBody');
      await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return { data: { kind: 'files', layout, dataDir }, publish: () => writer.publish(), abort: () => writer.abort() };
  }

  /** Frees the shard files of versions that no longer exist (inline shards stay in the log). */
  private reclaim(versions: readonly ObjectVersion[]): void {
    for (const version of versions) {
      const data = version.data;
      if (data.kind !== 'files') continue;
      for (const drive of this.set.online()) {
        drive.removeShards(data.dataDir).catch((error: unknown) => this.logger.warn(`could not remove shards ${data.dataDir} on ${drive.label}: ${String(error)}`));
      }
    }
  }
}

async function readWhole(payload: ObjectPayload): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload.chunks()) {
    chunks.push(chunk);
    size += chunk.length;
  }
  if (size !== payload.size) throw s3Error('IncompleteBody');
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
