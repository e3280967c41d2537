/**
 * PutObject, CopyObject, GetObject, HeadObject, DeleteObject and listing: the object layer between the
 * S3 handlers and the erasure set. Bytes are made durable first; then, under the key's
 * lock, the decision is taken on committed state and its event appended (the commit point);
 * then superseded data is reclaimed.
 */
import { Injectable } from '@nestjs/common';
import type { BucketRecord } from '../../domain/bucket';
import { decisionContext, type RequestContext } from '../../domain/deciders/decision-context';
import { assertBucketExists, currentVersion, decideDeleteObject, decidePutObject, type PutObjectCommand } from '../../domain/deciders/object-decider';
import { isS3Error, S3Error, s3Error } from '../../domain/errors';
import type { ChecksumValue, ObjectVersion, StorageClass, SystemMetadata } from '../../domain/object-version';
import { NULL_VERSION_ID } from '../../domain/object-version';
import { decisionState, releasedDataDirs } from '../../domain/projections/projection';
import { MAX_LIST_KEYS, type ListPage, type ListParams } from '../../domain/rules/listing';
import type { VersionListPage, VersionListParams } from '../../domain/rules/version-listing';
import { assertValidObjectKey } from '../../domain/rules/names';
import { partRange } from '../../domain/rules/object-parts';
import { assertWriteConditions, evaluatePreconditions, ifRangeHolds, type Preconditions, type WriteConditions } from '../../domain/rules/preconditions';
import { parseRange, type ByteRange } from '../../domain/rules/range';
import { assertLockedWriteDigest, type LockRequest } from '../../domain/rules/object-lock';
import type { Tag } from '../../domain/rules/tagging';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { NotEnoughShardsError, ObjectReader, type ByteSink, type ReadOptions } from '../../infra/storage/object-reader';
import { INLINE_LIMIT } from '../../infra/storage/object-writer';
import { copyPayload } from './copy-payload';
import { decideOnKey } from './decide-on-key';
import type { ObjectPayload, UnsizedPayload } from './object-payload';
import { ShardReclaimer } from '../storage/shard-reclaimer';
import { stageFiles, stageInline } from './staged-data';

export interface PutObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly payload: ObjectPayload | UnsizedPayload;
  readonly system: SystemMetadata;
  readonly user: Readonly<Record<string, string>>;
  /** x-amz-storage-class; STANDARD when absent. */
  readonly storageClass?: StorageClass;
  /** A conditional write (If-None-Match: * / If-Match), decided at commit time. */
  readonly conditions?: WriteConditions;
  /** x-amz-tagging, already validated; empty or absent: no tags. */
  readonly tags?: readonly Tag[];
  /** x-amz-object-lock-* (Object Lock buckets only; their default retention applies otherwise). */
  readonly lock?: LockRequest;
  /** The request sent Content-MD5 or an x-amz-checksum-* (undefined: a copy, with no body of its own). */
  readonly digestSent?: boolean;
}

export interface PutObjectResult {
  readonly etag: string;
  readonly versionId: string;
  readonly lastModified: number;
  readonly checksum?: ObjectVersion['checksum'];
}

export interface GetObjectOptions {
  readonly versionId?: string;
  /** The Range header as received. */
  readonly range?: string;
  /** The If-Range header as received: the Range holds only for the object it names. */
  readonly ifRange?: string;
  /** The validated partNumber query parameter. */
  readonly partNumber?: number;
  readonly conditions?: Preconditions;
}

/** Largest source CopyObject accepts (AWS: larger objects are copied with UploadPartCopy). */
export const MAX_COPY_SOURCE_SIZE = 5 * 1024 ** 3;
/** AWS: one PutObject carries at most 5 GiB (larger objects are multipart uploads). */
export const MAX_PUT_OBJECT_SIZE = 5 * 1024 ** 3;

export interface DeleteResult {
  /** A delete marker was created, or the version removed was one. */
  readonly deleteMarker: boolean;
  /** The marker created, or the version id the request named. */
  readonly versionId?: string;
}

function deleteMarkerHeaders(marker: ObjectVersion): Record<string, string> {
  return { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId };
}

