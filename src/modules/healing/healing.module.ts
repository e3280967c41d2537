import { Module } from '@nestjs/common';
import { BackgroundScanner } from './background-scanner';
import { DriveWatcher } from './drive-watcher';
import { HealService } from './heal.service';

@Module({ providers: [HealService, DriveWatcher, BackgroundScanner], exports: [HealService, DriveWatcher, BackgroundScanner] })
export class HealingModule {}
