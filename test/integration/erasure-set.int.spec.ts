/**
 * The storage engine on four real drive directories (2 data + 2 parity): objects written
 * inline, into segment files and as shard files read back byte for byte, whole and by range, with shards missing
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
      ['unsized', 2 * MiB + 7],
    ] as const) {
      const body = randomBytes(size);
      bodies.set(key, body);
      versions.set(key, await putObject(opened.set, 'bkt', key, body, { unsized: key === 'unsized' }));
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

  it('stores small objects inline, sized large ones in each drive\'s segment, unsized ones as one shard file per drive', async () => {
    expect(versions.get('small')!.data.kind).toBe('inline');
    expect(versions.get('inline-max')!.data.kind).toBe('inline');
    const extents = new Set<string>();
    for (const key of ['one-block', 'odd']) {
      const { data } = versions.get(key)!;
      if (data.kind !== 'files') throw new Error(`${key}: expected shards out of line`);
      for (let slot = 0; slot < 4; slot++) {
        const placement = drive(slot).shards.placementOf(data.dataDir);
        expect(placement, `${key} on drive ${slot}`).toBeDefined();
        await expect(fs.stat(drive(slot).shards.committedPath(data.dataDir))).rejects.toThrow();
        extents.add(`${slot}:${placement!.segment}:${placement!.offset}`);
      }
    }
    expect(extents.size).toBe(8);
    const unsized = versions.get('unsized')!.data;
    if (unsized.kind !== 'files') throw new Error('expected shards out of line');
    for (let slot = 0; slot < 4; slot++) {
      expect(drive(slot).shards.placementOf(unsized.dataDir)).toBeUndefined();
      await expect(fs.stat(drive(slot).shards.committedPath(unsized.dataDir))).resolves.toBeTruthy();
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

  it('reads correct bytes with shards corrupted on two drives (never more than parity per block), in segments and in files', async () => {
    for (const key of ['odd', 'unsized']) {
      const version = versions.get(key)!;
      if (version.data.kind !== 'files') throw new Error('expected shards out of line');
      for (const slot of [0, 3]) {
        const where = drive(slot).shards.locate(version.data.dataDir);
        const handle = await fs.open(where.file, 'r+');
        const length = where.length ?? (await handle.stat()).size;
        for (let i = 0; i < 20; i++) await handle.write(Buffer.from([0xff ^ i]), 0, 1, where.offset + Math.floor(Math.random() * length));
        await handle.close();
      }
      expect((await readObject(opened.set, version)).equals(bodies.get(key)!), key).toBe(true);
    }
  });

  it('fails, rather than returning wrong bytes, when more shards are damaged than parity allows', async () => {
    const version = versions.get('one-block')!;
    if (version.data.kind !== 'files') throw new Error('expected shard files');
    for (const slot of [0, 1, 2]) {
      // Everything after the first 100 bytes of the shard destroyed.
      const where = drive(slot).shards.locate(version.data.dataDir);
      const handle = await fs.open(where.file, 'r+');
      await handle.write(Buffer.alloc(where.length! - 100), 0, where.length! - 100, where.offset + 100);
      await handle.close();
    }
    await expect(readObject(opened.set, version)).rejects.toBeInstanceOf(NotEnoughShardsError);
  });
});
