/**
 * format.json: a drive's identity. Written once when the deployment is created (or when a
 * replacement drive joins); read at every start to find which slot of the erasure set a
 * directory is, whatever order the drives are named in on the command line.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const FORMAT_FILE = 'format.json';

export interface DriveFormat {
  readonly format: 'cairn';
  readonly version: 1;
  readonly deploymentId: string;
  /** This drive's id; its slot is its position in `set.drives`. */
  readonly driveId: string;
  readonly set: {
    readonly drives: readonly string[];
    readonly dataShards: number;
    readonly parityShards: number;
    readonly blockSize: number;
  };
}

export function slotOf(format: DriveFormat): number {
  return format.set.drives.indexOf(format.driveId);
}

/** Formats for a brand-new deployment: one per drive, in command-line order. */
export function newDeploymentFormats(drives: number, layout: { dataShards: number; parityShards: number; blockSize: number }): DriveFormat[] {
  const deploymentId = randomUUID();
  const ids = Array.from({ length: drives }, () => randomUUID());
  return ids.map((driveId) => ({
    format: 'cairn',
    version: 1,
    deploymentId,
    driveId,
    set: { drives: ids, dataShards: layout.dataShards, parityShards: layout.parityShards, blockSize: layout.blockSize },
  }));
}

export function parseFormat(text: string): DriveFormat {
  const value = JSON.parse(text) as Partial<DriveFormat>;
  if (value.format !== 'cairn' || value.version !== 1 || !value.deploymentId || !value.driveId || !value.set?.drives) {
    throw new Error('format.json is not a cairn drive format');
  }
  if (!value.set.drives.includes(value.driveId)) throw new Error('format.json names a drive that is not in its own set');
  return value as DriveFormat;
}

export async function readFormat(drivePath: string): Promise<DriveFormat | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(drivePath, FORMAT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseFormat(text);
}

/** Writes format.json durably: temp file, fsync, rename, fsync of the directory. */
export async function writeFormat(drivePath: string, format: DriveFormat): Promise<void> {
  const target = path.join(drivePath, FORMAT_FILE);
  const temp = `${target}.tmp`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(JSON.stringify(format, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, target);
  await syncDirectory(drivePath);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
