/**
 * Finding the drives whose LMDB environment would crash this process, or answer wrongly, if it
 * opened them.
 *
 * LMDB trusts the pages it maps and keeps no checksums: random bytes over a meta page (page 0 or
 * 1 of cairn.lmdb) or a file cut short make opening the environment die of SIGSEGV or SIGBUS;
 * random bytes over a page deeper in a tree make reading it abort (a failed assertion), fail
 * (MDB_CORRUPTED, MDB_PAGE_NOTFOUND, after which every read of that snapshot fails), or, worst,
 * succeed with a cursor that ends early or yields garbage keys: a log that silently looks
 * shorter. Any of these would take every drive of the server down with the one that is damaged,
 * or make an audit trust a truncated log. So before a process opens drives, child processes open
 * each existing database as the caller will (same options, for writing or read-only) and walk
 * every table: every key in order (which visits every branch and leaf page), each strictly
 * greater than the last, as many as the table's own count says it holds, and the values at both
 * ends. A database a child dies on, or whose walk fails or comes up short, is reported damaged,
 * and its drive stays offline while the server starts degraded on the others.
 *
 * Each child checks its share of the drives in turn (one child per core), announcing each
 * before touching it; when it dies of a crash signal, the drive it was on is the damaged one,
 * and a new child goes on with the rest. A child that ends any other way (killed from outside,
 * could not start) blames no drive: the check is tried once more, then the drives are opened
 * unchecked, with a warning. A child that makes no progress for CHECK_TIMEOUT_MS on one drive
 * (a hung disk) is killed and that drive reported unavailable.
 *
 * The walk reads keys, not the values on overflow pages (event records, mostly): about 0.2 s
 * per start-up for a small deployment, ~1 s per drive holding a million events and as many
 * versions (architecture.md has the measurements; the known-keys scan after start-up reads the
 * versions once more, in this process). Damage inside a value (an event record's bytes) is not
 * found here: the audit's hash chain finds it, and shards have their bitrot hashes.
 *
 * An empty file (a crash before LMDB wrote its first pages) is a new database to a writer and
 * fatal to a reader: writers skip it, readers are told it is empty.
 */
import { spawn } from 'node:child_process';
import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { DATABASE_FILE, databaseFileStat, environmentOptions, TABLE_NAMES } from './drive-database';

/** How long a child may go without finishing a drive or reporting progress through one. */
const CHECK_TIMEOUT_MS = 30_000;
/** How a process ends when LMDB read a page it should not have trusted. */
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE']);

/**
 * Run by `node -e` so that it works the same from the compiled server and from the test runner.
 * Lines use writeSync: one written before a crash must reach the parent. An error LMDB raises
 * for a bad page counts as damage; any other (a table a read-only open cannot find, a file it
 * cannot open) is left to the caller's own open, which reports it.
 */
const CHILD_SOURCE = `
const { writeSync } = require('node:fs');
const { open } = require(process.argv[1]);
const tables = JSON.parse(process.argv[2]);
const options = JSON.parse(process.argv[3]);
const files = process.argv.slice(4);
const PROGRESS_EVERY = 65536;
const PAGE_ERROR = /^MDB_(CORRUPTED|PAGE_NOTFOUND|BAD_TXN|INVALID)/;
const say = (line) => writeSync(1, line + '\\n');
const ascending = (a, b) => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return a.length < b.length;
};
function walk(index, name, table) {
  const expected = table.getStats().entryCount;
  let count = 0;
  let previous;
  for (const key of table.getKeys()) {
    if (previous !== undefined && !ascending(previous, key)) return 'its table ' + name + ' has keys out of order after entry ' + count;
    previous = key;
    if (++count % PROGRESS_EVERY === 0) say('progress ' + index);
  }
  if (count !== expected) return 'its table ' + name + ' leads to ' + count + ' of the ' + expected + ' entries it counts';
  for (const entry of table.getRange({ limit: 1 })) void entry.value;
  for (const entry of table.getRange({ limit: 1, reverse: true })) void entry.value;
  return undefined;
}
for (const [index, file] of files.entries()) {
  say('checking ' + index);
  let damage;
  try {
    const root = open({ ...options, path: file });
    for (const name of tables) {
      try {
        damage = walk(index, name, root.openDB({ name, keyEncoding: 'binary', encoding: 'binary' }));
      } catch (error) {
        if (PAGE_ERROR.test(String(error && error.message))) damage = 'reading its table ' + name + ' failed: ' + error.message;
      }
      if (damage) break;
    }
    root.close();
  } catch {}
  say(damage ? 'damaged ' + index + ' ' + damage.replace(/\\s+/g, ' ') : 'survived ' + index);
}
`;

const lmdbEntry = createRequire(__filename).resolve('lmdb');

/**
 * Databases found damaged, by drive, with the file's identity then: an offline drive is
 * rechecked every few seconds, and its unchanged file need not crash another child each time.
 */
const knownDamage = new Map<string, { identity: string; reason: string }>();

/** Which file it is and what it holds, as far as stat tells. */
function identityOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

const damageReason = (finding: string) =>
  `its database ${DATABASE_FILE} is damaged: ${finding}; move the file aside to have the drive refilled from the others`;

