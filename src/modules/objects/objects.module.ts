import { Module } from '@nestjs/common';
import { ObjectTaggingService } from './object-tagging.service';
import { ObjectService } from './object.service';

@Module({ providers: [ObjectService, ObjectTaggingService], exports: [ObjectService, ObjectTaggingService] })
export class ObjectsModule {}
