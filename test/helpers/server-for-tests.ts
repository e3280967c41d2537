/**
 * The usual e2e set-up in one call: a cairn server and an SDK v3 client for the tests of one
 * describe block, started in its beforeAll (with the named buckets created) and stopped in its
 * afterAll. `keep` hands them to the block, which holds them in its own variables:
 *
 *   let server: CairnServer;
 *   let s3: S3Client;
 *   serverForTests((started) => ({ server, s3 } = started), { buckets: [BUCKET] });
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { sdkClient } from './s3-clients';
import { CairnServer } from './server';

export interface StartedServer {
  readonly server: CairnServer;
  readonly s3: S3Client;
}

export function serverForTests(keep: (started: StartedServer) => unknown, options: { buckets?: readonly string[] } = {}): void {
  let started: StartedServer | undefined;
  beforeAll(async () => {
    const server = await CairnServer.start();
    started = { server, s3: sdkClient(server) };
    for (const Bucket of options.buckets ?? []) await started.s3.send(new CreateBucketCommand({ Bucket }));
    await keep(started);
  });
  afterAll(async () => {
    started?.s3.destroy();
    await started?.server.dispose();
  });
}
