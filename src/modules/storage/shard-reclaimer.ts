import { Injectable, Logger } from '@nestjs/common';
import { ErasureSet } from '../../infra/storage/erasure-set';

/**
 * Frees shard files that committed state no longer references (overwritten or deleted
 * versions, replaced or aborted parts). Best effort: a file left behind is garbage that the
 * scanner removes, never a correctness problem.
 */
@Injectable()
export class ShardReclaimer {
  private readonly logger = new Logger('objects');

  constructor(private readonly set: ErasureSet) {}

  reclaim(dataDirs: readonly string[]): void {
    for (const dataDir of dataDirs) {
      for (const drive of this.set.online()) {
        drive.removeShards(dataDir).catch((error: unknown) => this.logger.warn(`could not remove shards ${dataDir} on ${drive.label}: ${String(error)}`));
      }
    }
  }
}
