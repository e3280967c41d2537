import type { BucketRecord } from '../../../domain/bucket';
import { escapeXml, s3Document, tag, xmlTimestamp } from '../../../infra/http/xml-writer';
import type { Owner } from '../s3-owner';

export function renderOwner(owner: Owner): string {
  return `<Owner>${tag('ID', owner.id)}${tag('DisplayName', owner.displayName)}</Owner>`;
}

/**
 * ListAllMyBucketsResult: `continuationToken` when more buckets follow, `prefix` echoed when
 * the request had one (as AWS does).
 */
export function renderListBuckets(
  buckets: readonly BucketRecord[],
  owner: Owner,
  page: { readonly prefix?: string; readonly continuationToken?: string } = {},
): string {
  let items = '';
  for (const bucket of buckets) {
    items += `<Bucket>${tag('Name', bucket.name)}${tag('CreationDate', xmlTimestamp(bucket.createdAt))}${tag('BucketRegion', bucket.region)}</Bucket>`;
  }
  const tail = tag('ContinuationToken', page.continuationToken) + tag('Prefix', page.prefix);
  return s3Document('ListAllMyBucketsResult', `${renderOwner(owner)}<Buckets>${items}</Buckets>${tail}`);
}

/** us-east-1 is reported as an empty constraint, as AWS does. */
export function renderLocation(region: string): string {
  return s3Document('LocationConstraint', region === 'us-east-1' ? '' : escapeXml(region));
}
