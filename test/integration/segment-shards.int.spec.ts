/**
 * Shards in a drive's segment files (ShardStore over a real directory and LMDB environment):
 * written, found and read back through the placement table; space of aborted uploads free at
 * once, space of removed shards free only after the reads that started before the removal;
 * a healed shard replacing the damaged one in a new extent.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { GroupCommit } from '../../src/infra/eventlog/group-commit';
import { releaseAligned, tryAcquireAligned } from '../../src/infra/shards/aligned-buffers';
import { ShardStore } from '../../src/infra/shards/shard-store';
import { tempDir } from '../helpers/temp-dirs';

describe('shards in segment files', () => {
  let root: { path: string; remove(): void };
  let database: DriveDatabase;
  let store: ShardStore;

  beforeEach(async () => {
    root = tempDir('cairn-segments-');
    database = DriveDatabase.open(root.path);
    store = new ShardStore(root.path, database.placements);
    await store.prepare();
  });
  afterEach(async () => {
    await store.close();
    await database.close();
    root.remove();
  });

  /** Writes `bytes` as the shard of `dataDir` (in uneven pieces) and waits for its row. */
  async function put(dataDir: string, bytes: Buffer): Promise<void> {
    const writer = await store.createWriter(dataDir, bytes.length);
    for (let offset = 0; offset < bytes.length; offset += 100_003) await writer.write([bytes.subarray(offset, offset + 100_003)]);
    await writer.finish();
    await database.root.flushed;
  }

  async function read(dataDir: string): Promise<Buffer> {
    const reader = await store.open(dataDir);
    try {
      return await reader.read(0, await reader.size());
    } finally {
      await reader.close();
    }
  }

  it('writes shards into one segment file, each in its own extent, and reads them back', async () => {
    const shards = new Map([...Array(5)].map((_, i) => [`dir-${i}`, randomBytes(50_000 + i * 123_457)]));
    for (const [dataDir, bytes] of shards) await put(dataDir, bytes);
    for (const [dataDir, bytes] of shards) expect((await read(dataDir)).equals(bytes), dataDir).toBe(true);
    expect(await fs.readdir(`${root.path}/segments`)).toEqual(['0.seg']);
    const placements = [...shards.keys()].map((dataDir) => store.placementOf(dataDir)!);
    const ends = placements.map((p) => p.offset + p.length).sort((a, b) => a - b);
    const starts = placements.map((p) => p.offset).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(ends[i - 1]);
    // Shards whose size is unknown in advance stay in files.
    const unsized = await store.createWriter('unsized');
    await unsized.write([randomBytes(1000)]);
    await unsized.finish();
    expect(store.placementOf('unsized')).toBeUndefined();
  });

  it('frees the extent of an aborted upload at once, before or after its shard was made durable', async () => {
    const bytes = randomBytes(300_000);
    const early = await store.createWriter('early', bytes.length);
    await early.write([bytes.subarray(0, 1000)]);
    await early.abort();
    const late = await store.createWriter('late', bytes.length);
    await late.write([bytes]);
    await late.finish();
    await late.abort(); // e.g. the event's append failed after the shard was durable
    await database.root.flushed;
    expect(database.placements.get('late')).toBeUndefined();
    await put('next', bytes);
    expect(store.placementOf('next')!.offset).toBe(0);
  });

  it('refuses a shard longer or shorter than the extent reserved for it', async () => {
    const longer = await store.createWriter('longer', 1000);
    await expect(longer.write([randomBytes(1001)])).rejects.toThrow(/larger than its extent/);
    await longer.abort();
    const shorter = await store.createWriter('shorter', 1000);
    await shorter.write([randomBytes(999)]);
    await expect(shorter.finish()).rejects.toThrow(/reserved for 1000/);
    await shorter.abort();
  });

  it('frees a removed shard\'s extent only once the reads that started before the removal end', async () => {
    const first = randomBytes(200_000);
    await put('first', first);
    const slowReader = await store.open('first');
    await store.remove('first');
    await expect(store.open('first')).rejects.toThrow(); // gone for new reads: no row, no file
    // The extent is still reserved: a new shard goes elsewhere and the old bytes stay readable.
    await put('second', randomBytes(200_000));
    expect(store.placementOf('second')!.offset).not.toBe(0);
    expect((await slowReader.read(0, first.length)).equals(first)).toBe(true);
    await slowReader.close();
    // Now it is free: the next shard of that size takes it.
    await put('third', randomBytes(200_000));
    expect(store.placementOf('third')!.offset).toBe(0);
  });

  it('replaces a damaged shard with a healed copy in a new extent, then frees the old one', async () => {
    const original = randomBytes(150_000);
    await put('healed', original);
    const damaged = store.placementOf('healed')!;
    const handle = await fs.open(store.locate('healed').file, 'r+');
    // The stored byte flipped (a fixed 0xff would leave a byte that already was 0xff unchanged).
    const stored = Buffer.alloc(1);
    await handle.read(stored, 0, 1, damaged.offset + 10);
    await handle.write(Buffer.from([stored[0]! ^ 0xff]), 0, 1, damaged.offset + 10);
    await handle.close();
    expect((await read('healed')).equals(original)).toBe(false);

    const writer = await store.createHealWriter('healed', original.length);
    await writer.write([original]);
    await writer.finish();
    expect(store.placementOf('healed')).toEqual(damaged); // not in place until committed
    await store.commitHealed('healed');
    expect(store.placementOf('healed')!.offset).not.toBe(damaged.offset);
    expect((await read('healed')).equals(original)).toBe(true);
    await put('reuses', randomBytes(150_000));
    expect(store.placementOf('reuses')!.offset).toBe(damaged.offset);
  });

  it("queues placement rows through the drive's group commit: held while its other writes are uncommitted", async () => {
    // As LocalDrive wires it: the store shares the group commit of the drive's event log
    // (held appends released at the hold limit; far away here, so that the test sees the hold).
    await store.close();
    const group = new GroupCommit({ maxHoldMs: 60_000, maxHeld: 64 });
    store = new ShardStore(root.path, database.placements, group);
    await store.prepare();
    const uncommittedWrite = () => {
      let commit!: () => void;
      const committed = group.run(() => new Promise<void>((resolve) => (commit = resolve)));
      return { commit, committed };
    };

    const append = uncommittedWrite(); // an event of another upload, not yet committed
    const bytes = randomBytes(100_000);
    const writer = await store.createWriter('held', bytes.length);
    await writer.write([bytes]);
    await database.root.flushed;
    expect(database.placements.get('held')).toBeUndefined(); // not in a transaction of its own
    append.commit();
    await append.committed;
    await writer.finish(); // awaits the row, released with the next group
    expect(database.placements.get('held')).toEqual(store.placementOf('held'));

    // A reclaimed shard's row removal waits the same way.
    const another = uncommittedWrite();
    const removal = store.remove('held');
    await database.root.flushed;
    expect(database.placements.get('held')).toBeDefined();
    another.commit();
    await another.committed;
    await removal;
    expect(database.placements.get('held')).toBeUndefined();
  });

  it('writes through the page cache when every aligned buffer is taken', async () => {
    const taken: Buffer[] = [];
    for (let buffer = tryAcquireAligned(); buffer; buffer = tryAcquireAligned()) taken.push(buffer);
    try {
      // Frames are not aligned: written O_DIRECT without a stage, they would fail with EINVAL.
      const bytes = randomBytes(123_457);
      const writer = await store.createWriter('unstaged', bytes.length);
      await writer.write([bytes.subarray(0, 8), bytes.subarray(8)]);
      await writer.finish();
      await database.root.flushed;
      expect((await read('unstaged')).equals(bytes)).toBe(true);
    } finally {
      for (const buffer of taken) releaseAligned(buffer);
    }
  });

  it('frees the extent of a heal that gives up', async () => {
    await put('kept', randomBytes(40_000));
    const before = store.placementOf('kept')!;
    const heal = await store.createHealWriter('kept', 40_000);
    await heal.write([randomBytes(1000)]);
    await heal.abort();
    const finishedHeal = await store.createHealWriter('kept', 40_000);
    await finishedHeal.write([randomBytes(40_000)]);
    await finishedHeal.finish();
    await finishedHeal.abort(); // e.g. another drive's rebuild failed after this one was written
    expect(store.placementOf('kept')).toEqual(before);
    await put('after', randomBytes(40_000));
    expect(store.placementOf('after')!.offset).toBe(before.offset + before.length);
  });

  it('refuses the I/O of a writer whose drive was closed under it, instead of writing through a closed descriptor', async () => {
    const writer = await store.createWriter('orphaned', 5000);
    await store.close();
    await writer.write([randomBytes(5000)]); // gathered in its stage: no I/O yet
    await expect(writer.finish()).rejects.toThrow(/closed/);
    store = new ShardStore(root.path, database.placements);
    await store.prepare();
  });
});
