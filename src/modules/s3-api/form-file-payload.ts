/**
 * A browser-form upload's file part as an object payload. Its length is unknown until it
 * has all arrived, so the first INLINE_LIMIT + 1 bytes are read ahead: a small file gets its
 * exact size (and is stored inline like a small PUT); a larger one streams as an
 * UnsizedPayload. The policy's content-length-range is enforced as the bytes arrive; the
 * form's Content-MD5 and x-amz-checksum-* fields are checked once they all have.
 */
import type { Readable } from 'node:stream';
import { isS3Error, s3Error } from '../../domain/errors';
import type { LengthRange } from '../../domain/rules/post-policy';
import { INLINE_LIMIT } from '../../infra/storage/object-writer';
import type { ObjectPayload, UnsizedPayload } from '../objects/object-payload';
import { BodyDigests, type DeclaredDigests } from './body-digests';

function tooLarge(size: number, range: LengthRange) {
  return s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: size, MaxSizeAllowed: range.max });
}

function tooSmall(size: number, range: LengthRange) {
  return s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: size, MinSizeAllowed: range.min });
}

/** Reads ahead and returns the payload; throws EntityTooLarge/EntityTooSmall when the file breaks the range. */
export async function formFilePayload(file: Readable, range: LengthRange, declared: DeclaredDigests): Promise<ObjectPayload | UnsizedPayload> {
  const source = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      return await source.next();
    } catch (error) {
      throw isS3Error(error) ? error : s3Error('MalformedPOSTRequest');
    }
  };

  const head: Buffer[] = [];
  let received = 0;
  let ended = false;
  while (received <= INLINE_LIMIT) {
    const step = await next();
    if (step.done) {
      ended = true;
      break;
    }
    head.push(step.value);
    received += step.value.length;
    if (received > range.max) throw tooLarge(received, range);
  }
  if (ended && received < range.min) throw tooSmall(received, range);

  const digests = new BodyDigests(declared);
  let consumed = false;
  return {
    size: ended ? received : undefined,
    async *chunks() {
      if (consumed) throw new Error('a request body can be read once');
      consumed = true;
      for (const chunk of head) {
        digests.update(chunk);
        yield chunk;
      }
      if (ended) return;
      for (let step = await next(); !step.done; step = await next()) {
        received += step.value.length;
        if (received > range.max) throw tooLarge(received, range);
        digests.update(step.value);
        yield step.value;
      }
      if (received < range.min) throw tooSmall(received, range);
    },
    finish() {
      return digests.finish();
    },
  };
}
