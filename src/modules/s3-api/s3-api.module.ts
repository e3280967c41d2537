import { Module } from '@nestjs/common';
import { BucketsModule } from '../buckets/buckets.module';
import { ObjectsModule } from '../objects/objects.module';
import { AclHandlers } from './handlers/acl.handlers';
import { BucketHandlers } from './handlers/bucket.handlers';
import { MultipartHandlers } from './handlers/multipart.handlers';
import { VersioningHandlers } from './handlers/versioning.handlers';
import { ObjectLockHandlers } from './handlers/object-lock.handlers';
import { CorsHandlers } from './handlers/cors.handlers';
import { UnsetConfigurationHandlers } from './handlers/unset-configuration.handlers';
import { DeleteObjectsHandlers } from './handlers/delete-objects.handlers';
import { ObjectHandlers } from './handlers/object.handlers';
import { PostObjectHandlers } from './handlers/post-object.handlers';
import { ServiceHandlers } from './handlers/service.handlers';
import { TaggingHandlers } from './handlers/tagging.handlers';
import { S3Authenticator } from './s3-authenticator';
import { S3Gateway } from './s3-gateway';

@Module({
  imports: [BucketsModule, ObjectsModule],
  providers: [
    S3Gateway,
    S3Authenticator,
    ServiceHandlers,
    BucketHandlers,
    ObjectHandlers,
    MultipartHandlers,
    VersioningHandlers,
    ObjectLockHandlers,
    PostObjectHandlers,
    DeleteObjectsHandlers,
    TaggingHandlers,
    AclHandlers,
    CorsHandlers,
    UnsetConfigurationHandlers,
  ],
})
export class S3ApiModule {}
