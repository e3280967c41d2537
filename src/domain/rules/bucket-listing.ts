/**
 * ListBuckets paging: buckets in name order, filtered by prefix and region, `maxBuckets` at a
 * time after the name the previous page ended at. AWS answers every bucket in one page unless
 * max-buckets is given (up to 10,000).
 */
import type { BucketRecord } from '../bucket';
import { s3Error } from '../errors';

export const MAX_BUCKETS_PER_PAGE = 10_000;

export interface BucketListingRequest {
  readonly prefix?: string;
  /** Only buckets whose name sorts after this one (from a continuation token). */
  readonly after?: string;
  /** Only buckets of this region. */
  readonly region?: string;
  readonly maxBuckets?: number;
}

export interface BucketPage {
  readonly buckets: readonly BucketRecord[];
  /** The last name of a page that has more after it (for the next continuation token). */
  readonly nextAfter?: string;
}

export function assertValidMaxBuckets(maxBuckets: number): void {
  if (maxBuckets < 1 || maxBuckets > MAX_BUCKETS_PER_PAGE) {
    throw s3Error('InvalidArgument', `Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS_PER_PAGE}`, {
      ArgumentName: 'max-buckets',
      ArgumentValue: String(maxBuckets),
    });
  }
}

/** `buckets` in name order (as the bucket projection keeps them). */
export function pageOfBuckets(buckets: readonly BucketRecord[], request: BucketListingRequest): BucketPage {
  const { prefix = '', after, region, maxBuckets } = request;
  const matching = buckets.filter(
    (bucket) => bucket.name.startsWith(prefix) && (after === undefined || bucket.name > after) && (region === undefined || bucket.region === region),
  );
  if (maxBuckets === undefined || matching.length <= maxBuckets) return { buckets: matching };
  const page = matching.slice(0, maxBuckets);
  return { buckets: page, nextAfter: page[page.length - 1].name };
}
