/**
 * Finding the drives whose LMDB environment would crash this process if it opened them.
 *
 * LMDB trusts the pages it maps: random bytes over a meta page (page 0 or 1 of cairn.lmdb), or a
 * file cut short, make opening the environment die of SIGSEGV or SIGBUS instead of returning an
 * error, which would take every drive of the server down with the one that is damaged. So before
 * the server opens drives, a child process opens each existing database as the caller will (read
 * and write, or read-only: an empty file, left by a crash before LMDB's first pages were written,
 * is a new database to the one and fatal to the other) and reads what start-up reads first (the
 * root of every table and both ends of it); a database it does not survive is reported damaged
 * and its drive stays offline, while the server starts degraded on the others.
 *
 * One child checks every drive in turn, announcing each before touching it; when it dies, the
 * drive it was on is the damaged one, and a new child goes on with the rest. The check costs one
 * short-lived process per start-up (about 0.15 s), not one per drive.
 *
 * Pages deeper in a tree are not read here (that is a walk of the whole log); LMDB keeps no page
 * checksums, so damage there is found when it is read.
 */
import { spawn } from 'node:child_process';
import { statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { DATABASE_FILE, TABLE_NAMES } from './drive-database';

/** Run by `node -e` so that it works the same from the compiled server and from the test runner. */
const CHILD_SOURCE = `
const { open } = require(process.argv[1]);
const tables = JSON.parse(process.argv[2]);
const readOnly = process.argv[3] === 'read-only';
const files = process.argv.slice(4);
for (const [index, file] of files.entries()) {
  process.stdout.write('checking ' + index + '\\n');
  try {
    const root = open({ path: file, readOnly, maxDbs: 8 });
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
  process.stdout.write('survived ' + index + '\\n');
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
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

/**
 * The drives among `drivePaths` whose database a process could not open and read without
 * crashing, each with the reason to report. Errors that LMDB reports as errors are not
 * counted here: the real open reports them itself.
 */
export async function findCrashingDatabases(drivePaths: readonly string[], mode: { readOnly: boolean }): Promise<Map<string, string>> {
  const damaged = new Map<string, string>();
  let pending: string[] = [];
  for (const drive of drivePaths) {
    const stat = statSync(path.join(drive, DATABASE_FILE), { throwIfNoEntry: false });
    // No file, or an empty one that opening for writing makes a new database (LocalDrive.open
    // tells that apart from a database that existed, so it is not opened here first).
    if (!stat || (stat.size === 0 && !mode.readOnly)) continue;
    const identity = identityOf(stat);
    const known = knownDamage.get(drive);
    if (known?.identity === identity) damaged.set(drive, known.reason);
    else pending.push(drive);
  }
  while (pending.length > 0) {
    const outcome = await checkInChild(pending.map((drive) => path.join(drive, DATABASE_FILE)), mode.readOnly);
    if (!outcome.crash) break;
    // A child that died between drives (or before the first) blames none and is not retried.
    if (outcome.openedWhenEnded === undefined) break;
    const crashed = pending[outcome.openedWhenEnded];
    const reason = `its database ${DATABASE_FILE} is damaged: opening it killed a checking process (${outcome.crash}); move the file aside to have the drive refilled from the others`;
    damaged.set(crashed, reason);
    const stat = statSync(path.join(crashed, DATABASE_FILE), { throwIfNoEntry: false });
    if (stat) knownDamage.set(crashed, { identity: identityOf(stat), reason });
    pending = pending.slice(outcome.openedWhenEnded + 1);
  }
  return damaged;
}

interface ChildOutcome {
  /** How the child ended when it did not finish: a signal name or an exit code. */
  readonly crash: string | undefined;
  /** The index of the file the child had announced and not yet survived when it ended. */
  readonly openedWhenEnded: number | undefined;
}

function checkInChild(files: string[], readOnly: boolean): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const args = [lmdbEntry, JSON.stringify(TABLE_NAMES), readOnly ? 'read-only' : 'read-write', ...files];
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let survived = 0;
    let opened: number | undefined;
    let partialLine = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) {
        const [word, index] = line.split(' ');
        if (word === 'checking') opened = Number(index);
        if (word === 'survived') {
          opened = undefined;
          survived++;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const finished = code === 0 && survived === files.length;
      resolve({ crash: finished ? undefined : (signal ?? `exit code ${code}`), openedWhenEnded: opened });
    });
  });
}
