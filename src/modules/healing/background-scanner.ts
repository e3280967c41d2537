/**
 * The background scanner: every CAIRN_SCAN_INTERVAL seconds (default 6 hours; 0 turns it
 * off) a heal scan walks every version, throttled by CAIRN_HEAL_BUDGET. Every
 * CAIRN_SCAN_DEEP_EVERY-th scan (default 4) is deep: it reads every shard and verifies every
 * bitrot hash, which finds silent corruption that no read has met yet.
 */
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { HealService } from './heal.service';

export interface ScannerSchedule {
  readonly intervalMs: number;
  readonly deepEvery: number;
}

export function scannerScheduleFrom(env: Record<string, string | undefined>): ScannerSchedule {
  const seconds = env.CAIRN_SCAN_INTERVAL === undefined ? 6 * 3600 : Number(env.CAIRN_SCAN_INTERVAL);
  const deepEvery = env.CAIRN_SCAN_DEEP_EVERY === undefined ? 4 : Number(env.CAIRN_SCAN_DEEP_EVERY);
  return {
    intervalMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0,
    deepEvery: Number.isInteger(deepEvery) && deepEvery > 0 ? deepEvery : 4,
  };
}

@Injectable()
export class BackgroundScanner implements OnApplicationShutdown {
  private readonly logger = new Logger('scanner');
  private timer: NodeJS.Timeout | undefined;
  private cycle = 0;
  private running = false;

  constructor(private readonly heal: HealService) {}

  start(schedule: ScannerSchedule): void {
    if (schedule.intervalMs === 0) return;
    this.timer = setInterval(() => void this.runCycle(schedule), schedule.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async runCycle(schedule: ScannerSchedule): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.cycle++;
    const deep = this.cycle % schedule.deepEvery === 0;
    try {
      const result = await this.heal.scan({ deep, dryRun: false });
      if (result.damaged > 0 || result.failed > 0) {
        this.logger.warn(`${deep ? 'deep ' : ''}scan: ${result.versions} versions checked, ${result.damaged} damaged, ${result.healed} healed, ${result.failed} failed`);
      }
    } catch (error) {
      this.logger.error(`scan failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running = false;
    }
  }
}
