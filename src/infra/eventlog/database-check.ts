/**
 * Finding the drives whose LMDB environment would crash this process if it opened them.
 *
 * LMDB trusts the pages it maps: random bytes over a meta page (page 0 or 1 of cairn.lmdb), or a
 * file cut short, make opening the environment die of SIGSEGV or SIGBUS instead of returning an
 * error, which would take every drive of the server down with the one that is damaged. So before
 * a process opens drives, a child process opens each existing database as the caller will (same
 * options, for writing or read-only) and reads what start-up reads first (the root of every
 * table and both ends of it); a database it dies on is reported damaged, and its drive stays
 * offline while the server starts degraded on the others.
 *
 * One child checks every drive in turn, announcing each before touching it; when it dies of a
 * crash signal, the drive it was on is the damaged one, and a new child goes on with the rest.
 * A child that ends any other way (killed from outside, could not start) blames no drive: the
 * check is tried once more, then the drives are opened unchecked, with a warning. A child that
 * spends CHECK_TIMEOUT_MS on one drive (a hung disk) is killed and that drive reported
 * unavailable. The check costs one short-lived process per start-up (about 0.15 s).
 *
 * An empty file (a crash before LMDB wrote its first pages) is a new database to a writer and
 * fatal to a reader: writers skip it, readers are told it is empty.
 *
 * Pages deeper in a tree are not read here (that is a walk of the whole log); LMDB keeps no page
 * checksums, so damage there is found when it is read.
 */
import { spawn } from 'node:child_process';
import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { DATABASE_FILE, databaseFileStat, environmentOptions, TABLE_NAMES } from './drive-database';

const CHECK_TIMEOUT_MS = 30_000;
/** How a process ends when LMDB read a page it should not have trusted. */
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE']);

/**
 * Run by `node -e` so that it works the same from the compiled server and from the test runner.
 * Announcements use writeSync: a line written before a crash must reach the parent.
 */
const CHILD_SOURCE = `
const { writeSync } = require('node:fs');
const { open } = require(process.argv[1]);
const tables = JSON.parse(process.argv[2]);
const options = JSON.parse(process.argv[3]);
const files = process.argv.slice(4);
for (const [index, file] of files.entries()) {
  writeSync(1, 'checking ' + index + '\\n');
  try {
    const root = open({ ...options, path: file });
    for (const name of tables) {
      try {
        const table = root.openDB({ name, keyEncoding: 'binary', encoding: 'binary' });
        table.getStats();
        for (const entry of table.getRange({ limit: 1 })) void entry.value;
        for (const entry of table.getRange({ limit: 1, reverse: true })) void entry.value;
      } catch {}
    }
    root.close();
  } catch {}
  writeSync(1, 'survived ' + index + '\\n');
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

const damageReason = (signal: string) =>
  `its database ${DATABASE_FILE} is damaged: opening it killed a checking process (${signal}); move the file aside to have the drive refilled from the others`;

/**
 * The drives among `drivePaths` that must not be opened in this process, each with the reason
 * to report. A drive whose file cannot even be stat'ed is left to the caller's open, which
 * reports that error itself, as it does errors LMDB returns.
 */
export async function findUnusableDatabases(drivePaths: readonly string[], mode: { readOnly: boolean }): Promise<Map<string, string>> {
  const unusable = new Map<string, string>();
  let pending: string[] = [];
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
  let retried = false;
  while (pending.length > 0) {
    const outcome = await checkInChild(pending.map((drive) => path.join(drive, DATABASE_FILE)), mode.readOnly);
    if (outcome.ending === undefined) break;
    const at = outcome.checkingWhenEnded;
    if (at !== undefined && outcome.timedOut) {
      unusable.set(pending[at], `checking its database ${DATABASE_FILE} did not finish in ${CHECK_TIMEOUT_MS / 1000} s (is the drive hung?)`);
      pending = pending.slice(at + 1);
    } else if (at !== undefined && outcome.signal !== undefined && CRASH_SIGNALS.has(outcome.signal)) {
      const reason = damageReason(outcome.signal);
      unusable.set(pending[at], reason);
      const stat = databaseFileStat(pending[at]);
      if (stat) knownDamage.set(pending[at], { identity: identityOf(stat), reason });
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
  return unusable;
}

interface ChildOutcome {
  /** How the child ended when it did not check every file ("was killed by SIGKILL"...). */
  readonly ending: string | undefined;
  /** The signal that ended it, if one did. */
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  /** How many files it got through. */
  readonly survived: number;
  /** The index of the file the child had announced and not yet got through when it ended. */
  readonly checkingWhenEnded: number | undefined;
}

function checkInChild(files: string[], readOnly: boolean): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const args = [lmdbEntry, JSON.stringify(TABLE_NAMES), JSON.stringify(environmentOptions(readOnly)), ...files];
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let survived = 0;
    let checking: number | undefined;
    let partialLine = '';
    let timedOut = false;
    let settled = false;
    const settle = (ending: string | undefined, signal?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ending, signal, timedOut, survived, checkingWhenEnded: checking });
    };
    // A child stuck in I/O on a hung disk may not die of SIGKILL until the I/O returns, so the
    // outcome is settled at once rather than at its 'close'.
    const onTimeout = () => {
      timedOut = true;
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.unref();
      settle(`did not finish checking a drive in ${CHECK_TIMEOUT_MS / 1000} s`);
    };
    let timer = setTimeout(onTimeout, CHECK_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const [word, index] = line.split(' ');
        if (word === 'checking') {
          checking = Number(index);
          // Each drive gets the full time (the first one's also covers the child's start).
          clearTimeout(timer);
          timer = setTimeout(onTimeout, CHECK_TIMEOUT_MS);
        }
        if (word === 'survived') {
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
