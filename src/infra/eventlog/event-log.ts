/**
 * One drive's append-only, hash-chained event log.
 *
 * Appends are queued into lmdb-js's current write batch as a *conditional* unit: the record
 * and its projection writes commit only if the drive's previous record is on disk. If a
 * batch ever fails, every later append conditioned on it fails too, instead of leaving a
 * gap or a broken link in the chain; the drive is then taken offline (see LocalDrive).
 */
import { IF_EXISTS } from 'lmdb';
import type { DriveDatabase } from './drive-database';
import { eventIdFromBytes, eventIdToBytes } from './event-id';
import { decodeEventRecord, encodeEventRecord, inlineShardOf, withInlineShard, type EventRecord } from './event-record';
import { GroupCommit } from './group-commit';

export interface LogHead {
  readonly seq: number;
  readonly hash: Buffer;
  /** Id of the newest event, undefined for an empty log. */
  readonly lastId: string | undefined;
  /** The same id as its LMDB key (kept so that each append need not encode it again). */
  readonly lastKey: Buffer | undefined;
}

export class AppendRejectedError extends Error {}

export class EventLog {
  private head: LogHead;

  constructor(
    private readonly db: DriveDatabase,
    private readonly genesis: Buffer,
    /** The drive's group commit, shared with its other durable writes (ShardStore's placement rows). */
    private readonly groupCommit = new GroupCommit(),
  ) {
    this.head = this.readHead();
  }

  get lastId(): string | undefined {
    return this.head.lastId;
  }

  get lastSeq(): number {
    return this.head.seq;
  }

  /**
   * Appends an event with this drive's inline shard and undo writes (if any) and runs
   * `projectionWrites` (which must only queue writes) in the same transaction. Resolves
   * once durable. Under load the record is queued together with others (group-commit.ts).
   */
  append(id: string, json: string | Buffer, inline: Buffer | undefined, undo: Buffer | undefined, projectionWrites: () => void): Promise<void> {
    const seq = this.head.seq + 1;
    const { bytes, hash } = encodeEventRecord(seq, this.head.hash, json, inline, undo);
    const key = eventIdToBytes(id);
    const { lastId: previous, lastKey: previousKey } = this.head;
    this.head = { seq, hash, lastId: id, lastKey: key };
    const writeAll = () => {
      this.db.events.put(key, bytes);
      projectionWrites();
    };
    const queued = this.groupCommit.run(() =>
      previousKey ? this.db.events.ifVersion(previousKey, IF_EXISTS, writeAll) : this.db.events.ifNoExists(key, writeAll),
    );
    return queued.then((written) => {
      if (!written) throw new AppendRejectedError(`event ${id} not appended: the previous record ${previous ?? '(none)'} is missing`);
    });
  }

  /**
   * Removes the newest record and runs `revert` (synchronous writes) in the same
   * transaction. Only done to events that never reached a write quorum (start-up
   * reconciliation, a failed append, a drive that comes back holding one); the chain stays
   * intact because only the tail is removed. The head is read from disk: after a failed
   * append the one in memory names an event that was never written.
   */
  removeLast(id: string, revert: () => void): void {
    const head = this.readHead();
    if (head.lastId !== id) throw new Error(`event ${id} is not the last of the log (${head.lastId ?? 'empty'})`);
    this.db.root.transactionSync(() => {
      revert();
      this.db.events.removeSync(eventIdToBytes(id));
    });
    this.head = this.readHead();
  }

  has(id: string): boolean {
    return this.db.events.doesExist(eventIdToBytes(id));
  }

  /** Up to `limit` event ids, newest first, starting before `beforeId` (or at the end). */
  idsBackward(beforeId: string | undefined, limit: number): string[] {
    const ids: string[] = [];
    const range = beforeId ? { start: eventIdToBytes(beforeId), reverse: true } : { reverse: true };
    for (const key of this.db.events.getKeys(range)) {
      const id = eventIdFromBytes(key as Buffer);
      if (id === beforeId) continue;
      ids.push(id);
      if (ids.length === limit) break;
    }
    return ids;
  }

  /** Up to `limit` event ids after `afterId` (or from the start), in log order. */
  idsForward(afterId: string | undefined, limit: number): string[] {
    const ids: string[] = [];
    for (const key of this.db.events.getKeys(afterId ? { start: eventIdToBytes(afterId) } : {})) {
      const id = eventIdFromBytes(key as Buffer);
      if (id === afterId) continue;
      ids.push(id);
      if (ids.length === limit) break;
    }
    return ids;
  }

  get(id: string): EventRecord | undefined {
    const bytes = this.db.events.get(eventIdToBytes(id));
    return bytes ? decodeEventRecord(bytes) : undefined;
  }

  inlineShard(id: string): Buffer | undefined {
    // The record as it sits in LMDB's reused read buffer (valid until the next read), and
    // only its shard copied out, into Node's buffer pool: a `get` copies the whole record into
    // an ArrayBuffer of its own (~2 µs for a 3 KB record, twice per GET 4 KiB).
    const bytes: Uint8Array | undefined = this.db.events.getBinaryFast(eventIdToBytes(id));
    if (!bytes) return undefined;
    // Records too large for lmdb-js's read buffer (16 MiB) come back as a plain Uint8Array over the map.
    const record = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Buffer.from(inlineShardOf(record));
  }

  /** Healing: rewrites the record's inline shard (outside the hash chain); resolves once durable. */
  async replaceInlineShard(id: string, shard: Buffer): Promise<void> {
    const key = eventIdToBytes(id);
    const bytes = this.db.events.get(key);
    if (!bytes) throw new Error(`event ${id} is not in the log`);
    await this.db.events.put(key, withInlineShard(bytes, shard));
  }

  /** Every record in log order (id order), optionally starting after an id. */
  *records(afterId?: string): Generator<{ id: string; record: EventRecord }> {
    const start = afterId ? eventIdToBytes(afterId) : undefined;
    for (const { key, value } of this.db.events.getRange(start ? { start } : {})) {
      const id = eventIdFromBytes(key);
      if (id === afterId) continue;
      yield { id, record: decodeEventRecord(value) };
    }
  }

  private readHead(): LogHead {
    for (const { key, value } of this.db.events.getRange({ reverse: true, limit: 1 })) {
      const record = decodeEventRecord(value);
      return { seq: record.seq, hash: Buffer.from(record.hash), lastId: eventIdFromBytes(key), lastKey: Buffer.from(key) };
    }
    return { seq: 0, hash: this.genesis, lastId: undefined, lastKey: undefined };
  }
}
