/**
 * Start-up reconciliation: after a crash the drives' logs may end at different events.
 * Events that cannot have been acknowledged are rolled back with each drive's before-image;
 * the others are copied to the drives that missed them, inline shards rebuilt from peers.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decidePutObject } from '../../src/domain/deciders/object-decider';
import type { ObjectPut } from '../../src/domain/events';
import type { LocalDrive } from '../../src/infra/drives/local-drive';
import { DATABASE_FILE } from '../../src/infra/eventlog/drive-database';
import { EventIdClock } from '../../src/infra/eventlog/event-id';
import { ORDER_BYTES, versionsRange } from '../../src/infra/eventlog/object-keys';
import { encodeInline } from '../../src/infra/storage/object-writer';
import { openErasureSet, type OpenedSet } from '../../src/infra/storage/open-erasure-set';
import { createBucket, putObject, readObject } from '../helpers/engine';
import { garbleValueAfter } from '../helpers/lmdb-pages';
import { dumpProjections } from '../helpers/projection-dump';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

const roots: Array<{ remove(): void }> = [];
afterEach(() => roots.splice(0).forEach((r) => r.remove()));

async function close(opened: OpenedSet) {
  await opened.set.close();
  await opened.unlock();
}

/** An ObjectPut for `body` that the set did not append: the caller puts it on chosen drives only. */
async function strandedPut(opened: OpenedSet, key: string, body: Buffer): Promise<{ event: ObjectPut; json: string; shards: Buffer[] }> {
  const set = opened.set;
  const layout = set.shardLayoutFor('bkt', key);
  const shards = await encodeInline(set, layout, body);
  const bucket = await set.metadata().getBucket('bkt');
  const clock = new EventIdClock();
  for (const drive of set.drives) if (drive.lastEventId()) clock.observe(drive.lastEventId()!);
  const stamp = clock.next();
  const event = decidePutObject(
    bucket,
    { bucket: 'bkt', key, version: { size: body.length, etag: 'e', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'inline', layout } } },
    { ...stamp, actor: 'test', requestId: 'T' },
  );
  return { event, json: JSON.stringify(event), shards };
}

async function setUp(): Promise<{ paths: string[]; opened: OpenedSet; v1: Buffer }> {
  const root = tempDir();
  roots.push(root);
  const paths = drivePaths(root.path, 4);
  const opened = await openErasureSet(paths);
  await createBucket(opened.set, 'bkt');
  const v1 = randomBytes(5000);
  await putObject(opened.set, 'bkt', 'k', v1);
  return { paths, opened, v1 };
}

describe('log reconciliation at start-up', () => {
  it('rolls back an overwrite that reached one drive only, restoring the replaced version everywhere', async () => {
    const { paths, opened, v1 } = await setUp();
    const before = paths.map(dumpProjections);
    const { event, json, shards } = await strandedPut(opened, 'k', randomBytes(7000));
    const lone = opened.set.drives[0];
    await lone.appendEvent(await lone.entryFor(JSON.parse(json), json), shards[lone.slot]);
    expect(dumpProjections(paths[0])).not.toEqual(before[0]);
    await close(opened);

    const reopened = await openErasureSet(paths);
    expect(reopened.reconciliation).toMatchObject({ rolledBack: 1, rolledForward: 0 });
    expect(await reopened.set.drives[0].hasEvent(event.id)).toBe(false);
    expect(new Set(reopened.set.drives.map((d) => d.lastEventId())).size).toBe(1);
    const [version] = await reopened.set.metadata().versionsOf('bkt', 'k');
    expect((await readObject(reopened.set, version)).equals(v1)).toBe(true);
    await close(reopened);
    expect(paths.map(dumpProjections)).toEqual(before);
  });

  it('copies an event that reached a write quorum to the drive that missed it, rebuilding its inline shard', async () => {
    const { paths, opened } = await setUp();
    const v2 = randomBytes(9000);
    const { event, json, shards } = await strandedPut(opened, 'k', v2);
    for (const drive of opened.set.drives.slice(0, 3)) await drive.appendEvent(await drive.entryFor(JSON.parse(json), json), shards[drive.slot]);
    await close(opened);

    const reopened = await openErasureSet(paths);
    expect(reopened.reconciliation).toMatchObject({ rolledBack: 0, rolledForward: 1, missingShards: 0 });
    const lagging = reopened.set.drives[3] as LocalDrive;
    expect((await lagging.readEvent(event.id))!.inline.equals(shards[3])).toBe(true);
    // Read with two other drives' shards unavailable: the rebuilt one must carry its weight.
    (reopened.set.drives[0] as LocalDrive).markOffline('test');
    (reopened.set.drives[1] as LocalDrive).markOffline('test');
    const [version] = await lagging.versionsOf('bkt', 'k');
    expect((await readObject(reopened.set, version)).equals(v2)).toBe(true);
    await close(reopened);
    const dumps = paths.map(dumpProjections);
    for (const dump of dumps) expect(dump).toEqual(dumps[0]);
  });

  it('keeps an event held by few drives when the drives that could confirm it are offline', async () => {
    const { paths, opened } = await setUp();
    const { event, json, shards } = await strandedPut(opened, 'k', randomBytes(4000));
    for (const drive of opened.set.drives.slice(0, 2)) await drive.appendEvent(await drive.entryFor(JSON.parse(json), json), shards[drive.slot]);
    await close(opened);
    // Drives 3 and 4 are gone: 2 online, 2 offline, write quorum 3. An event on one online drive
    // could have been acknowledged by drives now out of sight, so nothing may be rolled back.
    const { rm } = await import('node:fs/promises');
    await rm(paths[1], { recursive: true });
    await rm(paths[3], { recursive: true });
    const reopened = await openErasureSet(paths);
    expect(reopened.reconciliation).toMatchObject({ rolledBack: 0, rolledForward: 1 });
    expect(await reopened.set.drives[2].hasEvent(event.id)).toBe(true);
    await close(reopened);
  });

  it('takes a drive offline when the state an event it missed applies to is damaged on it', async () => {
    const { paths, opened } = await setUp();
    const v2 = randomBytes(6000);
    const { event, json, shards } = await strandedPut(opened, 'k', v2);
    for (const drive of opened.set.drives.slice(0, 3)) await drive.appendEvent(await drive.entryFor(JSON.parse(json), json), shards[drive.slot]);
    await close(opened);
    // The lagging drive's version of k, which the overwrite it missed replaces, no longer parses.
    expect(await garbleValueAfter(path.join(paths[3], DATABASE_FILE), versionsRange('bkt', 'k').start, 6, ORDER_BYTES)).toBeGreaterThan(0);

    const reopened = await openErasureSet(paths);
    const damaged = reopened.set.drives[3];
    expect(damaged.state).toBe('offline');
    expect(damaged.offlineReason).toBe(
      `its database cairn.lmdb is damaged: reading the state event ${event.id} applies to failed: a stored value is not valid JSON; move the file aside to have the drive refilled from the others`,
    );
    expect(await damaged.hasEvent(event.id)).toBe(false);
    const [version] = await reopened.set.metadata().versionsOf('bkt', 'k');
    expect(version.eventId).toBe(event.id);
    expect((await readObject(reopened.set, version)).equals(v2)).toBe(true);
    await close(reopened);
  });
});
