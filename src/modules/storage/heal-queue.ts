/**
 * Where reads report shards they found missing or damaged. The healing module (issue 5)
 * will consume these reports and rewrite the shards; until then they are logged, so an
 * operator learns that redundancy is reduced.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { DamageReport } from '../../infra/storage/object-reader';

@Injectable()
export class HealQueue {
  private readonly logger = new Logger('heal');
  private readonly pending = new Map<string, DamageReport>();

  report(report: DamageReport): void {
    if (this.pending.has(report.version.eventId)) return;
    this.pending.set(report.version.eventId, report);
    this.logger.warn(`version ${report.version.eventId} has missing or damaged shards ${report.shards.join(', ')}; queued for healing`);
  }

  get size(): number {
    return this.pending.size;
  }
}
