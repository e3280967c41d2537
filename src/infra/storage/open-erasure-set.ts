/**
 * Opening the drives at start-up: probe every path, create a new deployment or check that
 * the drives belong to one, place each drive in its slot, and decide whether cairn may run.
 * Anything that must stop start-up is a StartupRefusal with a one-line reason.
 */
import { promises as fs } from 'node:fs';
import { layoutForDrives, type ErasureLayout } from '../../domain/rules/erasure-layout';
import type { Drive } from '../drives/drive';
import { newDeploymentFormats, slotOf, writeFormat, type DriveFormat } from '../drives/drive-format';
import { DriveInUseError, lockDrive } from '../drives/drive-lock';
import { isHealPending, markHealPending } from '../drives/heal-marker';
import { probeDrive, type DriveProbe } from '../drives/drive-probe';
import { LocalDrive } from '../drives/local-drive';
import { findUnusableDatabases } from '../eventlog/database-check';
import { unlessDamaged } from '../eventlog/database-damage';
import { UnavailableDrive } from '../drives/unavailable-drive';
import { ErasureSet } from './erasure-set';
import { reconcileLogs, type ReconciliationReport } from './log-reconciliation';
import { recoverStagedShards } from './staging-recovery';

export class StartupRefusal extends Error {}

export interface OpenedSet {
  readonly set: ErasureSet;
  readonly deploymentId: string;
  readonly created: boolean;
  /** What start-up reconciliation of the drives' logs did. */
  readonly reconciliation: ReconciliationReport;
  /** Drives formatted as replacements for lost ones, now or in a run that did not finish healing them. */
  readonly replaced: readonly string[];
  /** Releases the drive locks (after the set is closed). */
  readonly unlock: () => Promise<void>;
}

export async function openErasureSet(paths: readonly string[], options: { parity?: number } = {}): Promise<OpenedSet> {
  if (paths.length === 0) throw new StartupRefusal('no drives given: cairn server DRIVE... (for example ./data/disk{1...4})');
  const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
  if (duplicate) throw new StartupRefusal(`drive ${duplicate} is named twice`);
  const defaultLayout = layoutForDrives(paths.length, options.parity);
  if ('problem' in defaultLayout) throw new StartupRefusal(defaultLayout.problem);

  let probes = await Promise.all(paths.map(probeDrive));
  const unwritable = probes.find((p) => p.state === 'unwritable');
  if (unwritable && unwritable.state === 'unwritable') throw new StartupRefusal(`drive ${unwritable.path} is not writable (${unwritable.reason})`);

  let created = false;
  if (!probes.some((p) => p.state === 'formatted')) {
    probes = await createDeployment(probes, defaultLayout);
    created = true;
  }
  const { layout, deploymentId, reference } = checkDeployment(probes);

  const unlocks: Array<() => Promise<void>> = [];
  const drives: Drive[] = new Array(layout.drives);
  const freePaths = probes.filter((p) => p.state !== 'formatted');
  const formatted = probes.filter((p): p is Extract<DriveProbe, { state: 'formatted' }> => p.state === 'formatted');
  try {
    for (const probe of formatted) unlocks.push(await lockDrive(probe.path));
    // Locked first: no other server opens a database while a child opens it to check it.
    const unusable = await findUnusableDatabases(formatted.map((p) => p.path), { readOnly: false });
    for (const probe of formatted) {
      const slot = slotOf(probe.format);
      const reason = unusable.get(probe.path);
      drives[slot] = reason ? new UnavailableDrive(slot, probe.path, reason) : await openLocal(probe.path, probe.format);
    }
  } catch (error) {
    await Promise.all(unlocks.map((unlock) => unlock()));
    if (error instanceof DriveInUseError) throw new StartupRefusal(error.message);
    throw error;
  }
  // A free slot takes an empty directory as the replacement of the drive it lost.
  const fresh = new Set<Drive>();
  for (let slot = 0; slot < layout.drives; slot++) {
    if (drives[slot]) continue;
    const probe = freePaths.shift();
    if (probe && (await isEmptyReplacement(probe))) {
      const format: DriveFormat = { ...reference, driveId: reference.set.drives[slot] };
      await markHealPending(probe.path);
      await writeFormat(probe.path, format);
      unlocks.push(await lockDrive(probe.path));
      drives[slot] = await openLocal(probe.path, format);
      if (drives[slot].state === 'online') fresh.add(drives[slot]);
      continue;
    }
    drives[slot] = new UnavailableDrive(slot, probe?.path ?? `(slot ${slot + 1})`, probe ? describeProbe(probe) : 'not given');
  }

  await refuseTooManyOffline(drives, layout, unlocks);
  const set = new ErasureSet(drives, layout);
  // Logs first (which events exist), then each drive's staged files (decided by its log).
  const reconciliation = await reconcileLogs(set, fresh);
  // A drive that reads a damaged value here goes offline: the set goes on without it, if it can.
  for (const drive of set.online()) {
    if (drive instanceof LocalDrive) await unlessDamaged(drive, () => recoverStagedShards(drive));
  }
  await refuseTooManyOffline(drives, layout, unlocks);
  return {
    set,
    deploymentId,
    created,
    reconciliation,
    replaced: await drivesPendingHeal(set),
    unlock: async () => {
      await Promise.all(unlocks.map((unlock) => unlock()));
    },
  };
}

