import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { S3Error } from '../../../src/domain/errors';
import { DigestWorkers } from '../../../src/infra/hashing/digest-workers';
import { CHECKSUM_ALGORITHMS, checksumBase64 } from '../../../src/infra/http/checksums';
import { BodyDigests, type DeclaredDigests } from '../../../src/modules/s3-api/body-digests';

/** Feeds `body` in uneven chunks (so staging buffers fill across chunk boundaries), then finishes. */
async function digestOf(body: Buffer, declared: DeclaredDigests, options: { signedSha256?: string; offload: boolean }) {
  const digests = new BodyDigests(declared, options);
  for (let offset = 0, step = 1; offset < body.length; offset += step, step = (step * 7 + 13) % 100_003) digests.update(body.subarray(offset, offset + step));
  return digests.finish();
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return error instanceof S3Error ? error.code : `not an S3Error: ${String(error)}`;
}

const md5 = (body: Buffer) => createHash('md5').update(body);

describe('BodyDigests on a worker thread and on the calling thread', () => {
  afterAll(() => DigestWorkers.closeShared());

  // More than two staging buffers, ending in a partial one.
  const body = randomBytes(2_500_000);

  it('computes the same MD5 and every checksum either way, and they are the real digests', async () => {
    // The offloaded path must really use a worker (a silent fallback to the loop would pass the rest).
    const jobs = vi.spyOn(DigestWorkers.prototype, 'open');
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const declared: DeclaredDigests = { contentMd5: md5(body).digest(), checksum: { algorithm, value: checksumBase64(algorithm, body) } };
      const signedSha256 = createHash('sha256').update(body).digest('hex');
      const onWorker = await digestOf(body, declared, { signedSha256, offload: true });
      const onLoop = await digestOf(body, declared, { signedSha256, offload: false });
      expect(onWorker).toEqual({ md5Hex: md5(body).digest('hex'), checksum: { algorithm, value: checksumBase64(algorithm, body) } });
      expect(onLoop).toEqual(onWorker);
    }
    expect(jobs).toHaveBeenCalledTimes(CHECKSUM_ALGORITHMS.length);
    jobs.mockRestore();
  });

  it('computes a checksum the client asked for without sending a value', async () => {
    const result = await digestOf(body, { checksum: { algorithm: 'SHA1' } }, { offload: true });
    expect(result.checksum).toEqual({ algorithm: 'SHA1', value: createHash('sha1').update(body).digest('base64') });
  });

  it('a job whose worker died fails alone: the worker that replaces it goes on with new jobs', async () => {
    expect(DigestWorkers.computesCrc64Nvme).toBe(true); // the worker evaluated CRC64NVME's source
    const pool = DigestWorkers.shared();
    const orphan = pool.open(['md5']);
    orphan.update(randomBytes(10));
    // The worker thread the orphan's job went to dies (as a crash would kill it) and is replaced.
    const holder = (orphan as unknown as { worker: { worker: { terminate(): Promise<number> }; pending: Map<number, unknown> } }).worker;
    const dead = holder.worker;
    await dead.terminate();
    await vi.waitFor(() => expect(holder.worker).not.toBe(dead));
    await expect(orphan.end()).rejects.toThrow('the digest worker that held this job was replaced');
    const small = randomBytes(1000);
    for (let i = 0; i < 4; i++) {
      const job = pool.open(['md5', 'crc64nvme']);
      job.update(small);
      const [md5Digest, crc] = await job.end();
      expect([md5Digest!.toString('hex'), crc!.toString('base64')]).toEqual([md5(small).digest('hex'), checksumBase64('CRC64NVME', small)]);
    }
  });

  it('computes the default checksum only when none was declared', async () => {
    const jobs = vi.spyOn(DigestWorkers.prototype, 'open');
    for (const offload of [true, false]) {
      const defaulted = await digestOf(body, { defaultChecksum: 'CRC64NVME' }, { offload });
      expect(defaulted).toEqual({ md5Hex: md5(body).digest('hex'), checksum: { algorithm: 'CRC64NVME', value: checksumBase64('CRC64NVME', body) } });
      const declared = await digestOf(body, { checksum: { algorithm: 'CRC32' }, defaultChecksum: 'CRC64NVME' }, { offload });
      expect(declared).toEqual({ md5Hex: md5(body).digest('hex'), checksum: { algorithm: 'CRC32', value: checksumBase64('CRC32', body) } });
    }
    // A large body's CRC64NVME is the worker's job, not the event loop's.
    expect(jobs.mock.calls.map(([algorithms]) => algorithms)).toEqual([
      ['md5', 'crc64nvme'],
      ['md5', 'crc32'],
    ]);
    jobs.mockRestore();
  });

  it('refuses each mismatch with the AWS error, whichever thread hashed', async () => {
    const other = randomBytes(16);
    for (const offload of [true, false]) {
      expect(await codeOf(digestOf(body, { contentMd5: md5(other).digest() }, { offload }))).toBe('BadDigest');
      expect(await codeOf(digestOf(body, { checksum: { algorithm: 'SHA256', value: checksumBase64('SHA256', other) } }, { offload }))).toBe('BadDigest');
      expect(await codeOf(digestOf(body, { checksum: { algorithm: 'CRC32', value: checksumBase64('CRC32', other) } }, { offload }))).toBe('BadDigest');
      const wrongSha = createHash('sha256').update(other).digest('hex');
      expect(await codeOf(digestOf(body, {}, { signedSha256: wrongSha, offload }))).toBe('XAmzContentSHA256Mismatch');
      const mismatch = await digestOf(body, {}, { signedSha256: wrongSha, offload }).catch((error: unknown) => error as S3Error);
      expect((mismatch as S3Error).details).toEqual({ ClientComputedContentSHA256: wrongSha, S3ComputedContentSHA256: createHash('sha256').update(body).digest('hex') });
    }
  });

  it('hashes bodies that end on, just after or just before a staging buffer boundary', async () => {
    // Staging buffers are 1 MiB: these bodies end exactly on a full one, one byte past it, and
    // one byte short of it, where an off-by-one in sending them would lose or repeat bytes.
    for (const size of [1024 * 1024, 2 * 1024 * 1024, 1024 * 1024 + 1, 2 * 1024 * 1024 - 1]) {
      const each = randomBytes(size);
      const declared: DeclaredDigests = { checksum: { algorithm: 'CRC32', value: checksumBase64('CRC32', each) } };
      expect(await digestOf(each, declared, { offload: true })).toEqual({ md5Hex: md5(each).digest('hex'), checksum: declared.checksum });
    }
  });

  it('keeps concurrent bodies apart and survives abandoned ones', async () => {
    const abandoned = new BodyDigests({}, { offload: true });
    abandoned.update(randomBytes(600_000));
    abandoned.cancel();
    // Abandoned exactly at a full staging buffer, and just past one.
    for (const size of [1024 * 1024, 1024 * 1024 + 5]) {
      const cut = new BodyDigests({}, { offload: true });
      cut.update(randomBytes(size));
      cut.cancel();
    }
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(300_000 + i * 77_777));
    const results = await Promise.all(bodies.map((each) => digestOf(each, {}, { offload: true })));
    expect(results.map((result) => result.md5Hex)).toEqual(bodies.map((each) => md5(each).digest('hex')));
  });
});