export interface CopyObjectInput {
  readonly source: { readonly bucket: string; readonly key: string; readonly versionId?: string };
  readonly bucket: string;
  readonly key: string;
  /** x-amz-copy-source-if-*: a failed or "not modified" outcome is 412. */
  readonly sourceConditions: Preconditions;
  /** COPY takes the source's metadata; REPLACE takes `system` and `user`. */
  readonly metadataDirective: 'COPY' | 'REPLACE';
  /** x-amz-storage-class of the copy: STANDARD when absent, whatever the source's. */
  readonly storageClass: StorageClass;
  readonly system: SystemMetadata;
  readonly user: Readonly<Record<string, string>>;
  /** x-amz-website-redirect-location: never copied from the source (AWS); the request's applies. */
  readonly websiteRedirectLocation?: string;
  readonly conditions?: WriteConditions;
  /** x-amz-object-lock-* for the destination (never copied from the source). */
  readonly lock?: LockRequest;
  /** The destination's tags from the source's (x-amz-tagging-directive); none when absent. */
  readonly tags?: (sourceTags: readonly Tag[] | undefined) => readonly Tag[];
  /** x-amz-checksum-algorithm: the copy's checksum (default: the source's algorithm). */
  readonly checksumAlgorithm?: ChecksumValue['algorithm'];
}

export interface CopyObjectResult extends PutObjectResult {
  /** The source's version id when its bucket is versioned (x-amz-copy-source-version-id). */
  readonly sourceVersionId?: string;
}

export interface ObjectRead {
  readonly bucket: BucketRecord;
  readonly version: ObjectVersion;
  /** The requested range (or part), or undefined for the whole object. */
  readonly range: ByteRange | undefined;
  /** A read precondition answered "not modified" (304): send no body. */
  readonly notModified: boolean;
  /** Streams the (ranged) bytes into the sink. Throws before the first sink call if unreadable. */
  pipe(sink: ByteSink, options?: ReadOptions): Promise<void>;
}

