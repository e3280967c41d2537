/**
 * The source of a CopyObject as an ObjectPayload, so a copy goes through the same write
 * path as a PUT: the source version's bytes are read back (verified block by block by the
 * ObjectReader) and re-encoded for the destination. The MD5 and a checksum (the algorithm
 * the request names, else the source's, else the default) are recomputed over the bytes actually copied: the
 * copy is one object, so its checksum is a full-object one even when the source's was a
 * multipart upload's COMPOSITE checksum (`…-N`, a checksum of the parts' checksums).
 */
import { createHash } from 'node:crypto';
import { s3Error } from '../../domain/errors';
import { DEFAULT_CHECKSUM_ALGORITHM, isComposite, type ChecksumValue, type ObjectVersion } from '../../domain/object-version';
import { createChecksum } from '../../infra/http/checksums';
import type { ByteSink } from '../../infra/storage/object-reader';
import type { ObjectPayload } from './object-payload';

export function copyPayload(
  source: ObjectVersion,
  produce: (sink: ByteSink) => Promise<void>,
  /** x-amz-checksum-algorithm of the CopyObject request. */
  requestedAlgorithm?: ChecksumValue['algorithm'],
): ObjectPayload {
  const algorithm = requestedAlgorithm ?? source.checksum?.algorithm ?? DEFAULT_CHECKSUM_ALGORITHM;
  const payload = rangeCopyPayload(source.size, produce, algorithm);
  const comparable = source.checksum && source.checksum.algorithm === algorithm && !isComposite(source.checksum) ? source.checksum : undefined;
  return {
    ...payload,
    async finish() {
      const result = await payload.finish();
      // Both sides were computed over verified bytes: a difference is a bug, never a client error.
      if (comparable && result.checksum?.value !== comparable.value) throw s3Error('InternalError', 'The copied bytes do not match the source checksum.');
      return result;
    },
  };
}

/**
 * A byte range of a source version as the payload of an UploadPartCopy: its MD5 (the part's
 * ETag) and, when the upload asks for one, its checksum are computed over the copied bytes.
 */
export function rangeCopyPayload(
  size: number,
  produce: (sink: ByteSink) => Promise<void>,
  checksumAlgorithm: ChecksumValue['algorithm'] | undefined,
): ObjectPayload {
  const md5 = createHash('md5');
  const checksum = checksumAlgorithm ? createChecksum(checksumAlgorithm) : undefined;
  let received = 0;
  return {
    size,
    checksumAlgorithm,
    async *chunks() {
      for await (const chunk of pull(produce)) {
        received += chunk.length;
        md5.update(chunk);
        checksum?.update(chunk);
        yield chunk;
      }
      if (received !== size) throw s3Error('InternalError', 'The copy source changed size while it was read.');
    },
    async finish() {
      const md5Hex = md5.digest('hex');
      return checksum ? { md5Hex, checksum: { algorithm: checksum.algorithm, value: checksum.digestBase64() } } : { md5Hex };
    },
  };
}

/**
 * Turns a push-style producer (it calls the sink and awaits it) into an async iterable
 * with back-pressure: the producer waits until the consumer has taken every chunk. When the
 * consumer stops early, the producer's next sink call throws so that it ends too.
 */
export async function* pull(produce: (sink: ByteSink) => Promise<void>): AsyncGenerator<Buffer> {
  const pending: Buffer[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  let cancelled = false;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const wait = () => new Promise<void>((resolve) => (wake = resolve));

  const production = produce(async (chunks) => {
    if (cancelled) throw new Error('the consumer stopped reading');
    pending.push(...chunks);
    notify();
    while (pending.length > 0 && !cancelled) await wait();
  }).then(
    () => {
      finished = true;
      notify();
    },
    (error: unknown) => {
      failure = error;
      finished = true;
      notify();
    },
  );
  try {
    for (;;) {
      while (pending.length > 0) yield pending.shift()!;
      if (finished) {
        if (failure !== undefined) throw failure;
        return;
      }
      notify(); // the producer may go on
      await wait();
    }
  } finally {
    cancelled = true;
    pending.length = 0;
    notify();
    await production;
  }
}
