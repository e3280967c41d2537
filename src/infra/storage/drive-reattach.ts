/**
 * Bringing an offline drive back while the server runs: a drive that returns (its directory
 * is readable again and still names its slot) or an empty directory put in place of a lost
 * one (formatted into the slot, marked for a full heal). Either way it first drops the events
 * its peers do not hold (appends that never reached a write quorum) and receives every event
 * it lacks, with appends held (ErasureSet.exclusive), then takes its slot; its shard files are
 * rebuilt afterwards by healing.
 */
import { promises as fs } from 'node:fs';
import type { Drive } from '../drives/drive';
import { slotOf, writeFormat, type DriveFormat } from '../drives/drive-format';
import { lockDrive } from '../drives/drive-lock';
import { markHealPending } from '../drives/heal-marker';
import { probeDrive } from '../drives/drive-probe';
import { LocalDrive } from '../drives/local-drive';
import { findUnusableDatabases } from '../eventlog/database-check';
import type { ErasureSet } from './erasure-set';
import { idsAfter, rollForward } from './log-reconciliation';
import { recoverStagedShards } from './staging-recovery';

export type Reattachment = 'returned' | 'replaced';

/** Tries to bring the drive of an offline slot back; undefined when its directory is not usable yet. */
export async function reattachDrive(set: ErasureSet, offline: Drive): Promise<Reattachment | undefined> {
  const reference = set.online().find((drive): drive is LocalDrive => drive instanceof LocalDrive)?.format;
  if (!reference) return undefined;
  const probe = await probeDrive(offline.label);
  let format: DriveFormat;
  let kind: Reattachment;
  if (probe.state === 'formatted' && probe.format.deploymentId === reference.deploymentId && slotOf(probe.format) === offline.slot) {
    format = probe.format;
    kind = 'returned';
  } else if (probe.state === 'unformatted' && (await fs.readdir(offline.label)).length === 0) {
    format = { ...reference, driveId: reference.set.drives[offline.slot] };
    await markHealPending(offline.label);
    await writeFormat(offline.label, format);
    kind = 'replaced';
  } else {
    return undefined;
  }

  await offline.close().catch(() => undefined); // a stale environment of the lost directory
  await lockDrive(offline.label);
  // Thrown, not "not yet": the watcher then says why and backs off (a hung disk costs a
  // 30 s check each time).
  const unusable = (await findUnusableDatabases([offline.label], { readOnly: false })).get(offline.label);
  if (unusable) throw new Error(unusable);
  const drive = await LocalDrive.open(offline.label, format);
  try {
    await set.exclusive(async () => {
      const source = set.online()[0];
      await dropUnacknowledgedTail(drive, source);
      for (const id of await idsAfter(source, drive.lastEventId())) await rollForward(set, drive, id, set.online());
      set.replaceDrive(drive);
    });
  } catch (error) {
    await drive.close();
    throw error;
  }
  await recoverStagedShards(drive);
  return kind;
}

/**
 * Rolls back the events at the end of a returning drive's log that its peers do not hold:
 * appends that reached it but not a write quorum (the drive went offline before they could
 * be rolled back, or it completed them late). Every online drive holds every acknowledged
 * event, so those were never acknowledged.
 */
async function dropUnacknowledgedTail(drive: Drive, source: Drive): Promise<void> {
  const PAGE = 1000;
  for (;;) {
    const newest = await drive.eventIdsBackward(undefined, PAGE);
    const stale: string[] = [];
    for (const id of newest) {
      if (await source.hasEvent(id)) break;
      stale.push(id);
    }
    for (const id of stale) await drive.rollBackLastEvent(id);
    if (stale.length < newest.length || newest.length < PAGE) return;
  }
}
