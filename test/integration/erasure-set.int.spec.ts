/**
 * The storage engine on four real drive directories (2 data + 2 parity): objects written
 * inline and as shard files read back byte for byte, whole and by range, with shards missing
 * or corrupted up to the parity count; beyond it, reads fail rather than return wrong bytes.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectVersion } from '../../src/domain/object-version';
import { NotEnoughShardsError } from '../../src/infra/erasure/block-coder';
import type { LocalDrive } from '../../src/infra/drives/local-drive';
import { openErasureSet, type OpenedSet } from '../../src/infra/storage/open-erasure-set';
import { createBucket, putObject, readObject } from '../helpers/engine';
import { drivePaths, tempDir } from '../helpers/temp-dirs';

const MiB = 1024 * 1024;

describe('erasure set of 4 drives', () => {
  const root = tempDir();
  let opened: OpenedSet;
  const bodies = new Map<string, Buffer>();
  const versions = new Map<string, ObjectVersion>();

  beforeAll(async () => {
    opened = await openErasureSet(drivePaths(root.path, 4));
    await createBucket(opened.set, 'bkt');
    for (const [key, size] of [
      ['empty', 0],
      ['tiny', 1],
      ['small', 4096],
      ['inline-max', 128 * 1024],
      ['one-block', MiB],
      ['odd', 3 * MiB + 12345],
    ] as const) {
      const body = randomBytes(size);
      bodies.set(key, body);
      versions.set(key, await putObject(opened.set, 'bkt', key, body));
    }
  });

  afterAll(async () => {
    await opened.set.close();
    root.remove();
  });

  const drive = (slot: number) => opened.set.drives[slot] as LocalDrive;

  it('uses 2 data + 2 parity shards with write quorum 3', () => {
    expect(opened.set.layout).toMatchObject({ dataShards: 2, parityShards: 2 });
    expect(opened.set.writeQuorum).toBe(3);
  });

  it('stores small objects inline and large ones as one shard file per drive', async () => {
    expect(versions.get('small')!.data.kind).toBe('inline');
    expect(versions.get('inline-max')!.data.kind).toBe('inline');
    const odd = versions.get('odd')!;
    expect(odd.data.kind).toBe('files');
    if (odd.data.kind !== 'files') return;
    for (let slot = 0; slot < 4; slot++) {
      await expect(fs.stat(drive(slot).shards.committedPath(odd.data.dataDir))).resolves.toBeTruthy();
      expect(await fs.readdir(path.join(drive(slot).label, 'tmp'))).toEqual([]);
    }
  });

  it('reads every object back byte for byte', async () => {
    for (const [key, body] of bodies) expect((await readObject(opened.set, versions.get(key)!)).equals(body), key).toBe(true);
  });

  it('reads ranges across block boundaries', async () => {
    const body = bodies.get('odd')!;
    const version = versions.get('odd')!;
    for (const [start, end] of [
      [0, 0],
      [MiB - 5, MiB + 5],
      [2 * MiB, 3 * MiB + 12344],
      [12345, 2 * MiB + 77],
    ]) {
      expect((await readObject(opened.set, version, start, end)).equals(body.subarray(start, end + 1))).toBe(true);
    }
  });

  it('reads correct bytes with shard files corrupted on two drives (never more than parity per block)', async () => {
    const version = versions.get('odd')!;
    if (version.data.kind !== 'files') throw new Error('expected shard files');
    for (const slot of [0, 3]) {
      const file = drive(slot).shards.committedPath(version.data.dataDir);
      const handle = await fs.open(file, 'r+');
      const { size } = await handle.stat();
      for (let i = 0; i < 20; i++) await handle.write(Buffer.from([0xff ^ i]), 0, 1, Math.floor(Math.random() * size));
      await handle.close();
    }
    expect((await readObject(opened.set, version)).equals(bodies.get('odd')!)).toBe(true);
  });

  it('fails, rather than returning wrong bytes, when more shards are damaged than parity allows', async () => {
    const version = versions.get('one-block')!;
    if (version.data.kind !== 'files') throw new Error('expected shard files');
    for (const slot of [0, 1, 2]) await fs.truncate(drive(slot).shards.committedPath(version.data.dataDir), 100);
    await expect(readObject(opened.set, version)).rejects.toBeInstanceOf(NotEnoughShardsError);
  });
});
