import { Module } from '@nestjs/common';
import { MultipartService } from './multipart.service';
import { ObjectLockService } from './object-lock.service';
import { ObjectTaggingService } from './object-tagging.service';
import { ObjectService } from './object.service';

@Module({
  providers: [ObjectService, MultipartService, ObjectTaggingService, ObjectLockService],
  exports: [ObjectService, MultipartService, ObjectTaggingService, ObjectLockService],
})
export class ObjectsModule {}
