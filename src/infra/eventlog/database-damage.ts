/**
 * What a damaged database looks like once it is open. LMDB keeps no checksums of its pages:
 * the start-up check (database-check.ts) finds damage in the structure of the tree, but bytes
 * changed inside a stored value show only when that value is read, as JSON that no longer
 * parses, or as an LMDB error when a page is not what the tree says it is. Either means the
 * drive's copy of the state cannot be trusted; its peers hold the same state, so the drive is
 * taken offline and the read asked of another one.
 */
import { DATABASE_FILE } from './drive-database';

/** The reason a damaged drive is offline, as the operator reads it. */
export const damageReason = (finding: string) =>
  `its database ${DATABASE_FILE} is damaged: ${finding}; move the file aside to have the drive refilled from the others`;

/** LMDB's own words for a tree it cannot follow (lmdb.h); other errors, such as running out of reader slots, are not damage. */
const DAMAGE_CODES = /\bMDB_(CORRUPTED|PAGE_NOTFOUND|PANIC|BAD_TXN|INVALID)\b/;

/** Whether an error thrown by reading a drive's database is a symptom of damage to its file. */
export function isDamageSymptom(error: unknown): boolean {
  // Every value is written by JSON.stringify: one that does not parse was changed on disk.
  if (error instanceof SyntaxError) return true;
  return error instanceof Error && DAMAGE_CODES.test(error.message);
}

/** A read of a drive's database found it damaged; the drive has taken itself offline. */
export class DatabaseDamagedError extends Error {}

/**
 * Runs `work` on one drive. A drive that finds its database damaged meanwhile has taken itself
 * offline, and the caller goes on without it; any other failure is the caller's.
 */
export async function unlessDamaged(drive: { readonly state: string }, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof DatabaseDamagedError) || drive.state === 'online') throw error;
  }
}
