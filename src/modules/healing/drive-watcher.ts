/**
 * Watches offline drives and brings them back without an operator command: a drive that
 * returns catches up on the log, an empty directory in place of a lost drive becomes its
 * replacement; then a heal scan rebuilds the shards they lack. Also runs the heal scan for
 * drives replaced at start-up (including ones a previous run did not finish healing).
 *
 * Progress goes to stdout like the start-up banner: these are the lines an operator waits for.
 */
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { clearHealPending } from '../../infra/drives/heal-marker';
import { reattachDrive } from '../../infra/storage/drive-reattach';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { HealService } from './heal.service';

const MAX_BACKOFF_MS = 5 * 60_000;

@Injectable()
export class DriveWatcher implements OnApplicationShutdown {
  private readonly logger = new Logger('heal');
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** Slots whose going offline was already reported. */
  private readonly announced = new Set<number>();
  /** Slots whose last attempt to rejoin failed: not before `at`, then twice as long (up to 5 min). */
  private readonly backoff = new Map<number, { at: number; delayMs: number }>();
  private intervalMs = 5_000;

  constructor(
    private readonly set: ErasureSet,
    private readonly heal: HealService,
  ) {}

  /** Starts watching; `pending` are drives that need a full heal now (replaced at start-up). */
  start(intervalMs: number, pending: readonly string[]): void {
    this.intervalMs = intervalMs;
    for (const drive of this.set.offline()) this.announced.add(drive.slot); // the banner named them
    if (pending.length > 0) void this.exclusively(() => this.healDrives(pending));
    this.timer = setInterval(() => {
      this.announceOffline();
      void this.exclusively(() => this.checkOffline());
    }, intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async exclusively(work: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await work();
    } catch (error) {
      this.logger.error(`drive recovery failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  private async checkOffline(): Promise<void> {
    const back: string[] = [];
    for (const drive of this.set.offline()) {
      if ((this.backoff.get(drive.slot)?.at ?? 0) > Date.now()) continue;
      let kind;
      try {
        kind = await reattachDrive(this.set, drive);
      } catch (error) {
        // Readable and writable, yet it could not catch up (its LMDB refuses a transaction, say).
        const delayMs = Math.min((this.backoff.get(drive.slot)?.delayMs ?? this.intervalMs) * 2, MAX_BACKOFF_MS);
        this.backoff.set(drive.slot, { at: Date.now() + delayMs, delayMs });
        this.logger.error(`drive ${drive.label} could not rejoin: ${error instanceof Error ? error.message : String(error)}; next try in ${Math.round(delayMs / 1000)} s`);
        continue;
      }
      if (!kind) continue;
      this.backoff.delete(drive.slot);
      this.announced.delete(drive.slot);
      console.log(`Drive ${drive.label} ${kind === 'replaced' ? 'replaced by an empty drive: formatted into slot ' + (drive.slot + 1) : 'is back'}; it has caught up on the log`);
      back.push(drive.label);
    }
    if (back.length > 0) await this.healDrives(back);
  }

  /**
   * Says once per drive that it went offline while running, and why (a write or shard write
   * that failed, a directory that disappeared, a hung append), with what the set can still do.
   */
  private announceOffline(): void {
    const fresh = this.set.offline().filter((drive) => !this.announced.has(drive.slot));
    if (fresh.length === 0) return;
    for (const drive of fresh) this.announced.add(drive.slot);
    const online = this.set.online().length;
    const total = this.set.drives.length;
    const can =
      online >= this.set.writeQuorum
        ? 'reads and writes continue'
        : online >= this.set.readQuorum
          ? `reads continue; writes fail with 503 SlowDownWrite until ${this.set.writeQuorum} drives are online`
          : `reads and writes fail with 503 until ${this.set.readQuorum} drives are online`;
    for (const drive of fresh) console.log(`WARNING: drive ${drive.label} is offline: ${drive.offlineReason ?? 'unavailable'}`);
    console.log(`WARNING: ${online} of ${total} drives online: ${can}; a drive rejoins by itself once it is readable and writable again, or is replaced by an empty directory`);
  }

  private async healDrives(drives: readonly string[]): Promise<void> {
    const started = Date.now();
    console.log(`Healing: rebuilding the shards of ${drives.join(', ')} in the background`);
    const result = await this.heal.scan({ deep: false, dryRun: false });
    if (this.heal.stopped) return; // shutting down: replaced drives stay marked, the next start-up heals again
    if (result.failed === 0) for (const drive of drives) await clearHealPending(drive);
    console.log(
      `Healing done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.versions} versions checked, ${result.healed} healed, ${result.failed} failed`,
    );
  }
}