@Injectable()
export class ObjectService {
  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
    private readonly reader: ObjectReader,
    private readonly reclaimer: ShardReclaimer,
  ) {}

  async putObject(context: RequestContext, input: PutObjectInput): Promise<PutObjectResult> {
    const { bucket, key, payload } = input;
    assertValidObjectKey(key);
    if (payload.size !== undefined && payload.size > MAX_PUT_OBJECT_SIZE) {
      throw s3Error('EntityTooLarge', undefined, { ProposedSize: payload.size, MaxSizeAllowed: MAX_PUT_OBJECT_SIZE });
    }
    // Refuse early, before reading a body that could not be stored.
    const bucketRecord = await this.set.metadata().getBucket(bucket);
    assertBucketExists(bucketRecord, bucket);
    assertLockedWriteDigest(bucketRecord, input.lock, input.digestSent, 'Put Object');
    this.set.assertWritable();
    let existedAtArrival: boolean | undefined;
    if (input.conditions) {
      // Refuse before reading a body that could not be stored; the decider decides again at commit.
      const arrival = currentVersion(await this.set.metadata().versionsOf(bucket, key));
      assertWriteConditions(input.conditions, arrival, input);
      existedAtArrival = arrival !== undefined;
    }

    const layout = this.set.shardLayoutFor(bucket, key);
    const staged =
      payload.size !== undefined && payload.size <= INLINE_LIMIT ? await stageInline(this.set, layout, payload) : await stageFiles(this.set, layout, payload);
    try {
      const { md5Hex, checksum } = await payload.finish();
      const release = await this.locks.lockObject(bucket, key);
      try {
        const metadata = this.set.metadata();
        const bucketRecord = await metadata.getBucket(bucket);
        const current = await metadata.versionsOf(bucket, key);
        // Object literals without spreads: optional fields left undefined are dropped by the
        // event's JSON, and a literal of fixed shape is much cheaper to build (the hot path).
        const command: PutObjectCommand = {
          bucket,
          key,
          version: {
            size: staged.size,
            etag: md5Hex,
            system: input.system,
            user: input.user,
            checksum,
            storageClass: input.storageClass ?? 'STANDARD',
            data: staged.data,
            tags: input.tags && input.tags.length > 0 ? input.tags : undefined,
          },
          conditions: input.conditions,
          existedAtArrival,
          lock: input.lock,
        };
        const appended = await this.set.appendEvent(
          (stamp) => decidePutObject(bucketRecord, command, decisionContext(stamp, context), current),
          { state: decisionState(bucket, bucketRecord, key, current), inlineShards: staged.inlineShards },
        );
        await staged.publish();
        this.reclaimer.reclaim(releasedDataDirs(appended!.writes));
        const { versionId, lastModified } = appended!.event.version;
        return { etag: md5Hex, versionId, lastModified, checksum };
      } finally {
        release();
      }
    } catch (error) {
      await staged.abort();
      throw error;
    }
  }

  /**
   * Finds the version a GET or HEAD is about, evaluates its preconditions (412, or a 304
   * answer) and then the requested range or part (416).
   */
  async getObject(bucket: string, key: string, options: GetObjectOptions = {}): Promise<ObjectRead> {
    assertValidObjectKey(key);
    const bucketRecord = await this.set.metadata().getBucket(bucket);
    assertBucketExists(bucketRecord, bucket);
    const version = await this.findVersion(bucket, key, options.versionId);
    const outcome = options.conditions ? evaluatePreconditions(options.conditions, version, Date.now()) : { result: 'proceed' as const };
    if (outcome.result === 'failed') throw s3Error('PreconditionFailed', undefined, { Condition: outcome.header });
    const notModified = outcome.result === 'not-modified';
    const range = notModified ? undefined : this.rangeOf(version, options);
    return {
      bucket: bucketRecord,
      version,
      range,
      notModified,
      pipe: (sink, readOptions) => this.read(bucket, key, version, range ?? { start: 0, end: version.size - 1 }, sink, readOptions),
    };
  }

  /**
   * CopyObject: reads the source (no lock held while its bytes stream) and writes it through
   * the PutObject path, so the destination's commit is decided under its key lock.
   */
  async copyObject(context: RequestContext, input: CopyObjectInput): Promise<CopyObjectResult> {
    const { source } = input;
    assertValidObjectKey(input.key);
    const read = await this.copySource(source, input.sourceConditions);
    const changesNothing =
      input.metadataDirective === 'COPY' && input.storageClass === read.version.storageClass && input.websiteRedirectLocation === undefined;
    if (changesNothing && this.isSelfCopy(input, source)) {
      throw s3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const version = read.version;
    if (version.size > MAX_COPY_SOURCE_SIZE) {
      throw s3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SOURCE_SIZE}`);
    }
    const metadata = input.metadataDirective === 'COPY' ? { system: copiedSystemMetadata(version.system, input.websiteRedirectLocation), user: version.user } : { system: input.system, user: input.user };
    const result = await this.putObject(context, {
      bucket: input.bucket,
      key: input.key,
      payload: copyPayload(version, (sink) => read.pipe(sink), input.checksumAlgorithm),
      ...metadata,
      storageClass: input.storageClass,
      ...(input.tags ? { tags: input.tags(version.tags) } : {}),
      ...(input.lock ? { lock: input.lock } : {}),
      ...(input.conditions ? { conditions: input.conditions } : {}),
    });
    return read.bucket.versioning === 'Unversioned' ? result : { ...result, sourceVersionId: version.versionId };
  }

  /**
   * The source of an UploadPartCopy: the version (its x-amz-copy-source-if-* conditions
   * checked) and, with x-amz-copy-source-range (`bytes=first-last` only), that range of it.
   */
  async copyPartSource(source: CopyObjectInput['source'], conditions: Preconditions, rangeHeader: string | undefined): Promise<ObjectRead> {
    const whole = await this.copySource(source, conditions);
    if (rangeHeader === undefined) return whole;
    const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    const size = whole.version.size;
    const argument = { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeHeader };
    if (!match) {
      throw s3Error(
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
        argument,
      );
    }
    if (Number(match[1]) > Number(match[2]) || Number(match[2]) >= size) {
      throw s3Error('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, argument);
    }
    const range = { start: Number(match[1]), end: Number(match[2]) };
    return { ...whole, range, pipe: (sink) => this.read(source.bucket, source.key, whole.version, range, sink) };
  }

  /** A copy's source version, its x-amz-copy-source-if-* conditions checked (failed or "not modified": 412). */
  private async copySource(source: CopyObjectInput['source'], conditions: Preconditions): Promise<ObjectRead> {
    const read = await this.getObject(source.bucket, source.key, { versionId: source.versionId }).catch((error: unknown) => {
      // A GET of a delete marker by id is 405; as a copy source it is a bad request (AWS).
      if (isS3Error(error) && error.code === 'MethodNotAllowed') {
        throw s3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
      }
      throw error;
    });
    const outcome = evaluatePreconditions(conditions, read.version, Date.now());
    if (outcome.result !== 'proceed') {
      throw s3Error('PreconditionFailed', undefined, { Condition: `x-amz-copy-source-${outcome.header}` });
    }
    return read;
  }

  /** The version GetObjectAttributes describes. */
  async objectVersion(bucket: string, key: string, versionId?: string): Promise<{ bucket: BucketRecord; version: ObjectVersion }> {
    assertValidObjectKey(key);
    const bucketRecord = await this.set.metadata().getBucket(bucket);
    assertBucketExists(bucketRecord, bucket);
    return { bucket: bucketRecord, version: await this.findVersion(bucket, key, versionId) };
  }

  /**
   * True when the copy names the destination itself, without a version id. A source that names
   * a version, even the current one, is a copy of that version (a restore), which AWS allows.
   */
  private isSelfCopy(destination: { bucket: string; key: string }, source: CopyObjectInput['source']): boolean {
    return source.bucket === destination.bucket && source.key === destination.key && source.versionId === undefined;
  }

  private rangeOf(version: ObjectVersion, options: GetObjectOptions): ByteRange | undefined {
    if (options.partNumber !== undefined) {
      if (options.range !== undefined) throw s3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter.');
      return partRange(version, options.partNumber);
    }
    if (options.ifRange !== undefined && !ifRangeHolds(options.ifRange, version)) return undefined;
    const range = parseRange(options.range, version.size);
    if (range === 'unsatisfiable') {
      throw new S3Error('InvalidRange', undefined, { RangeRequested: options.range, ActualObjectSize: version.size }, { 'content-range': `bytes */${version.size}` });
    }
    return range;
  }

  /** DeleteObject; says what was deleted or created (x-amz-delete-marker, x-amz-version-id). */
  async deleteObject(
    context: RequestContext,
    bucket: string,
    key: string,
    versionId?: string,
    options: { bypassGovernance?: boolean; ifMatch?: string } = {},
  ): Promise<DeleteResult> {
    return decideOnKey(
      this.set,
      this.locks,
      { bucket, key },
      (state, stamp) =>
        decideDeleteObject(state.bucket, state.versions, { bucket, key, versionId, bypassGovernance: options.bypassGovernance, ifMatch: options.ifMatch }, decisionContext(stamp, context)),
      (appended, state) => {
        if (!appended) return { deleteMarker: false, ...(versionId !== undefined ? { versionId } : {}) };
        this.reclaimer.reclaim(releasedDataDirs(appended.writes));
        const event = appended.event;
        if (event.type === 'DeleteMarkerCreated') return { deleteMarker: true, versionId: event.versionId };
        const removed = state.versions.find((v) => v.versionId === event.versionId);
        return { deleteMarker: removed?.deleteMarker === true, ...(versionId !== undefined ? { versionId } : {}) };
      },
    );
  }

  async listVersions(bucket: string, params: VersionListParams): Promise<VersionListPage> {
    const metadata = this.set.metadata();
    assertBucketExists(await metadata.getBucket(bucket), bucket);
    return metadata.listVersions(bucket, Object.assign({}, params, { maxKeys: Math.min(params.maxKeys, MAX_LIST_KEYS) }));
  }

  async listObjects(bucket: string, params: ListParams): Promise<ListPage> {
    const metadata = this.set.metadata();
    assertBucketExists(await metadata.getBucket(bucket), bucket);
    return metadata.listObjects(bucket, Object.assign({}, params, { maxKeys: Math.min(params.maxKeys, MAX_LIST_KEYS) }));
  }

  private async findVersion(bucket: string, key: string, versionId: string | undefined): Promise<ObjectVersion> {
    const metadata = this.set.metadata();
    if (versionId === undefined) {
      const latest = await metadata.latestVersion(bucket, key);
      if (!latest) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
      // The key is deleted; S3 says so, and which marker did it.
      if (latest.deleteMarker) throw new S3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket }, deleteMarkerHeaders(latest));
      return latest;
    }
    const version = (await metadata.versionsOf(bucket, key)).find((v) => v.versionId === versionId);
    if (!version) {
      if (versionId === NULL_VERSION_ID) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
      throw s3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
    }
    // A delete marker has no bytes: asking for it by id is 405, as in S3.
    if (version.deleteMarker) {
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: 'GET', ResourceType: 'DeleteMarker' }, {
        ...deleteMarkerHeaders(version),
        'last-modified': new Date(version.lastModified).toUTCString(),
        allow: 'DELETE',
      });
    }
    return version;
  }

  private async read(bucket: string, key: string, version: ObjectVersion, range: ByteRange, sink: ByteSink, options?: ReadOptions): Promise<void> {
    try {
      await this.reader.read(version, range, sink, { bucket, key }, options);
    } catch (error) {
      if (!(error instanceof NotEnoughShardsError)) throw error;
      // The version may have been overwritten or deleted while we read it: then its shards
      // are gone on purpose and the answer is the current state, not a read-quorum error.
      const latest = await this.set.metadata().latestVersion(bucket, key);
      if (!latest || latest.deleteMarker) throw s3Error('NoSuchKey', undefined, { Key: key, BucketName: bucket });
      throw s3Error('SlowDownRead');
    }
  }
}

/** COPY's system metadata: the source's, but its website redirect, which AWS never copies, is the request's. */
function copiedSystemMetadata(source: SystemMetadata, websiteRedirectLocation: string | undefined): SystemMetadata {
  const { websiteRedirectLocation: _notCopied, ...copied } = source;
  return websiteRedirectLocation === undefined ? copied : { ...copied, websiteRedirectLocation };
}
