/**
 * The database check (database-check.ts) on real LMDB files with one page damaged the way
 * bitrot leaves it: the damage LMDB itself would not notice, or would notice only by failing or
 * crashing on the read that meets it, is found before a process opens the drive. Every damaged
 * copy is reported, for the server (opened for writing) and the audit (read-only) alike; the
 * undamaged copy is not.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketRecord } from '../../src/domain/bucket';
import type { ObjectVersion } from '../../src/domain/object-version';
import { findUnusableDatabases } from '../../src/infra/eventlog/database-check';
import { DATABASE_FILE, DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { eventIdToBytes } from '../../src/infra/eventlog/event-id';
import { versionKey } from '../../src/infra/eventlog/object-keys';
import { dropLastNode, garbleNodes, garbleValueAfter, pagesHolding, pagesOfKind, pointFirstChildPastTheEnd, swapFirstTwoNodes } from '../helpers/lmdb-pages';
import { tempDir } from '../helpers/temp-dirs';

const ENTRIES = 3000;
const BUCKET = 'checked';
/** A bucket record whose name appears nowhere else in the file. */
const OTHER_BUCKET = 'value-checked-bucket';
const keyOf = (i: number) => `key-${String(i).padStart(6, '0')}`;
/** Event ids in increasing order (32 hex digits). */
const eventIdOf = (i: number) => (i + 1).toString(16).padStart(16, '0') + 'a'.repeat(16);
const versionOf = (i: number): ObjectVersion => ({
  versionId: 'null', lastModified: 1, eventId: eventIdOf(i), size: 1, etag: 'e', system: {}, user: {}, storageClass: 'STANDARD', data: { kind: 'empty' },
});

/** Each copy's damage, and what the check must say about it (undefined: nothing). */
const COPIES: Record<string, { damage: (file: string) => Promise<void>; finding: RegExp | undefined }> = {
  intact: { damage: async () => {}, finding: undefined },
  'log keys out of order': {
    damage: async (file) => {
      const pages = await pagesHolding(file, eventIdToBytes(eventIdOf(1500)), 'leaf');
      expect(pages.length).toBeGreaterThan(0);
      for (const page of pages) await swapFirstTwoNodes(file, page);
    },
    finding: /its table events has keys out of order after entry \d+;/,
  },
  'a version unreachable': {
    damage: async (file) => {
      const pages = await pagesHolding(file, Buffer.from(keyOf(1500)), 'leaf');
      expect(pages.length).toBeGreaterThan(0);
      for (const page of pages) await dropLastNode(file, page);
    },
    finding: new RegExp(`its table objects leads to \\d+ of the ${ENTRIES} entries it counts;`),
  },
  'a bucket record that is not JSON': {
    // The keys stay intact and in order: only reading the value finds it.
    damage: async (file) => expect(await garbleValueAfter(file, Buffer.from(OTHER_BUCKET))).toBeGreaterThan(0),
    finding: /reading its table buckets failed: /,
  },
  'a branch pointing past the end': {
    damage: async (file) => {
      const branches = await pagesOfKind(file, 'branch');
      expect(branches.length).toBeGreaterThan(0);
      for (const page of branches) await pointFirstChildPastTheEnd(file, page);
    },
    finding: /reading its table \w+ failed: MDB_PAGE_NOTFOUND/,
  },
  'random bytes over a leaf': {
    damage: async (file) => {
      const pages = await pagesHolding(file, Buffer.from(keyOf(700)), 'leaf');
      expect(pages.length).toBeGreaterThan(0);
      for (const page of pages) await garbleNodes(file, page, 20_261_205);
    },
    // Which symptom random bytes cause depends on the bytes: any of them is damage.
    finding: /is damaged: /,
  },
};

describe('the database check on damaged pages', () => {
  const root = tempDir('cairn-database-check-');
  const driveOf = (name: string) => path.join(root.path, name.replace(/\W+/g, '-'));

  beforeAll(async () => {
    // One write transaction: no freed page keeps an older copy of what is damaged below.
    const original = path.join(root.path, 'original');
    await fs.mkdir(original);
    const db = DriveDatabase.open(original);
    db.root.transactionSync(() => {
      for (let i = 0; i < ENTRIES; i++) {
        db.events.putSync(eventIdToBytes(eventIdOf(i)), Buffer.alloc(300, i % 251));
        db.objects.putSync(versionKey(BUCKET, keyOf(i), eventIdOf(i)), versionOf(i));
      }
      db.buckets.putSync(OTHER_BUCKET, { name: OTHER_BUCKET, createdAt: 1 } as unknown as BucketRecord);
    });
    await db.close();
    for (const [name, { damage }] of Object.entries(COPIES)) {
      await fs.mkdir(driveOf(name));
      const file = path.join(driveOf(name), DATABASE_FILE);
      await fs.copyFile(path.join(original, DATABASE_FILE), file);
      await damage(file);
    }
  });
  afterAll(() => root.remove());

  for (const readOnly of [false, true]) {
    it(`reports every damaged copy and only those (${readOnly ? 'read-only, as the audit opens drives' : 'for writing, as the server does'})`, async () => {
      const names = Object.keys(COPIES);
      const unusable = await findUnusableDatabases(names.map(driveOf), { readOnly });
      for (const name of names) {
        const { finding } = COPIES[name];
        const reason = unusable.get(driveOf(name));
        if (finding === undefined) expect(reason, name).toBeUndefined();
        else {
          expect(reason, name).toMatch(finding);
          expect(reason, name).toMatch(/^its database cairn\.lmdb is damaged: .*; move the file aside to have the drive refilled from the others$/);
        }
      }
    }, 60_000);
  }
});
