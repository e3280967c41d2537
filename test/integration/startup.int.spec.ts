/**
 * Opening drives at start-up: a new deployment is formatted; an existing one is found again
 * whatever the order of the drives; anything that must stop cairn stops it with one line.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFormat } from '../../src/infra/drives/drive-format';
import type { LocalDrive } from '../../src/infra/drives/local-drive';
import { openErasureSet, StartupRefusal } from '../../src/infra/storage/open-erasure-set';
import { recoverStagedShards } from '../../src/infra/storage/staging-recovery';
import { createBucket, putObject, readObject } from '../helpers/engine';
import { drivePaths, tempDir } from '../helpers/temp-dirs';
import { makeUnwritable } from '../helpers/unwritable';

const roots: Array<{ remove(): void }> = [];
function newRoot() {
  const root = tempDir();
  roots.push(root);
  return root.path;
}
afterEach(() => roots.splice(0).forEach((r) => r.remove()));

async function refusal(paths: string[]): Promise<string> {
  try {
    const opened = await openErasureSet(paths);
    await opened.set.close();
    await opened.unlock();
  } catch (error) {
    expect(error).toBeInstanceOf(StartupRefusal);
    return (error as Error).message;
  }
  throw new Error('start-up was not refused');
}

describe('start-up', () => {
  it('formats a new deployment on missing directories, then finds it again in any order', async () => {
    const paths = drivePaths(newRoot(), 4);
    const first = await openErasureSet(paths);
    expect(first.created).toBe(true);
    await first.set.close();
    await first.unlock();
    const formats = await Promise.all(paths.map(readFormat));
    expect(new Set(formats.map((f) => f!.deploymentId)).size).toBe(1);

    const second = await openErasureSet([...paths].reverse());
    expect(second.created).toBe(false);
    expect(second.deploymentId).toBe(formats[0]!.deploymentId);
    expect(second.set.drives.map((d) => d.label)).toEqual(paths); // slots from format.json, not argument order
    await second.set.close();
    await second.unlock();
  });

  it('refuses a drive formatted for another deployment', async () => {
    const a = drivePaths(newRoot(), 4);
    const b = drivePaths(newRoot(), 4);
    for (const paths of [a, b]) {
      const opened = await openErasureSet(paths);
      await opened.set.close();
      await opened.unlock();
    }
    expect(await refusal([a[0], a[1], a[2], b[3]])).toMatch(/belongs to another deployment/);
  });

  it('refuses drive counts that fit no layout, and a changed drive count', async () => {
    expect(await refusal(drivePaths(newRoot(), 17))).toMatch(/fit no layout/);
    const paths = drivePaths(newRoot(), 4);
    const opened = await openErasureSet(paths);
    await opened.set.close();
    await opened.unlock();
    expect(await refusal([...paths, path.join(path.dirname(paths[0]), 'disk5')])).toMatch(/has 4 drives but 5 were given/);
  });

  it('refuses an unwritable drive', async () => {
    const paths = drivePaths(newRoot(), 4);
    await Promise.all(paths.map((p) => fs.mkdir(p)));
    const undo = makeUnwritable(paths[2]);
    try {
      expect(await refusal(paths)).toMatch(new RegExp(`drive ${paths[2]} is not writable`));
    } finally {
      undo();
    }
  });

  it('refuses a drive that is a file', async () => {
    const paths = drivePaths(newRoot(), 4);
    writeFileSync(paths[1], 'not a directory');
    expect(await refusal(paths)).toMatch(/not writable \(not a directory\)/);
  });

  it('starts degraded with drives missing up to the parity count, and says which', async () => {
    const paths = drivePaths(newRoot(), 4);
    const created = await openErasureSet(paths);
    await createBucket(created.set, 'bkt');
    const body = randomBytes(300_000);
    const version = await putObject(created.set, 'bkt', 'k', body);
    await created.set.close();
    await created.unlock();

    await fs.rm(paths[0], { recursive: true });
    await fs.rm(paths[3], { recursive: true });
    const degraded = await openErasureSet(paths);
    expect(degraded.set.offline().map((d) => [d.label, d.offlineReason])).toEqual([
      [paths[0], 'missing'],
      [paths[3], 'missing'],
    ]);
    expect((await readObject(degraded.set, version)).equals(body)).toBe(true);
    await degraded.set.close();
    await degraded.unlock();

    await fs.rm(paths[1], { recursive: true });
    expect(await refusal(paths)).toMatch(/3 of 4 drives are offline, at most 2 may be/);
  });

  it('refuses a second server on the same drives', async () => {
    const paths = drivePaths(newRoot(), 4);
    const first = await openErasureSet(paths);
    // The lock names a live process that is not us: a second server would see exactly this.
    for (const p of paths) await fs.writeFile(path.join(p, 'cairn.pid'), `${process.ppid}\n`);
    expect(await refusal(paths)).toMatch(/in use by another cairn process/);
    await first.set.close();
  });
});

describe('recovery of staged shard files', () => {
  it('finishes the rename of committed shards and deletes uncommitted ones', async () => {
    const paths = drivePaths(newRoot(), 4);
    const { set, unlock } = await openErasureSet(paths);
    await createBucket(set, 'bkt');
    const body = randomBytes(1_500_000);
    // Unsized: shard files (a sized body's shards go into segments).
    const version = await putObject(set, 'bkt', 'big', body, { unsized: true });
    if (version.data.kind !== 'files') throw new Error('expected shard files');
    const drive = set.drives[1] as LocalDrive;
    // A crash between commit and rename: the committed file is still staged.
    await fs.rename(drive.shards.committedPath(version.data.dataDir), drive.shards.stagedPath(version.data.dataDir));
    // A crash mid-upload: a staged file no event names, and a partial temp file.
    const orphan = `${Date.now().toString(16).padStart(12, '0')}${'ab'.repeat(10)}`;
    await fs.writeFile(drive.shards.stagedPath(orphan), 'partial');
    await fs.writeFile(path.join(paths[1], 'tmp', 'junk.partial'), 'x');

    expect(await recoverStagedShards(drive)).toEqual({ rolledForward: 1, removed: 1 });
    expect(await fs.readdir(path.join(paths[1], 'tmp'))).toEqual([]);
    await expect(fs.stat(drive.shards.committedPath(version.data.dataDir))).resolves.toBeTruthy();
    expect((await readObject(set, version)).equals(body)).toBe(true);
    await set.close();
    await unlock();
  });
});

describe('recovery of segment placements', () => {
  it('drops the rows of shards no event committed, frees their space, and keeps committed ones', async () => {
    const paths = drivePaths(newRoot(), 4);
    let { set, unlock } = await openErasureSet(paths);
    await createBucket(set, 'bkt');
    const body = randomBytes(700_000);
    const kept = await putObject(set, 'bkt', 'kept', body);
    if (kept.data.kind !== 'files') throw new Error('expected shards out of line');
    // A crash after an upload's shard was durable, before its event: the row is on disk.
    const drive = set.drives[1] as LocalDrive;
    const orphan = `${Date.now().toString(16).padStart(12, '0')}${'cd'.repeat(10)}`;
    const writer = await drive.shards.createWriter(orphan, 300_000);
    await writer.write([randomBytes(300_000)]);
    await writer.finish();
    await drive.database.root.flushed;
    const orphanPlacement = drive.shards.placementOf(orphan)!;
    expect(orphanPlacement).toBeDefined();
    await set.close();
    await unlock();

    ({ set, unlock } = await openErasureSet(paths));
    const reopened = set.drives[1] as LocalDrive;
    expect(reopened.shards.placementOf(orphan)).toBeUndefined();
    expect(reopened.shards.placementOf(kept.data.dataDir)).toBeDefined();
    expect((await readObject(set, kept)).equals(body)).toBe(true);
    // The orphan's extent is free again: the next shard of that size on the drive takes it.
    const next = await putObject(set, 'bkt', 'next', randomBytes(500_000));
    if (next.data.kind !== 'files') throw new Error('expected shards out of line');
    const placed = reopened.shards.placementOf(next.data.dataDir)!;
    expect([placed.segment, placed.offset]).toEqual([orphanPlacement.segment, orphanPlacement.offset]);
    await set.close();
    await unlock();
  });
});
