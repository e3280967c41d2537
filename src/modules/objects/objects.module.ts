import { Module } from '@nestjs/common';
import { MultipartService } from './multipart.service';
import { ObjectTaggingService } from './object-tagging.service';
import { ObjectService } from './object.service';

@Module({ providers: [ObjectService, MultipartService, ObjectTaggingService], exports: [ObjectService, MultipartService, ObjectTaggingService] })
export class ObjectsModule {}
