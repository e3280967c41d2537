import { Module } from '@nestjs/common';
import { DriveWatcher } from './drive-watcher';
import { HealService } from './heal.service';

@Module({ providers: [HealService, DriveWatcher], exports: [HealService, DriveWatcher] })
export class HealingModule {}
