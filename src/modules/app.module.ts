import { Module, type DynamicModule } from '@nestjs/common';
import type { ServerConfig } from '../config/server-config';
import type { ErasureSet } from '../infra/storage/erasure-set';
import { AdminModule } from './admin/admin.module';
import { HealingModule } from './healing/healing.module';
import { S3ApiModule } from './s3-api/s3-api.module';
import { StorageModule } from './storage/storage.module';

@Module({})
export class AppModule {
  static register(set: ErasureSet, config: ServerConfig): DynamicModule {
    return { module: AppModule, imports: [StorageModule.forRoot(set, config), S3ApiModule, HealingModule, AdminModule] };
  }
}
