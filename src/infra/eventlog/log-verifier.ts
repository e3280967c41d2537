/**
 * `cairn admin audit verify`: walks the logs of every drive of a set side by side, in event id
 * order (every drive appends in id order), holding one record per drive at a time.
 *
 * - Each drive's chain is checked record by record (ChainWalker): seq, prevHash, hash, id.
 * - The drives must agree on the events they share: the same JSON for the same id.
 * - A drive that lacks an event its peers hold while it holds later ones has a hole in its
 *   log (an event removed); one that merely ends earlier is *behind* (it was offline, or
 *   start-up reconciliation has not caught it up yet): reported, but not a finding.
 * - An event only a minority of drives hold, in the middle of the others' logs, is reported
 *   on the drives that hold it (inserted), not as holes in the majority.
 */
import type { Database } from 'lmdb';
import { ChainWalker, type VerifyFinding } from './chain-walker';
import { genesisHash } from './event-record';
import { rawRecords, type RawRecord } from './log-pages';

export type { VerifyFinding } from './chain-walker';

/** A drive whose log can be read: its label, identity (format.json) and events database. */
export interface AuditedDrive {
  readonly label: string;
  readonly deploymentId: string;
  readonly driveId: string;
  readonly events: Database<Buffer, Buffer>;
}

export interface UnreadableDrive {
  readonly label: string;
  readonly reason: string;
}

export interface DriveSummary {
  readonly drive: string;
  readonly records: number;
  /** The newest record's seq and hash (hex; the genesis hash for an empty log). */
  readonly head?: { readonly seq: number; readonly hash: string };
  /** Events its peers hold after its last record. */
  readonly behind: number;
  /** Why the drive could not be verified. */
  readonly unreadable?: string;
  readonly firstBad?: VerifyFinding;
}

export interface VerifyReport {
  /** True when every readable drive's log is intact, they agree, and no drive was unreadable. */
  readonly ok: boolean;
  /** Distinct events seen across the drives. */
  readonly events: number;
  readonly drives: readonly DriveSummary[];
  /** The findings in log order (at most MAX_FINDINGS). */
  readonly findings: readonly VerifyFinding[];
  readonly findingCount: number;
}

export const MAX_FINDINGS = 1000;

interface Cursor {
  readonly walker: ChainWalker;
  readonly records: AsyncIterator<RawRecord>;
  head: RawRecord | undefined;
  behind: number;
}

export async function verifyLogs(drives: readonly AuditedDrive[], unreadable: readonly UnreadableDrive[] = []): Promise<VerifyReport> {
  const findings: VerifyFinding[] = [];
  let findingCount = 0;
  const report = (finding: VerifyFinding) => {
    findingCount++;
    if (findings.length < MAX_FINDINGS) findings.push(finding);
  };
  const firstBad = new Map<string, VerifyFinding>();
  const note = (finding: VerifyFinding | undefined) => {
    if (!finding) return;
    report(finding);
    if (!firstBad.has(finding.drive)) firstBad.set(finding.drive, finding);
  };

  const deployments = new Set(drives.map((drive) => drive.deploymentId));
  if (deployments.size > 1) {
    for (const drive of drives) note({ drive: drive.label, seq: 0, eventId: '', problem: `format.json names deployment ${drive.deploymentId}: the drives are not one set` });
  }

  const cursors: Cursor[] = drives.map((drive) => ({
    walker: new ChainWalker(drive.label, genesisHash(drive.deploymentId, drive.driveId)),
    records: rawRecords(drive.events)[Symbol.asyncIterator](),
    head: undefined,
    behind: 0,
  }));
  const advance = async (cursor: Cursor) => {
    const next = await cursor.records.next();
    cursor.head = next.done ? undefined : next.value;
  };
  await Promise.all(cursors.map(advance));

  let events = 0;
  for (;;) {
    const live = cursors.filter((cursor) => cursor.head !== undefined);
    if (live.length === 0) break;
    const id = live.map((cursor) => cursor.head!.id).reduce((min, candidate) => (candidate < min ? candidate : min));
    const holders = live.filter((cursor) => cursor.head!.id === id);
    const lacking = live.filter((cursor) => cursor.head!.id !== id);
    events++;
    for (const cursor of cursors) if (cursor.head === undefined) cursor.behind++;

    const checked = holders.map((cursor) => ({ cursor, result: cursor.walker.check(id, cursor.head!.bytes) }));
    for (const { result } of checked) note(result.finding);

    if (lacking.length > holders.length) {
      for (const { cursor } of checked) {
        note({ drive: cursor.walker.drive, seq: cursor.walker.nextSeq - 1, eventId: id, problem: `event not held by ${lacking.length} peer(s) that hold later events: inserted` });
      }
    } else {
      for (const cursor of lacking) {
        note({ drive: cursor.walker.drive, seq: cursor.walker.nextSeq, eventId: id, problem: `missing: ${holders.length} peer(s) hold this event and the drive holds later ones` });
      }
    }

    const outliers = disagreeing(checked.map(({ cursor, result }) => ({ cursor, json: result.json })));
    for (const { cursor, agreeing } of outliers) {
      note({ drive: cursor.walker.drive, seq: cursor.walker.nextSeq - 1, eventId: id, problem: `event differs from the one ${agreeing} peer(s) hold` });
    }
    await Promise.all(holders.map(advance));
  }

  const summaries: DriveSummary[] = [
    ...cursors.map((cursor) => ({
      drive: cursor.walker.drive,
      records: cursor.walker.records,
      head: cursor.walker.head,
      behind: cursor.behind,
      ...(firstBad.has(cursor.walker.drive) ? { firstBad: firstBad.get(cursor.walker.drive) } : {}),
    })),
    ...unreadable.map((drive) => ({ drive: drive.label, records: 0, behind: 0, unreadable: drive.reason })),
  ];
  return { ok: findingCount === 0 && unreadable.length === 0 && drives.length > 0, events, drives: summaries, findings, findingCount };
}

/** Holders whose JSON differs from the most common JSON among them. */
function disagreeing(held: ReadonlyArray<{ cursor: Cursor; json: string | undefined }>): Array<{ cursor: Cursor; agreeing: number }> {
  const counts = new Map<string, number>();
  for (const { json } of held) if (json !== undefined) counts.set(json, (counts.get(json) ?? 0) + 1);
  if (counts.size <= 1) return [];
  const [majority, agreeing] = [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  return held.filter(({ json }) => json !== undefined && json !== majority).map(({ cursor }) => ({ cursor, agreeing }));
}
