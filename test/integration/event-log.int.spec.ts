import { afterEach, describe, expect, it } from 'vitest';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { EventIdClock, eventIdToBytes } from '../../src/infra/eventlog/event-id';
import { AppendRejectedError, EventLog } from '../../src/infra/eventlog/event-log';
import { genesisHash, recordHashIsValid } from '../../src/infra/eventlog/event-record';
import { tempDir } from '../helpers/temp-dirs';

describe('event log on one drive', () => {
  const dirs: Array<{ remove(): void }> = [];
  const open = () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = DriveDatabase.open(dir.path);
    return { dir, db, log: new EventLog(db, genesisHash('deployment', 'drive')) };
  };
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('chains every record to the one before it, from the genesis hash', async () => {
    const { db, log } = open();
    const clock = new EventIdClock();
    for (let i = 0; i < 50; i++) {
      const { id } = clock.next();
      await log.append(id, JSON.stringify({ i }), i % 2 ? Buffer.from(`shard-${i}`) : undefined, undefined, () => undefined);
    }
    const records = [...log.records()];
    expect(records.map((r) => r.record.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(records[0].record.prevHash.equals(genesisHash('deployment', 'drive'))).toBe(true);
    for (let i = 0; i < records.length; i++) {
      expect(recordHashIsValid(records[i].record)).toBe(true);
      if (i > 0) expect(records[i].record.prevHash.equals(records[i - 1].record.hash)).toBe(true);
    }
    expect(log.inlineShard(records[1].id)?.toString()).toBe('shard-1');
    await db.close();
  });

  it("hands out inline shards that stay intact after later reads (LMDB's read buffer is reused)", async () => {
    const { db, log } = open();
    const clock = new EventIdClock();
    const shards = [Buffer.alloc(3000, 'a'), Buffer.alloc(40_000, 'b'), Buffer.alloc(2000, 'c')];
    const ids: string[] = [];
    for (const shard of shards) {
      const { id } = clock.next();
      ids.push(id);
      await log.append(id, JSON.stringify({ size: shard.length }), shard, Buffer.from('[]'), () => undefined);
    }
    const read = ids.map((id) => log.inlineShard(id));
    // Read again in another order, then compare what the first reads returned.
    for (const id of [...ids].reverse()) log.inlineShard(id);
    read.forEach((shard, i) => expect(shard?.equals(shards[i])).toBe(true));
    expect(log.inlineShard(clock.next().id)).toBeUndefined();
    await db.close();
  });

  it('commits an event and its projection writes together, and reopens at the same head', async () => {
    const { dir, db, log } = open();
    const { id } = new EventIdClock().next();
    await log.append(id, '{"x":1}', undefined, undefined, () => db.buckets.put('b', { name: 'b' } as never));
    expect(db.buckets.get('b')).toEqual({ name: 'b' });
    await db.close();
    const reopened = DriveDatabase.open(dir.path);
    const again = new EventLog(reopened, genesisHash('deployment', 'drive'));
    expect(again.lastId).toBe(id);
    expect(again.lastSeq).toBe(1);
    await reopened.close();
  });

  it('refuses to append after a record that is not on disk, instead of breaking the chain', async () => {
    const { db, log } = open();
    const clock = new EventIdClock();
    const first = clock.next().id;
    await log.append(first, '{"n":1}', undefined, undefined, () => undefined);
    // The previous record vanishes (as when its batch failed): the next append must not land.
    await db.events.remove(eventIdToBytes(first));
    const second = clock.next().id;
    await expect(log.append(second, '{"n":2}', undefined, undefined, () => void db.buckets.put('x', { name: 'x' } as never))).rejects.toBeInstanceOf(AppendRejectedError);
    await db.root.flushed;
    expect(db.events.get(eventIdToBytes(second))).toBeUndefined();
    expect(db.buckets.get('x')).toBeUndefined();
    await db.close();
  });
});

describe('event ids', () => {
  it('increase strictly, even when the clock stands still or goes back', () => {
    let now = 1_000;
    const clock = new EventIdClock(() => now);
    const ids = [clock.next().id, clock.next().id];
    now = 500;
    ids.push(clock.next().id);
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
  });

  it('continue after the newest id observed on the drives', () => {
    const clock = new EventIdClock(() => 1_000);
    clock.observe('000000000fa00005' + '0'.repeat(16)); // 4000 ms, counter 5
    expect(clock.next().id.slice(0, 16)).toBe('000000000fa00006');
  });
});
