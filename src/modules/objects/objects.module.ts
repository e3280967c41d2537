import { Module } from '@nestjs/common';
import { MultipartService } from './multipart.service';
import { ObjectService } from './object.service';

@Module({ providers: [ObjectService, MultipartService], exports: [ObjectService, MultipartService] })
export class ObjectsModule {}
