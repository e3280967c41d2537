import { Module } from '@nestjs/common';
import { HealingModule } from '../healing/healing.module';
import { S3Authenticator } from '../s3-api/s3-authenticator';
import { AdminGateway } from './admin-gateway';
import { AuditGateway } from './audit.gateway';

@Module({ imports: [HealingModule], providers: [AdminGateway, AuditGateway, S3Authenticator] })
export class AdminModule {}
