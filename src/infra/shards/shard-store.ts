/**
 * Shard files on one drive:
 *   tmp/<dataDir>.shard            staged: written and fsynced, not yet known to be committed
 *   shards/<xx>/<dataDir>.shard    committed (xx = last two hex digits of the data dir id)
 *   tmp/<dataDir>.heal             a shard being rebuilt by healing (never committed by a
 *                                  start-up: a crash mid-heal leaves a stray that is deleted)
 *
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

export class ShardStore {
  private readonly stagingSync: CoalescedSync;
  /** Whether shard files are written with O_DIRECT (decided by `prepare`). */
  private direct = false;

  constructor(private readonly root: string) {
    this.stagingSync = new CoalescedSync(path.join(root, STAGING_DIR));
  }

  /** Creates the directory layout (idempotent). */
  async prepare(): Promise<void> {
    await fs.mkdir(path.join(this.root, STAGING_DIR), { recursive: true });
    const fanout = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
    await Promise.all(fanout.map((xx) => fs.mkdir(path.join(this.root, SHARDS_DIR, xx), { recursive: true })));
    this.direct = await supportsDirectIo(path.join(this.root, STAGING_DIR));
  }

  stagedPath(dataDir: string): string {
    return path.join(this.root, STAGING_DIR, dataDir + SUFFIX);
  }

  committedPath(dataDir: string): string {
    return path.join(this.root, SHARDS_DIR, dataDir.slice(-2), dataDir + SUFFIX);
  }

  createWriter(dataDir: string): Promise<ShardFileWriter> {
    return ShardFileWriter.create(this.stagedPath(dataDir), this.direct);
  }

  /** A writer for a rebuilt copy of a committed shard file (removes a stale one first). */
  async createHealWriter(dataDir: string): Promise<ShardFileWriter> {
    await fs.rm(this.healPath(dataDir), { force: true });
    return ShardFileWriter.create(this.healPath(dataDir), this.direct);
  }

  /** Puts a rebuilt (written, fdatasynced) shard file in place of a missing or damaged one. */
  async commitHealed(dataDir: string): Promise<void> {
    await this.stagingSync.sync();
    await fs.rename(this.healPath(dataDir), this.committedPath(dataDir));
    await syncDirectory(path.dirname(this.committedPath(dataDir)));
  }

  private healPath(dataDir: string): string {
    return path.join(this.root, STAGING_DIR, dataDir + '.heal');
  }

  /** Makes the staging directory's entries durable; concurrent callers share one fsync. */
  syncStaging(): Promise<void> {
    return this.stagingSync.sync();
  }

  /** Moves a staged file into place once its event is committed (idempotent). */
  async commit(dataDir: string): Promise<void> {
    try {
      // On the calling thread: a rename of a directory entry does not wait for the device
      // (nothing is synced: start-up recovery redoes it), and the thread-pool round trip
      // cost more CPU than the call (docs/performance.md).
      renameSync(this.stagedPath(dataDir), this.committedPath(dataDir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Opens a shard file for reading: committed, or still staged. */
  async open(dataDir: string): Promise<ShardFileReader> {
    try {
      return new ShardFileReader(await openFile(this.committedPath(dataDir), 'r'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return new ShardFileReader(await openFile(this.stagedPath(dataDir), 'r'));
    }
  }

  async remove(dataDir: string): Promise<void> {
    await Promise.all([fs.unlink(this.committedPath(dataDir)), fs.unlink(this.stagedPath(dataDir))].map((p) => p.catch(() => undefined)));
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

/**
 * fsync of one directory shared by concurrent callers: a caller that arrives while a sync
 * runs waits for the next one (the running one may have started before its write).
 */
class CoalescedSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  sync(): Promise<void> {
    if (!this.running) return (this.running = this.run());
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.sync();
    });
    return this.queued;
  }

  private async run(): Promise<void> {
    try {
      await syncDirectory(this.dir);
    } finally {
      this.running = undefined;
    }
  }
}
