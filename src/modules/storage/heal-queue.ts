/**
 * Where reads report shards they found missing or damaged. Each damaged version is logged
 * once (an operator learns that redundancy is reduced) and published on `reports$`, which
 * the healing module consumes to rewrite the shards.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { DamageReport } from '../../infra/storage/object-reader';

@Injectable()
export class HealQueue {
  private readonly logger = new Logger('heal');
  /** Versions reported and not yet handled, by event id (a version is reported once). */
  private readonly pending = new Set<string>();
  private readonly reports = new Subject<DamageReport>();

  get reports$(): Observable<DamageReport> {
    return this.reports.asObservable();
  }

  report(report: DamageReport): void {
    if (this.pending.has(report.version.eventId)) return;
    this.pending.add(report.version.eventId);
    this.logger.warn(`version ${report.version.eventId} has missing or damaged shards ${report.shards.join(', ')}; queued for healing`);
    this.reports.next(report);
  }

  /** The version was healed (or is gone): a later read may report it again. */
  done(eventId: string): void {
    this.pending.delete(eventId);
  }

  get size(): number {
    return this.pending.size;
  }
}
