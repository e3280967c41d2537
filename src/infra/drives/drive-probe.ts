/**
 * What a drive path looks like at start-up, before anything is opened.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readFormat, type DriveFormat } from './drive-format';

export type DriveProbe =
  | { readonly path: string; readonly state: 'missing' }
  | { readonly path: string; readonly state: 'unreadable'; readonly reason: string }
  | { readonly path: string; readonly state: 'unwritable'; readonly reason: string }
  | { readonly path: string; readonly state: 'unformatted' }
  | { readonly path: string; readonly state: 'formatted'; readonly format: DriveFormat };

const WRITE_PROBE = '.cairn-write-probe';

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message.replace(/^\w+: /, '')}` : String(error);
}

export async function probeDrive(drivePath: string): Promise<DriveProbe> {
  try {
    const stat = await fs.stat(drivePath);
    if (!stat.isDirectory()) return { path: drivePath, state: 'unwritable', reason: 'not a directory' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path: drivePath, state: 'missing' };
    return { path: drivePath, state: 'unreadable', reason: reasonOf(error) };
  }
  let format: DriveFormat | undefined;
  try {
    format = await readFormat(drivePath);
  } catch (error) {
    return { path: drivePath, state: 'unreadable', reason: reasonOf(error) };
  }
  try {
    const probe = path.join(drivePath, WRITE_PROBE);
    await fs.writeFile(probe, 'cairn');
    await fs.unlink(probe);
  } catch (error) {
    return { path: drivePath, state: 'unwritable', reason: reasonOf(error) };
  }
  return format ? { path: drivePath, state: 'formatted', format } : { path: drivePath, state: 'unformatted' };
}
