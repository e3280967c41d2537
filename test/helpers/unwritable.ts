/**
 * Makes a directory unwritable even for root (tests run as root in CI): the immutable
 * attribute when we are root, plain permissions otherwise. Returns the undo.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';

export function makeUnwritable(dir: string): () => void {
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', dir]);
    return () => execFileSync('chattr', ['-i', dir]);
  }
  chmodSync(dir, 0o555);
  return () => chmodSync(dir, 0o755);
}

/**
 * Makes a drive directory read-only while a server uses it: every directory and file gets the
 * immutable attribute, so creating, renaming, deleting and writing all fail with EPERM, also
 * through files the server already holds open (LMDB's data file, staging files). Root only.
 *
 * LMDB's lock file (cairn.lmdb-lock) is left writable: it is mapped into memory and readers
 * register in it with plain stores, and a store into an immutable mapped file is a SIGBUS
 * that ends the process. What this simulates is a drive whose writes fail while its reads
 * work; a filesystem remounted read-only by the kernel is not tested here.
 */
export function makeDriveReadOnly(drive: string): () => void {
  if (process.getuid?.() !== 0) throw new Error('makeDriveReadOnly needs root (chattr +i)');
  execFileSync('chattr', ['-R', '+i', drive]);
  execFileSync('chattr', ['-i', `${drive}/cairn.lmdb-lock`]);
  return () => execFileSync('chattr', ['-R', '-i', drive]);
}