/**
 * The drives among `drivePaths` that must not be opened in this process, each with the reason
 * to report. A drive whose file cannot even be stat'ed is left to the caller's open, which
 * reports that error itself, as it does errors LMDB returns on opening.
 */
export async function findUnusableDatabases(drivePaths: readonly string[], mode: { readOnly: boolean }): Promise<Map<string, string>> {
  const unusable = new Map<string, string>();
  const pending: string[] = [];
  for (const drive of drivePaths) {
    const stat = databaseFileStat(drive);
    if (!stat) continue;
    if (stat.size === 0) {
      if (mode.readOnly) unusable.set(drive, `its database ${DATABASE_FILE} is empty (no event was ever written to it)`);
      continue;
    }
    const known = knownDamage.get(drive);
    if (known?.identity === identityOf(stat)) unusable.set(drive, known.reason);
    else pending.push(drive);
  }
  // Walking a large database is CPU-bound: one child per core, each with its share of the drives.
  const children = Math.min(pending.length, availableParallelism());
  const shares = Array.from({ length: children }, (_, child) => pending.filter((_, i) => i % children === child));
  await Promise.all(shares.map((share) => checkShare(share, mode.readOnly, unusable)));
  return unusable;
}

/** Checks `drives` one after the other, in as many children as crashes take, adding the unusable ones to `unusable`. */
async function checkShare(drives: readonly string[], readOnly: boolean, unusable: Map<string, string>): Promise<void> {
  const damaged = (drive: string, reason: string) => {
    unusable.set(drive, reason);
    const stat = databaseFileStat(drive);
    if (stat) knownDamage.set(drive, { identity: identityOf(stat), reason });
  };
  let pending = drives;
  let retried = false;
  while (pending.length > 0) {
    const outcome = await checkInChild(pending.map((drive) => path.join(drive, DATABASE_FILE)), readOnly);
    for (const [index, finding] of outcome.findings) damaged(pending[index], damageReason(finding));
    if (outcome.ending === undefined) break;
    const at = outcome.checkingWhenEnded;
    if (at !== undefined && outcome.timedOut) {
      unusable.set(pending[at], `checking its database ${DATABASE_FILE} made no progress in ${CHECK_TIMEOUT_MS / 1000} s (is the drive hung?)`);
      pending = pending.slice(at + 1);
    } else if (at !== undefined && outcome.signal !== undefined && CRASH_SIGNALS.has(outcome.signal)) {
      damaged(pending[at], damageReason(`reading it killed a checking process (${outcome.signal})`));
      pending = pending.slice(at + 1);
    } else {
      // Not the database's doing: go on from the first drive not yet checked, once.
      pending = pending.slice(at ?? outcome.survived);
      if (pending.length === 0) break;
      if (retried) {
        console.warn(`cairn: WARNING: could not check the databases of ${pending.join(', ')} before opening them (the checking process ${outcome.ending}); opening them unchecked`);
        break;
      }
      retried = true;
    }
  }
}

interface ChildOutcome {
  /** How the child ended when it did not check every file ("was killed by SIGKILL"...). */
  readonly ending: string | undefined;
  /** The signal that ended it, if one did. */
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  /** How many files it got through (damaged or not). */
  readonly survived: number;
  /** What it found wrong with the files it got through, by index. */
  readonly findings: ReadonlyMap<number, string>;
  /** The index of the file the child had announced and not yet got through when it ended. */
  readonly checkingWhenEnded: number | undefined;
}

function checkInChild(files: string[], readOnly: boolean): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const args = [lmdbEntry, JSON.stringify(TABLE_NAMES), JSON.stringify(environmentOptions(readOnly)), ...files];
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let survived = 0;
    const findings = new Map<number, string>();
    let checking: number | undefined;
    let partialLine = '';
    let timedOut = false;
    let settled = false;
    const settle = (ending: string | undefined, signal?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ending, signal, timedOut, survived, findings, checkingWhenEnded: checking });
    };
    // A child stuck in I/O on a hung disk may not die of SIGKILL until the I/O returns, so the
    // outcome is settled at once rather than at its 'close'.
    const onTimeout = () => {
      timedOut = true;
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.unref();
      settle(`made no progress on a drive in ${CHECK_TIMEOUT_MS / 1000} s`);
    };
    let timer = setTimeout(onTimeout, CHECK_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const [word, index] = line.split(' ', 2);
        if (word === 'checking' || word === 'progress') {
          checking = Number(index);
          // The clock restarts with each drive and each stretch of its walk (the first one's
          // also covers the child's start).
          clearTimeout(timer);
          timer = setTimeout(onTimeout, CHECK_TIMEOUT_MS);
        }
        if (word === 'survived' || word === 'damaged') {
          if (word === 'damaged') findings.set(Number(index), line.slice(word.length + index.length + 2));
          checking = undefined;
          survived++;
        }
      }
    });
    child.on('error', (error) => settle(`could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      if (code === 0 && survived === files.length) settle(undefined);
      else settle(signal ? `was killed by ${signal}` : `exited with code ${code}`, signal ?? undefined);
    });
  });
}
