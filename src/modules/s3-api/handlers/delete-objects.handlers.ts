/**
 * DeleteObjects (POST /bucket?delete): up to 1000 keys in one request. Each key is the normal
 * DeleteObject decision (one event per key that had something to delete); a key that fails
 * is reported in the result and does not stop the others. A malformed document deletes nothing.
 */
import { Injectable, Logger } from '@nestjs/common';
import { isS3Error, S3_ERRORS } from '../../../domain/errors';
import { isWellFormedVersionId } from '../../../domain/rules/version-ids';
import { BucketService } from '../../buckets/bucket.service';
import { ObjectService } from '../../objects/object.service';
import { assertBodyDigestSent } from '../required-digest';
import { bucketOf, type S3Call } from '../s3-call';
import { readSmallBody } from '../small-body';
import { parseDeleteRequest, renderDeleteResult, type DeleteOutcome } from '../xml/delete-objects.xml';
import { bypassesGovernance } from '../bypass-governance';

/** Deletions in flight at once: enough for concurrent requests to share each drive's fsync. */
const CONCURRENCY = 16;

@Injectable()
export class DeleteObjectsHandlers {
  private readonly logger = new Logger('s3');

  constructor(
    private readonly buckets: BucketService,
    private readonly objects: ObjectService,
  ) {}

  async deleteObjects(call: S3Call): Promise<void> {
    const bucket = bucketOf(call);
    assertBodyDigestSent(call);
    const request = parseDeleteRequest(await readSmallBody(call));
    await this.buckets.getBucket(bucket);
    const outcomes: DeleteOutcome[] = new Array(request.objects.length);
    let next = 0;
    const worker = async () => {
      while (next < request.objects.length) {
        const index = next++;
        outcomes[index] = await this.deleteOne(call, bucket, request.objects[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, request.objects.length) }, worker));
    call.response.xml(200, renderDeleteResult(outcomes, request.quiet));
  }

  private async deleteOne(call: S3Call, bucket: string, object: { key: string; versionId?: string; etag?: string }): Promise<DeleteOutcome> {
    // AWS reports a malformed id in the document as that key's NoSuchVersion, not a deletion.
    if (object.versionId !== undefined && !isWellFormedVersionId(object.versionId)) {
      return { key: object.key, versionId: object.versionId, deleted: false, code: 'NoSuchVersion', message: S3_ERRORS.NoSuchVersion.message };
    }
    try {
      const result = await this.objects.deleteObject(call.context, bucket, object.key, object.versionId, {
        bypassGovernance: bypassesGovernance(call),
        ...(object.etag !== undefined ? { ifMatch: object.etag } : {}),
      });
      // Literals, not spreads: up to 1000 outcomes a request, and spreads are V8's slow path.
      const deleteMarker = result.deleteMarker && result.versionId !== undefined ? { versionId: result.versionId } : undefined;
      return { key: object.key, versionId: object.versionId, deleted: true, deleteMarker };
    } catch (error) {
      // Other keys may already be deleted: even an unexpected failure is reported per key.
      if (isS3Error(error)) return { key: object.key, versionId: object.versionId, deleted: false, code: error.code, message: error.message };
      this.logger.error(`DeleteObjects ${bucket}/${object.key}: ${error instanceof Error ? error.stack : String(error)}`);
      return { key: object.key, versionId: object.versionId, deleted: false, code: 'InternalError', message: S3_ERRORS.InternalError.message };
    }
  }
}
