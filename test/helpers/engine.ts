/**
 * The storage engine without HTTP: an erasure set over temp drive directories, with the
 * object writer and reader, for integration tests.
 */
import type { ObjectVersion } from '../../src/domain/object-version';
import { decideCreateBucket } from '../../src/domain/deciders/bucket-decider';
import { decidePutObject } from '../../src/domain/deciders/object-decider';
import { decisionState } from '../../src/domain/projections/projection';
import type { ErasureSet } from '../../src/infra/storage/erasure-set';
import { ObjectReader } from '../../src/infra/storage/object-reader';
import { encodeInline, INLINE_LIMIT, ShardedObjectWriter } from '../../src/infra/storage/object-writer';
import { newDataDirId } from '../../src/infra/shards/shard-store';
import { createHash } from 'node:crypto';
import type { ObjectData } from '../../src/domain/object-version';
import type { ObjectPayload } from '../../src/modules/objects/object-payload';

const who = { actor: 'test', requestId: 'TEST' };

export async function createBucket(set: ErasureSet, bucket: string): Promise<void> {
  const existing = await set.metadata().getBucket(bucket);
  await set.appendEvent((stamp) => decideCreateBucket(existing, { bucket, region: 'us-east-1' }, { ...stamp, ...who }), { state: decisionState(bucket, existing) });
}

/**
 * Stores an object the way ObjectService does (inline, or shards in segments), without HTTP.
 * `unsized`: as a body of unknown length arrives (a browser-form upload): shard files.
 */
export async function putObject(set: ErasureSet, bucket: string, key: string, body: Buffer, options: { unsized?: boolean } = {}): Promise<ObjectVersion> {
  const layout = set.shardLayoutFor(bucket, key);
  let data: ObjectData;
  let inline: Buffer[] | undefined;
  let writer: ShardedObjectWriter | undefined;
  if (body.length === 0) data = { kind: 'empty' };
  else if (body.length <= INLINE_LIMIT) {
    inline = await encodeInline(set, layout, body);
    data = { kind: 'inline', layout };
  } else {
    writer = ShardedObjectWriter.open(set, layout, newDataDirId(Date.now()), options.unsized ? undefined : body.length);
    // Feed it in uneven pieces, as sockets do.
    for (let offset = 0; offset < body.length; offset += 70_001) await writer.write(body.subarray(offset, offset + 70_001));
    await writer.finish();
    data = { kind: 'files', layout, dataDir: writer.dataDir };
  }
  const bucketRecord = await set.metadata().getBucket(bucket);
  const current = await set.metadata().versionsOf(bucket, key);
  const appended = await set.appendEvent(
    (stamp) =>
      decidePutObject(
        bucketRecord,
        {
          bucket,
          key,
          version: { size: body.length, etag: createHash('md5').update(body).digest('hex'), system: {}, user: {}, storageClass: 'STANDARD', data },
        },
        { ...stamp, ...who },
      ),
    { state: decisionState(bucket, bucketRecord, key, current), inlineShards: inline },
  );
  await writer?.publish();
  return (await set.metadata().versionsOf(bucket, key)).find((v) => v.eventId === appended!.event.id)!;
}

export async function readObject(set: ErasureSet, version: ObjectVersion, start = 0, end = version.size - 1): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await new ObjectReader(set).read(
    version,
    { start, end },
    (pieces) => {
      chunks.push(...pieces.map((p) => Buffer.from(p)));
    },
    { bucket: '(test)', key: '(test)' },
  );
  return Buffer.concat(chunks);
}

/** A request body that is already in memory, as ObjectService and MultipartService take it. */
export function bufferPayload(body: Buffer): ObjectPayload {
  return {
    size: body.length,
    async *chunks() {
      for (let offset = 0; offset < body.length; offset += 65_536) yield body.subarray(offset, offset + 65_536);
    },
    finish: async () => ({ md5Hex: createHash('md5').update(body).digest('hex') }),
  };
}
