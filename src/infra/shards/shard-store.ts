/**
 * Where one drive keeps the shards that are not inline.
 *
 * Shards whose size is known in advance and at most MAX_SEGMENT_SHARD go into the drive's
 * segment files (segment-files.ts): an extent is reserved (extent-allocator.ts), written and
 * fdatasynced; the drive's placement table (data dir id -> extent, in the drive's LMDB
 * environment) gets its row when the extent is reserved, durable before the event is
 * appended (see `segmentWriter`). Free space is only
 * ever derived from the rows: start-up drops the rows nothing references
 * (`dropUnreferencedPlacements`), so a crash leaks nothing. A removed shard's extent is free
 * once its row is gone and the reads that began before have ended (release-after-reads.ts).
 *
 * Other shards are files:
 *   tmp/<dataDir>.shard            staged: written and fsynced, not yet known to be committed
 *   shards/<xx>/<dataDir>.shard    committed (xx = last two hex digits of the data dir id)
 *   tmp/<dataDir>.heal             a shard being rebuilt by healing (never committed by a
 *                                  start-up: a crash mid-heal leaves a stray that is deleted)
 * A shard file is staged, fsynced, then its ObjectPut event is committed (the commit point),
 * then it is renamed into shards/. A crash can leave staged files behind; at start-up each
 * is either committed (the log has its event: finish the rename) or not (delete it). Reads
 * look in shards/ first and fall back to tmp/ for the instant between commit and rename.
 */
