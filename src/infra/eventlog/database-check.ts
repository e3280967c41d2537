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
 * The walk reads the keys of the log and of the versions, and the values of the smaller tables
 * (buckets, uploads, parts, placements), parsed as JSON: about 0.2 s per start-up for a small
 * deployment, ~1 s per drive holding a million events and as many versions (architecture.md has
 * the measurements). Damage inside a value of the log is the audit's to find (its hash chain),
 * a shard's its bitrot hash's; damage inside a version's value is found when it is read, and
 * takes the drive offline then (database-damage.ts).
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
import { damageReason } from './database-damage';

/** How long a child may go without finishing a drive or reporting progress through one. */
const CHECK_TIMEOUT_MS = 30_000;
/** How a process ends when LMDB read a page it should not have trusted. */
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE']);

/**
 * Run by `node -e` so that it works the same from the compiled server and from the test runner.
 * Lines use writeSync: one written before a crash must reach the parent; a walk says
 * "progress" at most once a second. Any error during a walk counts as damage (LMDB's for a bad
 * page, lmdb-js's for an impossible key size, a value that is not JSON); a file that cannot be
 * opened or a table a read-only open cannot find is left to the caller's own open, which
 * reports it.
 */
const CHILD_SOURCE = `
const { writeSync } = require('node:fs');
const { open } = require(process.argv[1]);
const tables = JSON.parse(process.argv[2]);
const options = JSON.parse(process.argv[3]);
const files = process.argv.slice(4);
const say = (line) => writeSync(1, line + '\\n');
const ascending = (a, b) => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return a.length < b.length;
};
// The large tables: reading every value would cost ~5 s per million entries on top of
// ~0.8 s for the keys (lmdb-js copies each value); the log's values are the audit's business,
// and the data references have none.
const KEYS_ONLY = new Set(['events', 'objects', 'references']);
let lastSaid = Date.now();
function walk(index, name, table, valuesAreJson) {
  const expected = table.getStats().entryCount;
  let count = 0;
  let previous;
  // The small projection tables' values are read and parsed too.
  const entries = valuesAreJson ? table.getRange() : table.getKeys();
  for (const entry of entries) {
    const key = valuesAreJson ? entry.key : entry;
    if (previous !== undefined && !ascending(previous, key)) return 'its table ' + name + ' has keys out of order after entry ' + count;
    if (valuesAreJson) JSON.parse(entry.value.toString('utf8'));
    previous = key;
    if (++count % 1024 === 0 && Date.now() - lastSaid > 1000) {
      lastSaid = Date.now();
      say('progress ' + index);
    }
  }
  if (count !== expected) return 'its table ' + name + ' leads to ' + count + ' of the ' + expected + ' entries it counts';
  for (const entry of table.getRange({ limit: 1 })) void entry.value;
  for (const entry of table.getRange({ limit: 1, reverse: true })) void entry.value;
  return undefined;
}
for (const [index, file] of files.entries()) {
  say('checking ' + index);
  let damage;
  let root;
  try {
    root = open({ ...options, path: file });
  } catch {}
  // Read in one synchronous run: one read snapshot for the count and the walk (lmdb-js renews
  // it only on a later turn), so a server writing meanwhile cannot make a walk look short.
  for (const name of root ? tables : []) {
    let table;
    try {
      table = root.openDB({ name, keyEncoding: 'binary', encoding: 'binary' });
    } catch {
      continue;
    }
    try {
      damage = walk(index, name, table, !KEYS_ONLY.has(name));
    } catch (error) {
      damage = 'reading its table ' + name + ' failed: ' + String(error && error.message);
    }
    if (damage) break;
  }
  try {
    if (root) root.close();
  } catch {}
  say(damage ? 'damaged ' + index + ' ' + damage.replace(/\\s+/g, ' ') : 'finished ' + index);
}
`;

const lmdbEntry = createRequire(__filename).resolve('lmdb');

/**
 * Databases found damaged, by drive and mode (opened for writing or read-only), with the file's
 * identity then: an offline drive is rechecked every few seconds, and its unchanged file need
 * not crash or be walked by another child each time.
 */
const knownDamage = new Map<string, { identity: string; reason: string }>();
const damageKey = (drive: string, readOnly: boolean) => `${readOnly ? 'read-only' : 'writing'}:${drive}`;

/** Which file it is and what it holds, as far as stat tells. */
function identityOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

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
    const known = knownDamage.get(damageKey(drive, mode.readOnly));
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
    if (stat) knownDamage.set(damageKey(drive, readOnly), { identity: identityOf(stat), reason });
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
      pending = pending.slice(at ?? outcome.finished);
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
  readonly finished: number;
  /** What it found wrong with the files it got through, by index. */
  readonly findings: ReadonlyMap<number, string>;
  /** The index of the file the child had announced and not yet got through when it ended. */
  readonly checkingWhenEnded: number | undefined;
}

function checkInChild(files: string[], readOnly: boolean): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const args = [lmdbEntry, JSON.stringify(TABLE_NAMES), JSON.stringify(environmentOptions(readOnly)), ...files];
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let finished = 0;
    const findings = new Map<number, string>();
    let checking: number | undefined;
    let partialLine = '';
    let timedOut = false;
    let settled = false;
    const settle = (ending: string | undefined, signal?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ending, signal, timedOut, finished, findings, checkingWhenEnded: checking });
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
        const [, word, index, finding] = /^(\w+) (\d+)(?: (.*))?$/.exec(line) ?? [];
        if (word === 'checking' || word === 'progress') {
          checking = Number(index);
          // The clock restarts with each drive and each stretch of its walk (the first one's
          // also covers the child's start).
          clearTimeout(timer);
          timer = setTimeout(onTimeout, CHECK_TIMEOUT_MS);
        }
        if (word === 'finished' || word === 'damaged') {
          if (word === 'damaged') findings.set(Number(index), finding ?? 'its walk failed');
          checking = undefined;
          finished++;
        }
      }
    });
    child.on('error', (error) => settle(`could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      if (code === 0 && finished === files.length) settle(undefined);
      else settle(signal ? `was killed by ${signal}` : `exited with code ${code}`, signal ?? undefined);
    });
  });
}
