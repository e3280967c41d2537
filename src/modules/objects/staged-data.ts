/**
 * Staging an upload's bytes before its event commits them: small bodies are coded in memory
 * (their shards travel inside the event), larger ones are written durably to every drive —
 * into an extent of a segment file, or a staging file that `publish` renames into place once
 * the event's append made it real (ShardStore).
 */
import { s3Error } from '../../domain/errors';
import type { ObjectData, ShardLayout } from '../../domain/object-version';
import { newDataDirId } from '../../infra/shards/shard-store';
import type { ErasureSet } from '../../infra/storage/erasure-set';
import { encodeInline, ShardedObjectWriter } from '../../infra/storage/object-writer';
import { readPayload, type ObjectPayload, type UnsizedPayload } from './object-payload';

/** Bytes written but not yet committed, and how to commit or discard them. */
export interface StagedData {
  readonly data: ObjectData;
  readonly inlineShards?: Buffer[];
  /** Bytes staged: the payload's declared size, or what arrived when it declared none. */
  readonly size: number;
  publish(): Promise<void>;
  abort(): Promise<void>;
}

const NOTHING_TO_DO = async (): Promise<void> => undefined;

export async function stageInline(set: ErasureSet, layout: ShardLayout, payload: ObjectPayload): Promise<StagedData> {
  const body = await readPayload(payload);
  if (body.length === 0) return { data: { kind: 'empty' }, size: 0, publish: NOTHING_TO_DO, abort: NOTHING_TO_DO };
  const inlineShards = await encodeInline(set, layout, body);
  return { data: { kind: 'inline', layout }, inlineShards, size: body.length, publish: NOTHING_TO_DO, abort: NOTHING_TO_DO };
}

/** Shard files for any size (an empty body stores nothing). */
export async function stageFiles(set: ErasureSet, layout: ShardLayout, payload: ObjectPayload | UnsizedPayload): Promise<StagedData> {
  if (payload.size === 0) {
    await readPayload(payload);
    return { data: { kind: 'empty' }, size: 0, publish: NOTHING_TO_DO, abort: NOTHING_TO_DO };
  }
  const dataDir = newDataDirId(Date.now());
  const writer = ShardedObjectWriter.open(set, layout, dataDir, payload.size);
  try {
    for await (const chunk of payload.chunks()) await writer.write(chunk);
    if (payload.size !== undefined && writer.bytesWritten !== payload.size) throw s3Error('IncompleteBody');
    await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { data: { kind: 'files', layout, dataDir }, size: writer.bytesWritten, publish: () => writer.publish(), abort: () => writer.abort() };
}
