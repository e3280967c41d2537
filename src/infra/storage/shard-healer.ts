/**
 * Healing one object version: finds the drives whose shards of it are missing or damaged and
 * rewrites them from the shards the drives hold (decode each block from any k verified shards
 * of that block, whichever drives they are on, re-encode, keep the drive's shard). Never
 * writes anything it could not verify.
 *
 * Shards out of line are checked by length (quick) or by every frame's bitrot hash (deep); a
 * rebuilt one goes into a new extent whose placement row replaces the old one (in a segment)
 * or is written beside the old file, fdatasynced and renamed over it (ShardStore). Inline shards are
 * always verified (they are small) and rewritten in the drive's record of the event.
 */
import type { ObjectData, ObjectVersion, ShardLayout } from '../../domain/object-version';
import { decodeBlock, encodeBlock, frameOf, verifiedShard } from '../erasure/block-coder';
import { BITROT_HASH_SIZE } from '../erasure/bitrot';
import { blocksForRange, shardSizeFor, shardStreamSize } from '../erasure/block-layout';
import type { Drive, ShardReader, ShardWriter } from '../drives/drive';
import type { ErasureSet } from './erasure-set';
import { rebuildShardStream } from './shard-rebuild';

export interface HealOutcome {
  /** Shards checked (one per drive per stored piece of data). */
  readonly checked: number;
  /** Shards found missing or damaged. */
  readonly damaged: number;
  /** Shards rewritten. */
  readonly healed: number;
  /** Some block had fewer than k good shards: that data cannot be rebuilt. */
  readonly unrecoverable: boolean;
  /** Where shards were rewritten: `slot:dataDir` or `slot:inline`. */
  readonly rewritten: readonly string[];
}

type FileData = Extract<ObjectData, { kind: 'files' }>;

export class ShardHealer {
  constructor(private readonly set: ErasureSet) {}

  async healVersion(version: ObjectVersion, options: { deep: boolean; dryRun?: boolean }): Promise<HealOutcome> {
    const outcomes: HealOutcome[] = [];
    const data = version.data;
    if (data.kind === 'inline') outcomes.push(await this.healInline(version.eventId, data.layout, version.size, options.dryRun ?? false));
    else if (data.kind === 'files') outcomes.push(await this.healFile(data, version.size, options));
    else if (data.kind === 'multipart') {
      for (const part of data.parts) if (part.data.kind === 'files') outcomes.push(await this.healFile(part.data, part.size, options));
    }
    return {
      checked: sum(outcomes, (o) => o.checked),
      damaged: sum(outcomes, (o) => o.damaged),
      healed: sum(outcomes, (o) => o.healed),
      unrecoverable: outcomes.some((o) => o.unrecoverable),
      rewritten: outcomes.flatMap((o) => o.rewritten),
    };
  }

  private async healFile(data: FileData, size: number, options: { deep: boolean; dryRun?: boolean }): Promise<HealOutcome> {
    const { layout, dataDir } = data;
    const drives = this.set.online();
    const sound = await Promise.all(drives.map((drive) => this.fileIsSound(drive, dataDir, layout, size, options.deep)));
    const damaged = drives.filter((_, i) => !sound[i]);
    const outcome = { checked: drives.length, damaged: damaged.length, healed: 0, unrecoverable: false, rewritten: [] as string[] };
    if (damaged.length === 0 || options.dryRun) return outcome;

    // Every drive is a source, block by block: damage spread over more than m drives (never
    // more than m per block) still leaves k verified shards of each block to rebuild from.
    const readers = await Promise.all(drives.map((drive) => drive.openShards(dataDir).catch(() => undefined)));
    const writers: Array<{ drive: Drive; writer: ShardWriter }> = [];
    try {
      for (const drive of damaged) writers.push({ drive, writer: await drive.createHealWriter(dataDir, shardStreamSize(size, layout)) });
      for (const span of blocksForRange(size, 0, size - 1, layout)) {
        const shards: Array<Buffer | undefined> = new Array(layout.dataShards + layout.parityShards).fill(undefined);
        await Promise.all(
          drives.map(async (drive, i) => {
            const frame = await readers[i]?.read(span.frameOffset, BITROT_HASH_SIZE + span.shardSize).catch(() => undefined);
            shards[layout.distribution[drive.slot]] = verifiedShard(frame, span.shardSize);
          }),
        );
        if (shards.filter(Boolean).length < layout.dataShards) {
          await Promise.all(writers.map(({ writer }) => writer.abort()));
          return { ...outcome, unrecoverable: true };
        }
        const encoded = await reencode(this.set, layout, shards, span.shardSize, span.length);
        await Promise.all(writers.map(({ drive, writer }) => writer.write([frameOf(encoded, layout.distribution[drive.slot])])));
      }
      for (const { drive, writer } of writers) {
        await writer.finish();
        await drive.commitHealedShards(dataDir);
        outcome.healed++;
        outcome.rewritten.push(`${drive.slot}:${dataDir}`);
      }
      return outcome;
    } catch (error) {
      await Promise.all(writers.map(({ writer }) => writer.abort().catch(() => undefined)));
      throw error;
    } finally {
      await Promise.all(readers.map((reader) => reader?.close().catch(() => undefined)));
    }
  }

