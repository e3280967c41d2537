import { Injectable } from '@nestjs/common';
import { BucketConfigService } from '../../buckets/bucket-config.service';
import { ObjectLockService } from '../../objects/object-lock.service';
import { bypassesGovernance } from '../bypass-governance';
import { assertBodyDigestSent } from '../required-digest';
import { readSmallBody } from '../small-body';
import { bucketOf, objectTarget, type S3Call } from '../s3-call';
import {
  parseLegalHold,
  parseObjectLockConfiguration,
  parseRetention,
  renderLegalHold,
  renderObjectLockConfiguration,
  renderRetention,
} from '../xml/object-lock.xml';

/** Put/GetObjectLockConfiguration, Put/GetObjectRetention, Put/GetObjectLegalHold. */
@Injectable()
export class ObjectLockHandlers {
  constructor(
    private readonly bucketConfig: BucketConfigService,
    private readonly objectLock: ObjectLockService,
  ) {}

  async putObjectLockConfiguration(call: S3Call): Promise<void> {
    assertBodyDigestSent(call);
    const config = parseObjectLockConfiguration(await readSmallBody(call));
    await this.bucketConfig.putObjectLockConfiguration(call.context, bucketOf(call), config);
    call.response.send(200, {});
  }

  async getObjectLockConfiguration(call: S3Call): Promise<void> {
    call.response.xml(200, renderObjectLockConfiguration(await this.bucketConfig.getObjectLockConfiguration(bucketOf(call))));
  }

  async putObjectRetention(call: S3Call): Promise<void> {
    assertBodyDigestSent(call);
    const retention = parseRetention(await readSmallBody(call));
    await this.objectLock.putRetention(call.context, objectTarget(call), retention, bypassesGovernance(call));
    call.response.send(200, {});
  }

  async getObjectRetention(call: S3Call): Promise<void> {
    call.response.xml(200, renderRetention(await this.objectLock.getRetention(objectTarget(call))));
  }

  async putObjectLegalHold(call: S3Call): Promise<void> {
    assertBodyDigestSent(call);
    const on = parseLegalHold(await readSmallBody(call));
    await this.objectLock.putLegalHold(call.context, objectTarget(call), on);
    call.response.send(200, {});
  }

  async getObjectLegalHold(call: S3Call): Promise<void> {
    call.response.xml(200, renderLegalHold(await this.objectLock.getLegalHold(objectTarget(call))));
  }
}
