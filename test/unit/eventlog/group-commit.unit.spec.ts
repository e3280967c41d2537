import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/infra/eventlog/group-commit';

/** A stand-in for lmdb-js's queue: records which event turn each write was queued in, and commits when told. */
class Writes {
  readonly queued: Array<{ name: string; turn: number }> = [];
  private turn = 0;
  private readonly pending = new Map<string, { resolve(value: string): void; reject(error: Error): void }>();
  /** Counts event turns (one per setImmediate) until stopped. */
  private ticking: NodeJS.Immediate;

  constructor() {
    const tick = () => {
      this.turn++;
      this.ticking = setImmediate(tick);
    };
    this.ticking = setImmediate(tick);
  }

  queue(name: string): () => Promise<string> {
    return () => {
      this.queued.push({ name, turn: this.turn });
      return new Promise((resolve, reject) => this.pending.set(name, { resolve, reject }));
    };
  }

  commit(name: string): void {
    this.pending.get(name)!.resolve(name);
  }

  fail(name: string): void {
    this.pending.get(name)!.reject(new Error(`commit of ${name} failed`));
  }

  stop(): void {
    clearImmediate(this.ticking);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A group commit that holds long enough for a test to look (unless `maxHoldMs` says otherwise). */
const groupCommit = (options: { maxHoldMs?: number; maxHeld?: number } = {}) => new GroupCommit({ maxHoldMs: 1000, maxHeld: 64, ...options });

describe('group commit', () => {
  it('queues an append at once when nothing is uncommitted', async () => {
    const writes = new Writes();
    const group = groupCommit();
    const first = group.run(writes.queue('a'));
    expect(writes.queued.map((w) => w.name)).toEqual(['a']);
    writes.commit('a');
    expect(await first).toBe('a');
    const second = group.run(writes.queue('b'));
    expect(writes.queued.map((w) => w.name)).toEqual(['a', 'b']);
    writes.commit('b');
    await second;
    writes.stop();
  });

  it('holds appends that arrive while others are uncommitted, then queues them together, in order, once those committed', async () => {
    const writes = new Writes();
    const group = groupCommit();
    const a = group.run(writes.queue('a'));
    const held = ['b', 'c', 'd'].map((name) => group.run(writes.queue(name)));
    await settle();
    expect(writes.queued.map((w) => w.name)).toEqual(['a']);
    writes.commit('a');
    await a;
    await settle();
    expect(writes.queued.map((w) => w.name)).toEqual(['a', 'b', 'c', 'd']);
    // One event turn for the group: lmdb-js makes it one transaction.
    expect(new Set(writes.queued.slice(1).map((w) => w.turn)).size).toBe(1);
    // An append arriving now waits for that group.
    const e = group.run(writes.queue('e'));
    for (const name of ['b', 'c', 'd']) writes.commit(name);
    expect(await Promise.all(held)).toEqual(['b', 'c', 'd']);
    await settle();
    expect(writes.queued.map((w) => w.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    writes.commit('e');
    await e;
    writes.stop();
  });

  it('does not hold an append longer than maxHoldMs behind a slow commit', async () => {
    const writes = new Writes();
    const group = groupCommit({ maxHoldMs: 20 });
    void group.run(writes.queue('slow'));
    const b = group.run(writes.queue('b'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writes.queued.map((w) => w.name)).toEqual(['slow', 'b']);
    writes.commit('b');
    expect(await b).toBe('b');
    writes.commit('slow');
    writes.stop();
  });

  it('queues the held appends at once when maxHeld are waiting', async () => {
    const writes = new Writes();
    const group = groupCommit({ maxHeld: 3 });
    void group.run(writes.queue('a'));
    for (const name of ['b', 'c', 'd']) void group.run(writes.queue(name));
    expect(writes.queued.map((w) => w.name)).toEqual(['a', 'b', 'c', 'd']);
    for (const name of ['a', 'b', 'c', 'd']) writes.commit(name);
    writes.stop();
  });

  it('passes failures on: a failed commit rejects its append, a queue that throws rejects too, and later appends still go', async () => {
    const writes = new Writes();
    const group = groupCommit();
    const a = group.run(writes.queue('a'));
    const throwing = group.run(() => {
      throw new Error('Database is closed');
    });
    const c = group.run(writes.queue('c'));
    writes.fail('a');
    await expect(a).rejects.toThrow('commit of a failed');
    await expect(throwing).rejects.toThrow('Database is closed');
    await settle();
    writes.commit('c');
    expect(await c).toBe('c');
    writes.stop();
  });
});
