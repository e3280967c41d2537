/**
 * Start-up reconciliation of the drives' logs, before anything is served.
 *
 * Every drive appends the same events in id order, each in its own LMDB environment, so a
 * crash (or a drive that was offline) leaves the logs as one shared history followed by
 * per-drive tails of different lengths. For every event in those tails:
 *
 * - if fewer online drives hold it than `max(1, writeQuorum - offline drives)`, it can
 *   never have been acknowledged (an acknowledged event is durable on a write quorum, of
 *   which at most the offline drives are out of sight): it is **rolled back** on the drives
 *   that hold it, with the before-image each drive recorded for it;
 * - otherwise it may have been acknowledged: it is **rolled forward** onto the drives that
 *   lack it, each with its own inline shard rebuilt from its peers' shards.
 *
 * Afterwards every online drive holds the same log and the same projections, which is what
 * lets reads take metadata from any online drive. A drive whose log cannot be brought in line,
 * or whose database turns out damaged, is taken offline (healing will deal with it).
 *
 * A *fresh* drive (an empty replacement formatted at this start-up, or any drive whose log is
 * empty, such as one whose LMDB files were lost) has no say: an empty log must not outvote
 * anything. Once the others agree, it receives their whole log, in order.
 */
import { upcastEvent } from '../../../migrations/upcasters';
import type { CairnEvent } from '../../domain/events';
import type { Drive } from '../drives/drive';
import { unlessDamaged } from '../eventlog/database-damage';
import type { ErasureSet } from './erasure-set';
import { rebuildShardStream } from './shard-rebuild';

const PAGE = 1000;

export interface ReconciliationReport {
  readonly rolledBack: number;
  readonly rolledForward: number;
  /** Inline shards that could not be rebuilt for a drive (fewer than k peers had them). */
  readonly missingShards: number;
  /** Drives taken offline because their log could not be brought in line. */
  readonly divergent: string[];
}

export async function reconcileLogs(set: ErasureSet, fresh: ReadonlySet<Drive> = new Set()): Promise<ReconciliationReport> {
  const report = { rolledBack: 0, rolledForward: 0, missingShards: 0, divergent: [] as string[] };
  const empty = set.online().filter((drive) => drive.lastEventId() === undefined);
  fresh = new Set([...fresh, ...empty]);
  const voters = set.online().filter((drive) => !fresh.has(drive));
  await reconcileVoters(set, voters, report);
  const sources = voters.filter((drive) => drive.state === 'online');
  for (const drive of fresh) {
    if (drive.state !== 'online' || sources.length === 0) continue;
    await unlessDamaged(drive, async () => {
      for (const id of await idsAfter(sources[0], undefined)) {
        if (await rollForward(set, drive, id, sources)) report.missingShards++;
        report.rolledForward++;
      }
    });
  }
  return report;
}

async function reconcileVoters(set: ErasureSet, drives: Drive[], report: { rolledBack: number; rolledForward: number; missingShards: number; divergent: string[] }): Promise<void> {
  const lastIds = drives.map((d) => d.lastEventId());
  if (drives.length < 2 || lastIds.every((id) => id === lastIds[0])) return;

  const anchor = await sharedAnchor(drives);
  const holders = new Map<string, Drive[]>(); // event id -> drives that hold it
  const tails = new Map<Drive, string[]>();
  for (const drive of drives) {
    const tail = await idsAfter(drive, anchor);
    tails.set(drive, tail);
    for (const id of tail) holders.set(id, [...(holders.get(id) ?? []), drive]);
  }

  // Drives without a say (offline, or fresh) may hold an acknowledged event we cannot see.
  const threshold = Math.max(1, set.writeQuorum - (set.drives.length - drives.length));
  const kept = new Set([...holders].filter(([, held]) => held.length >= threshold).map(([id]) => id));
  keepWhatPrecedesKeptEvents(tails, kept);

  for (const drive of drives) {
    const tail = tails.get(drive)!;
    for (let i = tail.length - 1; i >= 0 && !kept.has(tail[i]); i--) {
      await drive.rollBackLastEvent(tail[i]);
      report.rolledBack++;
    }
  }

  const keptIds = [...kept].sort();
  for (const drive of drives) {
    const has = new Set(tails.get(drive)!.filter((id) => kept.has(id)));
    const missing = keptIds.filter((id) => !has.has(id));
    const last = drive.lastEventId();
    if (missing.length > 0 && last !== undefined && missing[0] < last) {
      // It lacks an event older than its newest: its log diverged, appending cannot fix it.
      drive.markOffline(`its log diverged from its peers' at event ${missing[0]}; it needs healing`);
      report.divergent.push(drive.label);
      continue;
    }
    await unlessDamaged(drive, async () => {
      for (const id of missing) {
        const shardMissing = await rollForward(set, drive, id, holders.get(id)!);
        report.rolledForward++;
        if (shardMissing) report.missingShards++;
      }
    });
  }
}

/** The newest event every drive holds (undefined: they share nothing, start from the beginning). */
async function sharedAnchor(drives: Drive[]): Promise<string | undefined> {
  const shortest = drives.reduce((a, b) => ((a.lastEventId() ?? '') <= (b.lastEventId() ?? '') ? a : b));
  let before: string | undefined;
  for (;;) {
    const ids = await shortest.eventIdsBackward(before, PAGE);
    for (const id of ids) {
      const everywhere = await Promise.all(drives.map((d) => d.hasEvent(id)));
      if (everywhere.every(Boolean)) return id;
    }
    if (ids.length < PAGE) return undefined;
    before = ids[ids.length - 1];
  }
}

export async function idsAfter(drive: Drive, anchor: string | undefined): Promise<string[]> {
  const ids: string[] = [];
  for (let after = anchor; ; ) {
    const page = await drive.eventIdsForward(after, PAGE);
    ids.push(...page);
    if (page.length < PAGE) return ids;
    after = page[page.length - 1];
  }
}

/**
 * A log can only lose its tail: an event to drop that comes before a kept event on the same
 * drive is kept too (rolled forward elsewhere) rather than cut out of the middle of a log.
 */
function keepWhatPrecedesKeptEvents(tails: Map<Drive, string[]>, kept: Set<string>): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const tail of tails.values()) {
      let lastKept = -1;
      tail.forEach((id, i) => kept.has(id) && (lastKept = i));
      for (let i = 0; i < lastKept; i++) {
        if (!kept.has(tail[i])) {
          kept.add(tail[i]);
          changed = true;
        }
      }
    }
  }
}

/** Appends a peer's event to a drive that lacks it; returns true when its inline shard could not be rebuilt. */
export async function rollForward(set: ErasureSet, drive: Drive, id: string, holders: Drive[]): Promise<boolean> {
  const logged = (await holders[0].readEvent(id))!;
  const event = upcastEvent(JSON.parse(logged.json)) as CairnEvent;
  let shard: Buffer | undefined;
  let shardMissing = false;
  if (event.type === 'ObjectPut' && event.version.data.kind === 'inline') {
    const layout = event.version.data.layout;
    const streams: Array<Buffer | undefined> = new Array(layout.dataShards + layout.parityShards).fill(undefined);
    for (const holder of holders) streams[layout.distribution[holder.slot]] = (await holder.readEvent(id))?.inline;
    shard = await rebuildShardStream(set.codec, layout, event.version.size, streams, layout.distribution[drive.slot]);
    shardMissing = shard === undefined;
  }
  await drive.appendEvent(await drive.entryFor(event, logged.json), shard);
  return shardMissing;
}
