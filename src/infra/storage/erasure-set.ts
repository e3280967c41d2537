/**
 * An erasure set: N drives that together hold every object, each object's blocks coded into
 * k data + m parity shards spread one per drive. This class owns drive membership and the
 * quorum rules; object bytes are written and read by ObjectWriter / ObjectReader over it.
 */
import { crc32 } from 'node:zlib';
import { s3Error } from '../../domain/errors';
import type { CairnEvent } from '../../domain/events';
import type { ShardLayout } from '../../domain/object-version';
import { readQuorum, writeQuorum, type ErasureLayout } from '../../domain/rules/erasure-layout';
import type { ProjectionReader, ProjectionWrite } from '../../domain/projections/projection';
import type { Drive } from '../drives/drive';
import { logEntry, verifyAgainstLoggedJson } from '../drives/log-entry';
import { VERIFY_PROJECTIONS } from '../eventlog/verify-projections';
import { ReedSolomonCodec } from '../erasure/reed-solomon';
import { EventIdClock } from '../eventlog/event-id';
import { metadataReader, type MetadataReader } from './metadata-reader';
import { settleWithQuorum } from './quorum';

/** How long a drive may lag behind a decided append before it is taken offline. */
export const STRAGGLER_GRACE_MS = 10_000;

/** An append's outcome: durable on a write quorum (or nothing to do), or not (the event's id). */
type AppendOutcome<E extends CairnEvent> = { appended: { event: E; writes: readonly ProjectionWrite[] } | undefined } | { failed: string };

export class ErasureSet {
  readonly codec: ReedSolomonCodec;
  readonly writeQuorum: number;
  readonly readQuorum: number;
  private healthTimer: NodeJS.Timeout | undefined;
  /** Appends decided but not yet settled, and the barrier that holds new ones (see `exclusive`). */
  private appendsInFlight = 0;
  private appendsSettled: (() => void) | undefined;
  private barrier: Promise<void> | undefined;
  /** Events that did not reach a write quorum and still await their roll-back (see `rollBackFailedAppends`). */
  private readonly failedAppends = new Set<string>();
  private readonly slots: Drive[];
  private readonly metadataReads: MetadataReader;

  constructor(
    /** One drive per slot, in slot order. */
    drives: readonly Drive[],
    readonly layout: ErasureLayout,
    private readonly clock: EventIdClock = new EventIdClock(),
  ) {
    this.slots = [...drives];
    this.codec = new ReedSolomonCodec(layout.dataShards, layout.parityShards);
    this.writeQuorum = writeQuorum(layout);
    this.readQuorum = readQuorum(layout);
    this.metadataReads = metadataReader(() => this.online(), this.readQuorum);
    for (const drive of drives) {
      const last = drive.lastEventId();
      if (last) clock.observe(last);
    }
  }

  /** One drive per slot, in slot order. */
  get drives(): readonly Drive[] {
    return this.slots;
  }

  online(): Drive[] {
    return this.drives.filter((drive) => drive.state === 'online');
  }

  offline(): Drive[] {
    return this.drives.filter((drive) => drive.state !== 'online');
  }

  /**
   * Where metadata (projections) is read. Every online drive has applied every event
   * acknowledged since start-up (a drive that fails an append goes offline), so any online
   * drive is current; there must be a read quorum of them for the answer to be trusted.
   */
  metadata(): MetadataReader {
    // Each read checks the read quorum when it runs (metadata-reader.ts).
    return this.metadataReads;
  }

  assertWritable(): Drive[] {
    const online = this.online();
    if (online.length < this.writeQuorum) throw s3Error('SlowDownWrite');
    return online;
  }

  /**
   * Decides and appends one event. `decide` receives the new event's id and time and runs
   * synchronously, immediately before the event is queued on every online drive: ids are
   * therefore appended in the order they are issued, on every drive (logs are in id order).
   * The projection writes are computed once, from `state` — what the decision was taken on,
   * which is every online drive's committed state (the caller holds the key's lock, and
   * online drives never differ: see log-reconciliation.ts and settleWithQuorum).
   *
   * Resolves with the event and its writes once a write quorum has made it durable and every
   * other online drive has applied it too (or been taken offline); with undefined when
   * `decide` found nothing to do. Rejects with SlowDownWrite when fewer than a write quorum
   * made it durable, once it has been removed from the drives that did.
   */
  async appendEvent<E extends CairnEvent>(
    decide: (stamp: { id: string; time: number }) => E | undefined,
    options: { state: ProjectionReader; inlineShards?: ReadonlyArray<Buffer | undefined> },
  ): Promise<{ event: E; writes: readonly ProjectionWrite[] } | undefined> {
    while (this.barrier) await this.barrier;
    this.appendsInFlight++;
    let outcome: AppendOutcome<E>;
    try {
      outcome = await this.append(decide, options);
    } finally {
      if (--this.appendsInFlight === 0) this.appendsSettled?.();
    }
    if ('appended' in outcome) return outcome.appended;
    this.failedAppends.add(outcome.failed);
    await this.exclusive(() => this.rollBackFailedAppends());
    throw s3Error('SlowDownWrite');
  }

