/**
 * Makes the opened storage (the erasure set, built before Nest starts because opening drives
 * can refuse start-up) and the shared namespace locks available to every module.
 */
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NamespaceLocks } from '../../infra/locks/namespace-locks';
import { ErasureSet } from '../../infra/storage/erasure-set';
import { ObjectReader } from '../../infra/storage/object-reader';
import { ServerConfig } from '../../config/server-config';
import { HealQueue } from './heal-queue';
import { ShardReclaimer } from './shard-reclaimer';

@Global()
@Module({})
export class StorageModule {
  static forRoot(set: ErasureSet, config: ServerConfig): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: ErasureSet, useValue: set },
        { provide: ServerConfig, useValue: config },
        NamespaceLocks,
        HealQueue,
        ShardReclaimer,
        {
          provide: ObjectReader,
          inject: [ErasureSet, HealQueue],
          useFactory: (erasureSet: ErasureSet, heal: HealQueue) => new ObjectReader(erasureSet, (report) => heal.report(report)),
        },
      ],
      exports: [ErasureSet, ServerConfig, NamespaceLocks, HealQueue, ObjectReader, ShardReclaimer],
    };
  }
}
