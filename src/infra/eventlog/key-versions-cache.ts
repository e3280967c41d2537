/**
 * The committed versions of recently used keys, newest first, so that a write's decision
 * (and a GET) need not read them from LMDB again: under 16 concurrent small PUTs that read
 * was the largest cost cairn's PUT had over the durable floor (docs/performance.md).
 *
 * Kept exact by its one owner, the drive's ProjectionStore: an entry is filled from LMDB on a
 * miss, and updated by `committed` with the version writes of every commit that succeeded on
 * the drive. Applying a commit's writes is idempotent (a put replaces the version of the same
 * event id, a removal of a missing one changes nothing), so an entry read from LMDB just
 * after the commit, or just before it, ends up the same. Anything else that changes the
 * drive's versions (a failed commit, an undo, a rebuild) clears the cache.
 */
import type { ObjectVersion } from '../../domain/object-version';
import type { ProjectionWrite } from '../../domain/projections/projection';

/** Keys kept; the oldest entry goes first (a Map iterates in insertion order). */
const CAPACITY = 8192;

export class KeyVersionsCache {
  private readonly entries = new Map<string, ObjectVersion[]>();
  /** Keys with version writes queued and not yet reported committed or failed, and how many. */
  private readonly unreported = new Map<string, number>();

  /** Version writes about to be queued: reported later by `committed` or `failed`. */
  queued(writes: readonly ProjectionWrite[]): void {
    for (const write of writes) {
      if (write.op !== 'putVersion' && write.op !== 'removeVersion') continue;
      const id = entryId(write.bucket, write.key);
      this.unreported.set(id, (this.unreported.get(id) ?? 0) + 1);
    }
  }

  hasUnreportedWrites(bucket: string, key: string): boolean {
    return this.unreported.has(entryId(bucket, key));
  }

  get(bucket: string, key: string): readonly ObjectVersion[] | undefined {
    return this.entries.get(entryId(bucket, key));
  }

  /** Remembers a key's versions as just read from LMDB (the array is kept: do not change it). */
  remember(bucket: string, key: string, versions: ObjectVersion[]): void {
    const id = entryId(bucket, key);
    if (!this.entries.has(id) && this.entries.size >= CAPACITY) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, versions);
  }

  /** The version writes of a commit that succeeded, applied to the keys the cache holds. */
  committed(writes: readonly ProjectionWrite[]): void {
    for (const write of writes) {
      if (write.op !== 'putVersion' && write.op !== 'removeVersion') continue;
      const id = entryId(write.bucket, write.key);
      if (this.unreported.size > 0) this.reported(id);
      const versions = this.entries.get(id);
      if (versions === undefined) continue;
      const eventId = write.version.eventId;
      const others = versions.filter((v) => v.eventId !== eventId);
      if (write.op === 'putVersion') {
        // Newest first, as the version keys sort: by the creating event's id, descending.
        const at = others.findIndex((v) => v.eventId < eventId);
        others.splice(at < 0 ? others.length : at, 0, write.version);
      }
      this.entries.set(id, others);
    }
  }

  /** The version writes of a commit that failed: what the drive holds is no longer known here. */
  failed(writes: readonly ProjectionWrite[]): void {
    if (this.unreported.size > 0) {
      for (const write of writes) if (write.op === 'putVersion' || write.op === 'removeVersion') this.reported(entryId(write.bucket, write.key));
    }
    this.entries.clear();
  }

  clear(): void {
    this.entries.clear();
  }

  private reported(id: string): void {
    const count = this.unreported.get(id) ?? 0;
    if (count > 1) this.unreported.set(id, count - 1);
    else this.unreported.delete(id);
  }
}

function entryId(bucket: string, key: string): string {
  return bucket + '\u0000' + key;
}