/** More drives offline than the parity allows: nothing could be read or written safely. */
async function refuseTooManyOffline(drives: readonly Drive[], layout: ErasureLayout, unlocks: ReadonlyArray<() => Promise<void>>): Promise<void> {
  const offline = drives.filter((d) => d.state !== 'online');
  if (offline.length <= layout.parityShards) return;
  await Promise.all(drives.map((d) => d.close()));
  await Promise.all(unlocks.map((unlock) => unlock()));
  const list = offline.map((d) => `${d.label} (${d.offlineReason})`).join(', ');
  throw new StartupRefusal(`${offline.length} of ${layout.drives} drives are offline, at most ${layout.parityShards} may be: ${list}`);
}

function describeProbe(probe: DriveProbe): string {
  switch (probe.state) {
    case 'missing':
      return 'missing';
    case 'unreadable':
      return `unreadable: ${probe.reason}`;
    case 'unformatted':
      return 'not formatted and not empty (a replacement drive must be an empty directory)';
    default:
      return probe.state;
  }
}

async function createDeployment(probes: DriveProbe[], layout: ErasureLayout): Promise<DriveProbe[]> {
  const unreadable = probes.find((p) => p.state === 'unreadable');
  if (unreadable && unreadable.state === 'unreadable') {
    throw new StartupRefusal(`cannot create a deployment: drive ${unreadable.path} is unreadable (${unreadable.reason})`);
  }
  const formats = newDeploymentFormats(probes.length, layout);
  for (const [i, probe] of probes.entries()) {
    await fs.mkdir(probe.path, { recursive: true });
    const recheck = await probeDrive(probe.path);
    if (recheck.state === 'unwritable') throw new StartupRefusal(`drive ${probe.path} is not writable (${recheck.reason})`);
    await writeFormat(probe.path, formats[i]);
  }
  return probes.map((probe, i) => ({ path: probe.path, state: 'formatted', format: formats[i] }));
}

async function drivesPendingHeal(set: ErasureSet): Promise<string[]> {
  const pending: string[] = [];
  for (const drive of set.online()) if (await isHealPending(drive.label)) pending.push(drive.label);
  return pending;
}

/** An existing, writable, empty directory: a new drive put in place of a lost one. */
async function isEmptyReplacement(probe: DriveProbe): Promise<boolean> {
  if (probe.state !== 'unformatted') return false;
  return (await fs.readdir(probe.path)).length === 0;
}

function checkDeployment(probes: DriveProbe[]): { layout: ErasureLayout; deploymentId: string; reference: DriveFormat } {
  const formatted = probes.filter((p): p is Extract<DriveProbe, { state: 'formatted' }> => p.state === 'formatted');
  const counts = new Map<string, number>();
  for (const p of formatted) counts.set(p.format.deploymentId, (counts.get(p.format.deploymentId) ?? 0) + 1);
  const deploymentId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const stranger = formatted.find((p) => p.format.deploymentId !== deploymentId);
  if (stranger) {
    throw new StartupRefusal(`drive ${stranger.path} belongs to another deployment (${stranger.format.deploymentId}) than the other drives (${deploymentId})`);
  }
  const reference = formatted[0].format;
  if (reference.set.drives.length !== probes.length) {
    throw new StartupRefusal(`the deployment has ${reference.set.drives.length} drives but ${probes.length} were given`);
  }
  const seen = new Map<number, string>();
  for (const p of formatted) {
    const slot = slotOf(p.format);
    const other = seen.get(slot);
    if (other) throw new StartupRefusal(`drives ${other} and ${p.path} are the same drive (slot ${slot + 1}): one is a copy of the other`);
    seen.set(slot, p.path);
  }
  const { dataShards, parityShards, blockSize } = reference.set;
  return {
    layout: { drives: probes.length, dataShards, parityShards, blockSize },
    deploymentId,
    reference,
  };
}

async function openLocal(drivePath: string, format: DriveFormat): Promise<Drive> {
  try {
    return await LocalDrive.open(drivePath, format);
  } catch (error) {
    return new UnavailableDrive(slotOf(format), drivePath, `cannot open: ${error instanceof Error ? error.message : String(error)}`);
  }
}
