import { Module } from '@nestjs/common';
import { HealService } from './heal.service';

@Module({ providers: [HealService], exports: [HealService] })
export class HealingModule {}
