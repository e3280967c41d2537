/**
 * kill -9 while parts of a multipart upload stream in, then restart on the same drives.
 *
 * An acknowledged part is durable like an acknowledged object: after every restart each
 * acknowledged part number is listed by ListParts with the ETag of its latest acknowledged
 * upload (or of a later one that was in flight at the kill), no staged file survives, and
 * every listed part's shard file is on every drive. At the end the upload completes from the
 * listed parts and the object reads back as exactly those parts' bytes.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomInt } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { contentFor, locateShard, md5Hex, receiveBody, say, seededRandom, sleep, stagingEntries, withDriveDatabase } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';

const BUCKET = 'mp-crash';
const KEY = 'video.bin';
const ITERATIONS = 5;
const WRITERS = 2;
const PART_NUMBERS = 12;
const MiB = 1024 * 1024;
const SEED = Number(process.env.CAIRN_CRASH_SEED ?? randomInt(1_000_000_000));

interface Attempt {
  readonly partNumber: number;
  readonly seed: string;
  readonly size: number;
  outcome: 'in flight' | 'acknowledged' | 'failed';
  readonly startedAt: number;
  acknowledgedAt?: number;
}

describe('kill -9 during multipart part uploads', () => {
  let server: CairnServer | undefined;
  afterAll(async () => server?.dispose());

  it(`keeps every acknowledged part through ${ITERATIONS} crashes and completes from them (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const rng = seededRandom(SEED);
    server = await CairnServer.start();
    const setup = sdkClient(server);
    await setup.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { UploadId } = await setup.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: KEY }));
    setup.destroy();
    const attempts = new Map<number, Attempt[]>();
    let next = 0;

    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const s3 = sdkClient(server, { maxAttempts: 1 });
      const run = { stopping: false };
      const writer = async (): Promise<void> => {
        while (!run.stopping) {
          const partNumber = rng.int(1, PART_NUMBERS);
          // Every part but the last may be completed: at least 5 MiB.
          const attempt: Attempt = { partNumber, seed: `part-${next++}`, size: 5 * MiB + rng.int(0, 65_536), outcome: 'in flight', startedAt: performance.now() };
          attempts.set(partNumber, [...(attempts.get(partNumber) ?? []), attempt]);
          try {
            await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: KEY, UploadId, PartNumber: partNumber, Body: contentFor(attempt.seed, attempt.size) }));
            attempt.outcome = 'acknowledged';
            attempt.acknowledgedAt = performance.now();
          } catch {
            attempt.outcome = 'failed';
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, writer);
      await sleep(rng.int(300, 1500));
      run.stopping = true;
      await server.kill9();
      await Promise.all(writers);
      s3.destroy();
      await server.launch();

      const listed = await listedParts(server, UploadId!);
      let acknowledgedNumbers = 0;
      for (const [partNumber, tries] of attempts) {
        const lastAcknowledged = tries.map((t) => t.outcome).lastIndexOf('acknowledged');
        if (lastAcknowledged < 0) continue;
        acknowledgedNumbers++;
        // Two writers may upload the same number at once, so commit order is not start order. Allowed:
        // any upload of the number not superseded, i.e. no acknowledged upload started after it was acknowledged.
        const superseded = (t: Attempt) => t.acknowledgedAt !== undefined && tries.some((y) => y.outcome === 'acknowledged' && y.startedAt > t.acknowledgedAt!);
        const allowed = tries.filter((t) => !superseded(t)).map((t) => md5Hex(contentFor(t.seed, t.size)));
        const etag = listed.get(partNumber)?.replace(/"/g, '');
        expect(allowed, `part ${partNumber} after crash ${iteration}`).toContain(etag);
      }
      for (const drive of server.drives) expect(await stagingEntries(drive), `staging of ${drive} after crash ${iteration}`).toEqual([]);
      const referenced = await partDataDirs(server.drives[0], UploadId!);
      for (const drive of server.drives) for (const dataDir of referenced) expect(await locateShard(drive, dataDir), `part ${dataDir} on ${drive}`).toBeDefined();
      say(`multipart crash ${iteration}/${ITERATIONS}: ${[...attempts.values()].flat().length} part uploads so far, ${acknowledgedNumbers} part numbers acknowledged, ${listed.size} listed`);
    }

    // Complete from what is listed: the object is exactly those parts' bytes.
    const listed = await listedParts(server, UploadId!);
    expect(listed.size).toBeGreaterThan(0);
    const numbers = [...listed.keys()].sort((a, b) => a - b);
    const contentOf = (partNumber: number) => {
      const etag = listed.get(partNumber)!.replace(/"/g, '');
      const attempt = attempts.get(partNumber)!.find((t) => md5Hex(contentFor(t.seed, t.size)) === etag)!;
      return contentFor(attempt.seed, attempt.size);
    };
    const s3 = sdkClient(server);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: KEY,
        UploadId,
        MultipartUpload: { Parts: numbers.map((PartNumber) => ({ PartNumber, ETag: listed.get(PartNumber) })) },
      }),
    );
    const { bytes } = await receiveBody((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))).Body);
    s3.destroy();
    expect(bytes.equals(Buffer.concat(numbers.map(contentOf)))).toBe(true);
  });
});

async function listedParts(server: CairnServer, uploadId: string): Promise<Map<number, string>> {
  const s3: S3Client = sdkClient(server);
  const { Parts } = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: KEY, UploadId: uploadId }));
  s3.destroy();
  return new Map((Parts ?? []).map((p) => [p.PartNumber!, p.ETag!]));
}

/** The shard data directories the upload's parts reference, read from the drive's projection. */
async function partDataDirs(drive: string, uploadId: string): Promise<string[]> {
  return withDriveDatabase(drive, { readOnly: true }, (db) => {
    const dirs: string[] = [];
    for (const { value } of db.parts.getRange()) if (value.uploadId === uploadId && value.data.kind === 'files') dirs.push(value.data.dataDir);
    return dirs;
  });
}