  /** Present with the right size, and (deep) every frame's hash verifies. */
  private async fileIsSound(drive: Drive, dataDir: string, layout: ShardLayout, size: number, deep: boolean): Promise<boolean> {
    let reader: ShardReader | undefined;
    try {
      reader = await drive.openShards(dataDir);
      if ((await reader.size()) !== shardStreamSize(size, layout)) return false;
      if (!deep) return true;
      for (const span of blocksForRange(size, 0, size - 1, layout)) {
        const frame = await reader.read(span.frameOffset, BITROT_HASH_SIZE + span.shardSize);
        if (!verifiedShard(frame, span.shardSize)) return false;
      }
      return true;
    } catch {
      return false;
    } finally {
      await reader?.close().catch(() => undefined);
    }
  }

  private async healInline(eventId: string, layout: ShardLayout, size: number, dryRun: boolean): Promise<HealOutcome> {
    const drives = this.set.online();
    const streams: Array<Buffer | undefined> = new Array(layout.dataShards + layout.parityShards).fill(undefined);
    const damaged: Drive[] = [];
    for (const drive of drives) {
      const stream = await drive.readInlineShard(eventId).catch(() => undefined);
      if (stream && inlineStreamIsSound(stream, layout, size)) streams[layout.distribution[drive.slot]] = stream;
      else damaged.push(drive);
    }
    const outcome = { checked: drives.length, damaged: damaged.length, healed: 0, unrecoverable: false, rewritten: [] as string[] };
    if (damaged.length === 0 || dryRun) return outcome;
    for (const drive of damaged) {
      const shard = await rebuildShardStream(this.set.codec, layout, size, streams, layout.distribution[drive.slot]);
      if (!shard) return { ...outcome, unrecoverable: true };
      await drive.replaceInlineShard(eventId, shard);
      outcome.healed++;
      outcome.rewritten.push(`${drive.slot}:inline`);
    }
    return outcome;
  }
}

function inlineStreamIsSound(stream: Buffer, layout: ShardLayout, size: number): boolean {
  if (stream.length !== shardStreamSize(size, layout)) return false;
  return blocksForRange(size, 0, size - 1, layout).every((span) =>
    verifiedShard(stream.subarray(span.frameOffset, span.frameOffset + BITROT_HASH_SIZE + span.shardSize), span.shardSize),
  );
}

/** Every shard of a block, from at least k verified ones. */
async function reencode(set: ErasureSet, layout: ShardLayout, shards: Array<Buffer | undefined>, shardSize: number, length: number) {
  const { dataShards } = await decodeBlock(set.codec, shards, shardSize);
  const block = Buffer.concat(dataShards);
  const parity = Buffer.allocUnsafe(layout.parityShards * shardSizeFor(length, layout.dataShards));
  return encodeBlock(set.codec, block, length, parity);
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