  private async append<E extends CairnEvent>(
    decide: (stamp: { id: string; time: number }) => E | undefined,
    options: { state: ProjectionReader; inlineShards?: ReadonlyArray<Buffer | undefined> },
  ): Promise<AppendOutcome<E>> {
    const targets = this.assertWritable();
    const event = decide(this.clock.next());
    if (!event) return { appended: undefined };
    const json = JSON.stringify(event);
    // Projected from the event object, not its JSON parsed back as a rebuild does: the same
    // bytes, as long as events hold only JSON values (log-entry.ts).
    const entry = logEntry(event, json, options.state);
    if (VERIFY_PROJECTIONS) verifyAgainstLoggedJson(entry, options.state);
    const appends = targets.map((drive) => ({
      promise: drive.appendEvent(entry, options.inlineShards?.[drive.slot]),
      straggle: () => drive.markOffline(`append of event ${event.id} did not complete within ${STRAGGLER_GRACE_MS} ms`),
    }));
    const { succeeded } = await settleWithQuorum(appends, this.writeQuorum, STRAGGLER_GRACE_MS);
    if (succeeded < this.writeQuorum) return { failed: event.id };
    return { appended: { event, writes: entry.writes } };
  }

  /**
   * Removes events that did not reach a write quorum from the drives that took them, so that
   * a write answered with 503 is neither read, nor listed, nor copied to a drive that comes
   * back (start-up reconciliation would drop it too, but only at the next start-up).
   *
   * Runs with no append in flight (`exclusive`), newest event first. The failed events are
   * the tail of every log that holds them: the drives that failed an event (at least
   * n - writeQuorum + 1 of them) are offline from then on, and every later append queued on
   * them failed too, because a drive's appends are conditional on the previous record being
   * on disk (event-log.ts); so any event after a failed one failed its quorum as well, and is
   * in this set. A drive that cannot roll back (its log holds something else after the event,
   * or the write fails) is taken offline; a drive that comes back with such an event drops it
   * then (drive-reattach.ts), and start-up reconciliation drops it in any case.
   */
  private async rollBackFailedAppends(): Promise<void> {
    const ids = [...this.failedAppends].sort().reverse();
    this.failedAppends.clear();
    // Offline drives that hold such an event drop it when they rejoin (drive-reattach.ts).
    for (const drive of this.online()) {
      for (const id of ids) {
        try {
          if (await drive.hasEvent(id)) await drive.rollBackLastEvent(id);
        } catch (error) {
          drive.markOffline(`could not roll back event ${id}, which did not reach a write quorum: ${error instanceof Error ? error.message : String(error)}`);
          break;
        }
      }
    }
  }

  /**
   * Runs `work` with no append in flight and none starting until it is done: how a drive
   * that returns (or replaces a lost one) catches up on the log and joins without missing an
   * event appended meanwhile.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.barrier) await this.barrier;
    let lift!: () => void;
    this.barrier = new Promise((resolve) => (lift = resolve));
    try {
      while (this.appendsInFlight > 0) await new Promise<void>((resolve) => (this.appendsSettled = resolve));
      return await work();
    } finally {
      this.barrier = undefined;
      this.appendsSettled = undefined;
      lift();
    }
  }

  /** Puts a drive in a slot (a returning or replacement drive, once it has caught up). */
  replaceDrive(drive: Drive): void {
    this.slots[drive.slot] = drive;
  }

  /** Which shard index each slot holds for an object: a rotation chosen by the key's hash. */
  shardLayoutFor(bucket: string, key: string): ShardLayout {
    const n = this.drives.length;
    const start = crc32(`${bucket}/${key}`) % n;
    return {
      dataShards: this.layout.dataShards,
      parityShards: this.layout.parityShards,
      blockSize: this.layout.blockSize,
      distribution: this.drives.map((_, slot) => (start + slot) % n),
    };
  }

  /** The drive holding shard `index` under a layout. */
  driveForShard(layout: ShardLayout, index: number): Drive {
    return this.drives[layout.distribution.indexOf(index)];
  }

  /** Periodically rechecks drives, so that one deleted or unmounted under us goes offline. */
  startHealthChecks(intervalMs: number): void {
    this.healthTimer = setInterval(() => {
      for (const drive of this.drives) void drive.checkHealth();
    }, intervalMs);
    this.healthTimer.unref();
  }

  async close(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    await Promise.all(this.drives.map((drive) => drive.close()));
  }
}
