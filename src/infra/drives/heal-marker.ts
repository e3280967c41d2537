/**
 * A drive that needs a full heal (an empty replacement formatted into its slot) carries a
 * marker file until a heal scan has rebuilt everything that belongs on it, so a crash
 * mid-heal does not leave it half-filled: the next start-up sees the marker and heals again.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { syncDirectory } from './drive-format';

const MARKER = 'heal-pending';

export async function markHealPending(drivePath: string): Promise<void> {
  await fs.writeFile(path.join(drivePath, MARKER), `${new Date().toISOString()}\n`);
  await syncDirectory(drivePath);
}

export async function isHealPending(drivePath: string): Promise<boolean> {
  return fs.access(path.join(drivePath, MARKER)).then(
    () => true,
    () => false,
  );
}

export async function clearHealPending(drivePath: string): Promise<void> {
  await fs.rm(path.join(drivePath, MARKER), { force: true });
}
