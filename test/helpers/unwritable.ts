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
