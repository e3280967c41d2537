/** Put/DeleteBucketCors: the configuration is validated as AWS does and recorded as one event. */
import type { BucketRecord } from '../bucket';
import type { BucketCorsDeleted, BucketCorsPut } from '../events';
import { assertValidCorsRules, type CorsRule } from '../rules/cors';
import { newEvent, type DecisionContext } from './decision-context';
import { assertBucketExists } from './object-decider';

export function decidePutBucketCors(bucket: BucketRecord | undefined, command: { bucket: string; rules: readonly CorsRule[] }, context: DecisionContext): BucketCorsPut {
  assertBucketExists(bucket, command.bucket);
  assertValidCorsRules(command.rules);
  return newEvent('BucketCorsPut', context, { bucket: command.bucket, rules: command.rules });
}

/** Nothing to record (undefined) when the bucket has no CORS configuration; S3 answers 204 anyway. */
export function decideDeleteBucketCors(bucket: BucketRecord | undefined, command: { bucket: string }, context: DecisionContext): BucketCorsDeleted | undefined {
  assertBucketExists(bucket, command.bucket);
  if (!bucket.cors) return undefined;
  return newEvent('BucketCorsDeleted', context, { bucket: command.bucket });
}