import { randomBytes } from 'node:crypto';
import { constants, open, promises as fs, renameSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { syncDirectory } from '../drives/drive-format';
import { DIRECT_IO_ALIGNMENT, releaseAligned, tryAcquireAligned } from './aligned-buffers';
import { ShardFileReader } from './shard-file-reader';
import { ShardFileWriter } from './shard-file-writer';
import type { ShardReader, ShardWriter } from '../drives/drive';
import type { Database } from 'lmdb';
import { ExtentAllocator, type Extent } from './extent-allocator';
import { ReleaseAfterReads } from './release-after-reads';
import { SegmentFiles, type SegmentShardWriter } from './segment-files';
import { CoalescedSync } from './coalesced-sync';
import { GroupCommit } from '../eventlog/group-commit';

const openFile = promisify(open);

const STAGING_DIR = 'tmp';
const SHARDS_DIR = 'shards';
const SUFFIX = '.shard';

/** A new data directory id: creation time (for recovery scans) then randomness (for fan-out). */
export function newDataDirId(now: number): string {
  return now.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
}

export function dataDirTime(dataDir: string): number {
  return Number.parseInt(dataDir.slice(0, 12), 16);
}

/** Segment files grow to at most this size. */
export const SEGMENT_BYTES = 1024 * 1024 * 1024;

/**
 * The largest shard (all of its frames on one drive) kept in a segment; larger ones get a
 * file. CAIRN_SEGMENT_SHARD_LIMIT (bytes) changes it; 0 keeps every shard in a file.
 */
export const MAX_SEGMENT_SHARD = segmentShardLimit(process.env.CAIRN_SEGMENT_SHARD_LIMIT);

function segmentShardLimit(setting: string | undefined): number {
  const DEFAULT = 64 * 1024 * 1024;
  if (setting === undefined || setting === '') return DEFAULT;
  const value = Number(setting);
  if (!Number.isSafeInteger(value) || value < 0 || value > SEGMENT_BYTES) throw new Error(`CAIRN_SEGMENT_SHARD_LIMIT must be a byte count from 0 to ${SEGMENT_BYTES}`);
  return value;
}

/** Where a shard stored in a segment is: its extent and its length in bytes. */
export interface Placement extends Extent {
  readonly bytes: number;
}

export class ShardStore {
  private readonly stagingSync: CoalescedSync;
  /** Whether shard files are written with O_DIRECT (decided by `prepare`). */
  private direct = false;
  private segments!: SegmentFiles;
  private allocator!: ExtentAllocator;
  private readonly releases = new ReleaseAfterReads();
  /** Rows being deleted: their shards read as missing already, their extents are not free yet. */
  private readonly removing = new Set<string>();
  /** Healed shards written to a new extent, waiting for `commitHealed`. */
  private readonly healed = new Map<string, Placement>();
  /** Rows found at start-up: the only ones `dropUnreferencedPlacements` may judge (later ones may await their event). */
  private foundAtOpen = new Set<string>();

  constructor(
    private readonly root: string,
    /** The drive's placement table: data dir id -> placement. */
    private readonly placements: Database<Placement, string>,
    /** The drive's group commit (group-commit.ts), shared with its event log. */
    private readonly groupCommit = new GroupCommit(),
  ) {
    this.stagingSync = new CoalescedSync(() => syncDirectory(path.join(root, STAGING_DIR)));
  }

  /** Creates the directory layout (idempotent) and reads which extents are in use. */
  async prepare(): Promise<void> {
    await fs.mkdir(path.join(this.root, STAGING_DIR), { recursive: true });
    const fanout = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
    await Promise.all(fanout.map((xx) => fs.mkdir(path.join(this.root, SHARDS_DIR, xx), { recursive: true })));
    this.direct = await supportsDirectIo(path.join(this.root, STAGING_DIR));
    this.segments = new SegmentFiles(this.root, this.direct);
    const used: Placement[] = [];
    for (const { key, value } of this.placements.getRange()) {
      used.push(value);
      this.foundAtOpen.add(key);
    }
    this.allocator = ExtentAllocator.fromUsed(SEGMENT_BYTES, used);
  }

  /**
   * Start-up, once the log is reconciled: drops the rows of shards nothing references (an
   * upload that never committed, data reclaimed just before a crash) and frees their extents.
   */
  async dropUnreferencedPlacements(isReferenced: (dataDir: string) => boolean): Promise<number> {
    const candidates = this.foundAtOpen;
    this.foundAtOpen = new Set();
    let dropped = 0;
    const removals: Array<Promise<unknown>> = [];
    for (const dataDir of candidates) {
      const placement = this.placementOf(dataDir);
      if (!placement || isReferenced(dataDir)) continue;
      // Queued together (one transaction); each extent freed once its row is gone for good.
      removals.push(this.placements.remove(dataDir).then(() => this.releaseExtent(placement)));
      dropped++;
    }
    await Promise.all(removals);
    return dropped;
  }

  /** Whether this drive has segment files (whatever its placement table says). */
  async hasSegmentFiles(): Promise<boolean> {
    const names = await fs.readdir(this.segments.dir).catch(() => [] as string[]);
    return names.some((name) => name.endsWith('.seg'));
  }

  /** Where this drive's shard of `dataDir` is: a range of a segment file, else its shard file. */
  locate(dataDir: string): { file: string; offset: number; length?: number } {
    const placement = this.placementOf(dataDir);
    if (placement) return { file: this.segments.pathOf(placement.segment), offset: placement.offset, length: placement.bytes };
    return { file: this.committedPath(dataDir), offset: 0 };
  }

  /** The placement of a data dir's shard on this drive, if it is in a segment. */
  placementOf(dataDir: string): Placement | undefined {
    return this.removing.has(dataDir) ? undefined : this.placements.get(dataDir);
  }

  stagedPath(dataDir: string): string {
    return path.join(this.root, STAGING_DIR, dataDir + SUFFIX);
  }

  committedPath(dataDir: string): string {
    return path.join(this.root, SHARDS_DIR, dataDir.slice(-2), dataDir + SUFFIX);
  }

  /**
   * A writer of this drive's shard of `dataDir`: into a segment when its size is known and
   * small enough, else a staged file. `finish` makes it durable either way.
   */
  async createWriter(dataDir: string, shardBytes?: number): Promise<ShardWriter> {
    if (shardBytes !== undefined && shardBytes <= MAX_SEGMENT_SHARD) return this.segmentWriter(dataDir, shardBytes, 'object');
    const writer = await ShardFileWriter.create(this.stagedPath(dataDir), this.direct);
    return {
      get bytesWritten() {
        return writer.bytesWritten;
      },
      write: (buffers) => writer.write(buffers),
      finish: async () => {
        await writer.finish();
        await this.stagingSync.sync();
      },
      abort: () => writer.abort(),
    };
  }

  /** A writer for a rebuilt copy of a committed shard (in a new extent, or a file). */
  async createHealWriter(dataDir: string, shardBytes: number): Promise<ShardWriter> {
    if (shardBytes <= MAX_SEGMENT_SHARD) {
      this.abandonHealed(dataDir);
      return this.segmentWriter(dataDir, shardBytes, 'heal');
    }
    await fs.rm(this.healPath(dataDir), { force: true });
    return ShardFileWriter.create(this.healPath(dataDir), this.direct);
  }

  /** Puts a rebuilt (written, durable) shard in place of a missing or damaged one. */
  async commitHealed(dataDir: string): Promise<void> {
    const previous = this.placementOf(dataDir);
    const healed = this.healed.get(dataDir);
    if (healed) {
      await this.placements.put(dataDir, healed);
      this.healed.delete(dataDir);
      // A shard file it replaces (a drive healed before segments existed) goes too.
      await fs.rm(this.committedPath(dataDir), { force: true });
    } else {
      await this.stagingSync.sync();
      await fs.rename(this.healPath(dataDir), this.committedPath(dataDir));
      await syncDirectory(path.dirname(this.committedPath(dataDir)));
      if (previous) await this.placements.remove(dataDir);
    }
    if (previous) this.releaseExtent(previous);
  }

  /** A heal written but never committed (the healer gave up): its extent is free again. */
  private abandonHealed(dataDir: string): void {
    const healed = this.healed.get(dataDir);
    if (!healed) return;
    this.healed.delete(dataDir);
    this.allocator.free(healed);
  }

  /**
   * A writer into a new extent.
   *
   * An object's shard has its placement row queued as the writer is created and awaited once
   * the bytes are durable: by then the drive has long committed it with other writes, so the
   * wait costs nothing, and the row is durable *before* the event is appended. That order
   * matters: if the drive crashes with the event lost but committed on a quorum, start-up
   * copies the event to it, and the row must be there to say where its shard is (a shard file
   * is found by its name; an extent only through its row). A row whose event never commits
   * is dropped at start-up. A healed shard's row waits for `commitHealed`.
   */
  private async segmentWriter(dataDir: string, shardBytes: number, purpose: 'object' | 'heal'): Promise<ShardWriter> {
    const extent = this.allocator.allocate(shardBytes);
    const placement: Placement = Object.assign({}, extent, { bytes: shardBytes }); // a spread followed by a field is V8's slow path
    let writer: SegmentShardWriter;
    try {
      writer = await this.segments.writer(extent, shardBytes);
    } catch (error) {
      this.allocator.free(extent);
      throw error;
    }
    // Through the drive's group commit: under load the row rides in a transaction with other
    // rows and events (it has until the shard is durable), not in one of its own.
    const placed = purpose === 'object' ? this.groupCommit.run(() => this.placements.put(dataDir, placement)).then(() => undefined) : undefined;
    placed?.catch(() => undefined); // awaited by finish or abort
    let finished = false;
    return {
      get bytesWritten() {
        return writer.bytesWritten;
      },
      write: (buffers) => writer.write(buffers),
      finish: async () => {
        await writer.finish();
        await placed;
        finished = true;
        if (purpose === 'heal') this.healed.set(dataDir, placement);
      },
      // The upload or heal failed (before or after `finish`): nothing references the shard.
      abort: async () => {
        await writer.abort();
        if (purpose === 'heal') {
          // Unless it was committed (then it is the shard) or another heal took its place.
          if (!finished) this.allocator.free(extent);
          else if (this.healed.get(dataDir) === placement) this.abandonHealed(dataDir);
          return;
        }
        // Its row may be committed: once its removal is, the extent is free (after any read).
        await placed!.catch(() => undefined);
        await this.placements.remove(dataDir);
        this.releaseExtent(extent);
      },
    };
  }

  /** Frees an extent once the reads that may still use it are done. */
  private releaseExtent(extent: Extent): void {
    this.releases.afterCurrentReads(() => this.allocator.free(extent));
  }

  private healPath(dataDir: string): string {
    return path.join(this.root, STAGING_DIR, dataDir + '.heal');
  }

  /** Moves a staged file into place once its event is committed (idempotent; nothing to do for a segment's shard). */
  async commit(dataDir: string): Promise<void> {
    if (this.placementOf(dataDir)) return;
    try {
      // On the calling thread: a rename of a directory entry does not wait for the device
      // (nothing is synced: start-up recovery redoes it), and the thread-pool round trip
      // cost more CPU than the call (docs/performance.md).
      renameSync(this.stagedPath(dataDir), this.committedPath(dataDir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Opens a shard for reading: in a segment, or a file committed or still staged. */
  async open(dataDir: string): Promise<ShardReader> {
    const placement = this.placementOf(dataDir);
    if (placement) {
      // Entered before the first await: the extent is not freed while this reader lives.
      const epoch = this.releases.enter();
      try {
        const reader = await this.segments.reader(placement, placement.bytes);
        let left = false;
        return {
          read: (offset, length, into) => reader.read(offset, length, into),
          size: () => reader.size(),
          close: async () => {
            if (!left) this.releases.leave(epoch);
            left = true;
          },
        };
      } catch (error) {
        this.releases.leave(epoch);
        throw error;
      }
    }
    try {
      return new ShardFileReader(await openFile(this.committedPath(dataDir), 'r'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return new ShardFileReader(await openFile(this.stagedPath(dataDir), 'r'));
    }
  }

  /**
   * Frees a shard committed state no longer references: a file is deleted; a segment's
   * extent is freed once its row is gone and every read that started before has ended.
   */
  async remove(dataDir: string): Promise<void> {
    const placement = this.placementOf(dataDir);
    if (placement) {
      this.removing.add(dataDir);
      try {
        // Reclaimed after an overwrite or a delete, with nobody waiting: it rides with the next group.
        await this.groupCommit.run(() => this.placements.remove(dataDir));
      } finally {
        this.removing.delete(dataDir);
      }
      this.releaseExtent(placement);
      return;
    }
    await Promise.all([fs.unlink(this.committedPath(dataDir)), fs.unlink(this.stagedPath(dataDir))].map((p) => p.catch(() => undefined)));
  }

  async close(): Promise<void> {
    await this.segments?.close();
  }

  /** Data dir ids of every staged file (start-up recovery). */
  async stagedDataDirs(): Promise<string[]> {
    const names = await fs.readdir(path.join(this.root, STAGING_DIR));
    return names.filter((name) => name.endsWith(SUFFIX)).map((name) => name.slice(0, -SUFFIX.length));
  }

  /** Removes everything else left in the staging directory (partial writes of a crash). */
  async removeStrays(): Promise<void> {
    const names = await fs.readdir(path.join(this.root, STAGING_DIR));
    await Promise.all(
      names.filter((name) => !name.endsWith(SUFFIX)).map((name) => fs.rm(path.join(this.root, STAGING_DIR, name), { force: true, recursive: true })),
    );
  }
}

/**
 * Whether files in `dir` can be written with O_DIRECT (tmpfs, for one, refuses it): a probe
 * file is written once and removed. The probe's name does not end in `.shard`, so a crash
 * leaves it to `removeStrays`.
 */
async function supportsDirectIo(dir: string): Promise<boolean> {
  if (constants.O_DIRECT === undefined) return false;
  const probe = path.join(dir, `direct-io-probe-${process.pid}`);
  const buffer = tryAcquireAligned();
  if (!buffer) return false;
  try {
    const handle = await fs.open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT);
    try {
      await handle.write(buffer, 0, DIRECT_IO_ALIGNMENT, 0);
    } finally {
      await handle.close();
    }
    return true;
  } catch {
    return false;
  } finally {
    releaseAligned(buffer);
    await fs.rm(probe, { force: true });
  }
}
