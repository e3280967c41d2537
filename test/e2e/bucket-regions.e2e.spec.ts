/**
 * CreateBucket and the server's region, as AWS answers: with no region set (the default,
 * us-east-1 unenforced), any LocationConstraint is taken and re-creating one's own bucket
 * succeeds; with CAIRN_REGION set, the constraint is checked as a regional endpoint checks it,
 * and re-creating one's bucket is BucketAlreadyOwnedByYou outside us-east-1.
 */
import { CreateBucketCommand, GetBucketLocationCommand, HeadBucketCommand, ListBucketsCommand, type BucketLocationConstraint, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ErrorOf } from '../helpers/s3-assertions';
import { sdkClient } from '../helpers/s3-clients';
import { CairnServer } from '../helpers/server';
import { signedRequest } from '../helpers/signed-request';

describe('bucket regions', () => {
  const servers: CairnServer[] = [];
  const clients: S3Client[] = [];
  const serverOf = new Map<S3Client, CairnServer>();
  async function serverIn(region: string | undefined): Promise<S3Client> {
    const server = await CairnServer.start(region ? { env: { CAIRN_REGION: region } } : {});
    servers.push(server);
    const client = sdkClient(server, { region: region ?? 'us-east-1' });
    clients.push(client);
    serverOf.set(client, server);
    return client;
  }
  let unset: S3Client;
  let euWest1: S3Client;
  let usEast1: S3Client;

  beforeAll(async () => {
    [unset, euWest1, usEast1] = await Promise.all([serverIn(undefined), serverIn('eu-west-1'), serverIn('us-east-1')]);
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await Promise.all(servers.map((server) => server.dispose()));
  });

  const create = (s3: S3Client, Bucket: string, LocationConstraint?: string) =>
    s3.send(new CreateBucketCommand({ Bucket, ...(LocationConstraint ? { CreateBucketConfiguration: { LocationConstraint: LocationConstraint as BucketLocationConstraint } } : {}) }));
  const codeOf = async (promise: Promise<unknown>) => (await s3ErrorOf(promise)).name;
  const bucketNames = async (s3: S3Client) => ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);

  it('with no region set: takes any location constraint, and creating an owned bucket again succeeds', async () => {
    await create(unset, 'anywhere', 'eu-central-1');
    await create(unset, 'anywhere');
    await create(unset, 'named-us-east-1', 'us-east-1');
    expect(await bucketNames(unset)).toEqual(['anywhere', 'named-us-east-1']);
  });

  it('a malformed CreateBucketConfiguration is MalformedXML and creates nothing', async () => {
    const body = Buffer.from('<CreateBucketConfiguration><LocationConstraint><x>eu-west-1</x></LocationConstraint></CreateBucketConfiguration>');
    const response = await signedRequest(serverOf.get(unset)!, 'PUT', '/malformed-config', { body });
    expect([response.status, response.body.toString()]).toEqual([400, expect.stringContaining('<Code>MalformedXML</Code>')]);
    expect(await bucketNames(unset)).not.toContain('malformed-config');
  });

  it('with a region set: its own name is taken, another region and a non-region are refused, and nothing is created', async () => {
    await create(euWest1, 'in-ireland', 'eu-west-1');
    expect((await euWest1.send(new GetBucketLocationCommand({ Bucket: 'in-ireland' }))).LocationConstraint).toBe('eu-west-1');
    await create(euWest1, 'unnamed');
    expect((await euWest1.send(new HeadBucketCommand({ Bucket: 'unnamed' }))).BucketRegion).toBe('eu-west-1');
    expect(await codeOf(create(euWest1, 'in-ohio', 'us-east-2'))).toBe('IllegalLocationConstraintException');
    expect(await codeOf(create(euWest1, 'in-eu', 'EU'))).toBe('IllegalLocationConstraintException');
    expect(await codeOf(create(euWest1, 'in-virginia', 'us-east-1'))).toBe('InvalidLocationConstraint');
    expect(await codeOf(create(euWest1, 'nowhere', 'not-a-region'))).toBe('InvalidLocationConstraint');
    // us-east-1 wants no constraint at all, its own name included.
    expect(await codeOf(create(usEast1, 'virginia-named', 'us-east-1'))).toBe('InvalidLocationConstraint');
    expect(await codeOf(create(usEast1, 'virginia-to-ireland', 'eu-west-1'))).toBe('IllegalLocationConstraintException');
    expect(await bucketNames(euWest1)).toEqual(['in-ireland', 'unnamed']);
    expect(await bucketNames(usEast1)).toEqual([]);
  });

  it('outside us-east-1, creating an owned bucket again is BucketAlreadyOwnedByYou; in us-east-1 it succeeds', async () => {
    await create(euWest1, 'twice-eu');
    expect(await codeOf(create(euWest1, 'twice-eu'))).toBe('BucketAlreadyOwnedByYou');
    await create(usEast1, 'twice-us');
    await create(usEast1, 'twice-us');
    expect(await bucketNames(usEast1)).toEqual(['twice-us']);
    // Asking again with Object Lock, which the bucket lacks, is no repeat: refused.
    const withLock = await s3ErrorOf(usEast1.send(new CreateBucketCommand({ Bucket: 'twice-us', ObjectLockEnabledForBucket: true })));
    expect(withLock.name).toBe('BucketAlreadyOwnedByYou');
  });
});
