/**
 * One server per drive: a lock file naming the process that uses the drive. A lock left by
 * a process that no longer runs (kill -9) is taken over.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const LOCK_FILE = 'cairn.pid';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DriveInUseError extends Error {}

export async function lockDrive(drivePath: string): Promise<() => Promise<void>> {
  const file = path.join(drivePath, LOCK_FILE);
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  const holder = existing ? Number.parseInt(existing, 10) : NaN;
  if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
    throw new DriveInUseError(`drive ${drivePath} is in use by another cairn process (pid ${holder})`);
  }
  await fs.writeFile(file, `${process.pid}\n`);
  return async () => {
    const current = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (current?.trim() === String(process.pid)) await fs.unlink(file).catch(() => undefined);
  };
}
