/**
 * Healing: rewrites missing or damaged shards, one version at a time, in the background.
 *
 * Work arrives from reads that found damage (the heal queue) and from scans that walk every
 * version of every bucket (after a drive was replaced, and on request). Each version is healed
 * under its key's lock, so it cannot be overwritten or deleted halfway through, and a heal that
 * rewrote anything is recorded as an ObjectHealed event: the audit log shows when redundancy
 * was lost and restored. Scans are throttled to a share of the time (the budget).
 */
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { s3Error } from '../../domain/errors';
import type { ObjectHealed } from '../../domain/events';
import type { ObjectVersion } from '../../domain/object-version';
import { decisionState } from '../../domain/projections/projection';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { ShardHealer, type HealOutcome } from '../../infra/storage/shard-healer';
import { HealQueue } from '../storage/heal-queue';

export interface ScanOptions {
  readonly bucket?: string;
  readonly prefix?: string;
  readonly deep: boolean;
  readonly dryRun: boolean;
}

export interface ScanProgress {
  objects: number;
  versions: number;
  /** Versions with at least one missing or damaged shard. */
  damaged: number;
  /** Versions whose shards were rewritten. */
  healed: number;
  /** Versions that could not be healed (fewer than k good shards, or an error). */
  failed: number;
  bytes: number;
}

/**
 * Share of wall time a scan may spend working (the rest it sleeps), so foreground latency
 * holds: CAIRN_HEAL_BUDGET, a fraction in (0, 1], default 0.25.
 */
const DEFAULT_BUDGET = healBudgetFrom(process.env.CAIRN_HEAL_BUDGET);

export function healBudgetFrom(value: string | undefined): number {
  const budget = value === undefined ? NaN : Number(value);
  return budget > 0 && budget <= 1 ? budget : 0.25;
}
const PAGE = 500;

@Injectable()
export class HealService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('heal');
  private readonly healer: ShardHealer;
  private subscription: Subscription | undefined;
  /** Reads' damage reports, healed one after the other. */
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly set: ErasureSet,
    private readonly locks: NamespaceLocks,
    private readonly healQueue: HealQueue,
  ) {
    this.healer = new ShardHealer(set);
  }

  onModuleInit(): void {
    this.subscription = this.healQueue.reports$.subscribe((report) => {
      this.queue = this.queue.then(async () => {
        try {
          await this.healOne(report.bucket, report.key, report.version.eventId, { deep: true, dryRun: false });
        } catch (error) {
          this.logger.error(`healing ${report.bucket}/${report.key} failed: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          this.healQueue.done(report.version.eventId);
        }
      });
    });
  }

  /** True once the server is shutting down (a scan then stops early). */
  get stopped(): boolean {
    return this.stopping;
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    this.subscription?.unsubscribe();
  }

  /** Heals one version (found by the event that created it), under its key's lock. */
  async healOne(bucket: string, key: string, versionEventId: string, options: { deep: boolean; dryRun: boolean }): Promise<HealOutcome | undefined> {
    const release = await this.locks.lockObject(bucket, key);
    try {
      const version = (await this.set.metadata().versionsOf(bucket, key)).find((v) => v.eventId === versionEventId);
      if (!version) return undefined; // overwritten or deleted meanwhile: nothing left to heal
      const outcome = await this.healer.healVersion(version, options);
      if (outcome.healed > 0) await this.recordHealed(bucket, key, version, outcome);
      if (outcome.unrecoverable) this.logger.error(`${bucket}/${key} (version ${version.versionId}) has blocks with fewer than ${this.set.layout.dataShards} good shards: it cannot be healed`);
      else if (outcome.healed > 0) this.logger.log(`healed ${bucket}/${key} (version ${version.versionId}): rewrote ${outcome.rewritten.join(', ')}`);
      return outcome;
    } finally {
      release();
    }
  }

  /** How many objects a scan with these options will walk (for progress and ETA). */
  async countObjects(options: Pick<ScanOptions, 'bucket' | 'prefix'>): Promise<number> {
    if (options.bucket && !(await this.set.metadata().getBucket(options.bucket))) throw s3Error('NoSuchBucket', undefined, { BucketName: options.bucket });
    let count = 0;
    const buckets = options.bucket ? [options.bucket] : (await this.set.metadata().listBuckets()).map((b) => b.name);
    for (const bucket of buckets) {
      for (let after: string | undefined; ; ) {
        const page = await this.set.metadata().listObjects(bucket, { prefix: options.prefix ?? '', after, maxKeys: 10_000 });
        count += page.contents.length;
        if (!page.isTruncated || page.last === undefined) break;
        after = page.last;
      }
    }
    return count;
  }

  /** Walks every version under the bucket/prefix (or everything), healing what needs it. */
  async scan(options: ScanOptions, onProgress: (progress: Readonly<ScanProgress>) => void = () => undefined, budget = DEFAULT_BUDGET): Promise<ScanProgress> {
    const progress: ScanProgress = { objects: 0, versions: 0, damaged: 0, healed: 0, failed: 0, bytes: 0 };
    const buckets = options.bucket ? [options.bucket] : (await this.set.metadata().listBuckets()).map((b) => b.name);
    for (const bucket of buckets) {
      let after: string | undefined;
      for (;;) {
        if (this.stopping) return progress;
        const page = await this.set.metadata().listObjects(bucket, { prefix: options.prefix ?? '', after, maxKeys: PAGE });
        for (const { key } of page.contents) {
          progress.objects++;
          for (const version of await this.set.metadata().versionsOf(bucket, key)) {
            const started = Date.now();
            await this.scanVersion(bucket, key, version, options, progress);
            onProgress(progress);
            await throttle(Date.now() - started, budget);
          }
        }
        if (!page.isTruncated || page.last === undefined) break;
        after = page.last;
      }
    }
    return progress;
  }

  private async scanVersion(bucket: string, key: string, version: ObjectVersion, options: ScanOptions, progress: ScanProgress): Promise<void> {
    progress.versions++;
    progress.bytes += version.size;
    try {
      const outcome = await this.healOne(bucket, key, version.eventId, options);
      if (!outcome) return;
      if (outcome.damaged > 0) progress.damaged++;
      if (outcome.healed > 0) progress.healed++;
      if (outcome.unrecoverable) progress.failed++;
    } catch (error) {
      progress.failed++;
      this.logger.error(`healing ${bucket}/${key} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async recordHealed(bucket: string, key: string, version: ObjectVersion, outcome: HealOutcome): Promise<void> {
    const record = (stamp: { id: string; time: number }): ObjectHealed => ({
      type: 'ObjectHealed',
      v: 1,
      ...stamp,
      actor: 'system',
      requestId: '',
      bucket,
      key,
      versionId: version.versionId,
      versionEventId: version.eventId,
      shards: outcome.rewritten,
    });
    await this.set.appendEvent(record, { state: decisionState(bucket, undefined) });
  }
}

/** Sleeps so that work of `workedMs` is a `budget` share of the time spent. */
async function throttle(workedMs: number, budget: number): Promise<void> {
  if (budget >= 1 || workedMs <= 0) return;
  const pause = (workedMs * (1 - budget)) / budget;
  await new Promise((resolve) => setTimeout(resolve, Math.min(pause, 1000)));
}
