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

@Injectable()
export class DriveWatcher implements OnApplicationShutdown {
  private readonly logger = new Logger('heal');
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly set: ErasureSet,
    private readonly heal: HealService,
  ) {}

  /** Starts watching; `pending` are drives that need a full heal now (replaced at start-up). */
  start(intervalMs: number, pending: readonly string[]): void {
    if (pending.length > 0) void this.exclusively(() => this.healDrives(pending));
    this.timer = setInterval(() => void this.exclusively(() => this.checkOffline()), intervalMs);
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
      const kind = await reattachDrive(this.set, drive);
      if (!kind) continue;
      console.log(`Drive ${drive.label} ${kind === 'replaced' ? 'replaced by an empty drive: formatted into slot ' + (drive.slot + 1) : 'is back'}; it has caught up on the log`);
      back.push(drive.label);
    }
    if (back.length > 0) await this.healDrives(back);
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
