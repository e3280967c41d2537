/**
 * CreateBucket against the server's region, as AWS answers on a regional endpoint.
 *
 * - LocationConstraint: checked only where the operator set a region (CAIRN_REGION). The
 *   region's own name is accepted, except us-east-1, which AWS wants left out; another
 *   region is IllegalLocationConstraintException; a name that is no region,
 *   InvalidLocationConstraint. With no region set, any constraint is accepted and the bucket
 *   is in the default region, as MinIO does; so is a request that names none (AWS would
 *   refuse that on a regional endpoint, where it could mean another region: here there is one).
 * - Creating a bucket you already own: 409 BucketAlreadyOwnedByYou, except in us-east-1,
 *   where AWS keeps answering 200 for legacy clients.
 */
import { s3Error } from '../errors';

const US_EAST_1 = 'us-east-1';
/** AWS region names (us-east-1, eu-west-3, ap-southeast-2, us-gov-west-1, cn-north-1) and the legacy EU. */
const AWS_REGION_NAME = /^(?:[a-z]{2}(?:-[a-z]+)+-\d{1,2}|EU)$/;

export function assertLocationConstraint(location: string, serverRegion: string): void {
  if (location === serverRegion && location !== US_EAST_1) return;
  if (location !== US_EAST_1 && AWS_REGION_NAME.test(location)) {
    throw s3Error('IllegalLocationConstraintException', `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to.`);
  }
  throw s3Error('InvalidLocationConstraint');
}

/** Whether creating a bucket one already owns succeeds (changing nothing) in this region. */
export function recreatingOwnBucketSucceeds(serverRegion: string): boolean {
  return serverRegion === US_EAST_1;
}
