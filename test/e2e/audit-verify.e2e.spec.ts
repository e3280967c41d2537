/**
 * `cairn admin audit verify`: a clean log verifies (offline on the drive directories while the
 * server runs, and through --endpoint); a byte flipped in an event, an event deleted, and two
 * events swapped — each done to one drive through LMDB directly — are reported with that
 * drive, the seq and the event id of the first bad record, and exit code 1.
 */
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/infra/eventlog/log-verifier';
import { eventIdToBytes } from '../../src/infra/eventlog/event-id';
import { contentFor, loggedEvents, withDriveDatabase } from '../helpers/fault-tools';
import { sdkClient } from '../helpers/s3-clients';
import { ACCESS_KEY, CairnServer, runCairn, SECRET_KEY } from '../helpers/server';

const credentials = { CAIRN_ROOT_USER: ACCESS_KEY, CAIRN_ROOT_PASSWORD: SECRET_KEY };

describe('cairn admin audit verify', () => {
  let server: CairnServer;
  /** Event ids by seq (the same on every drive). */
  let idAt: (seq: number) => string;

  beforeAll(async () => {
    server = await CairnServer.start();
    const s3 = sdkClient(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'ledger' }));
    for (let i = 0; i < 8; i++) await s3.send(new PutObjectCommand({ Bucket: 'ledger', Key: `entry-${i}`, Body: contentFor(`entry-${i}`, 1000 + i) }));
    await s3.send(new PutObjectCommand({ Bucket: 'ledger', Key: 'large', Body: contentFor('large', 300_000) }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'ledger', Key: 'entry-0' }));
    s3.destroy();
    const events = await withDriveDatabase(server.drives[0], { readOnly: true }, loggedEvents);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    idAt = (seq) => events[seq - 1].id;
  });
  afterAll(async () => server?.dispose());

  const verifyOffline = () => runCairn(['admin', 'audit', 'verify', '--json', ...server.drives], credentials);
  const verifyOnline = () => runCairn(['admin', 'audit', 'verify', '--json', '--endpoint', server.endpoint], credentials);
  const reportOf = (result: { stdout: string }) => JSON.parse(result.stdout) as VerifyReport;
  const summaryOf = (report: VerifyReport, drive: string) => report.drives.find((d) => d.drive === drive)!;

  it('passes a clean log, offline while the server runs and through --endpoint', async () => {
    for (const run of [verifyOffline, verifyOnline]) {
      const result = await run();
      expect(result.code, result.stderr).toBe(0);
      const report = reportOf(result);
      expect(report).toMatchObject({ ok: true, events: 11, findingCount: 0 });
      expect(report.drives.map((d) => d.records)).toEqual([11, 11, 11, 11]);
      expect(report.drives.map((d) => d.head?.seq)).toEqual([11, 11, 11, 11]);
    }
    const text = await runCairn(['admin', 'audit', 'verify', ...server.drives], credentials);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('verify: 4 drives, 11 events: OK');
    expect(text.stdout).toMatch(new RegExp(`drive ${server.drives[0]}: 11 records, head seq 11 hash [0-9a-f]{64}, chain intact`));
  });

  describe('with the server stopped, tampering through LMDB', () => {
    beforeAll(async () => server.stop());

    /** Runs `tamper` on a drive, then restores every record it changed. */
    async function tampered(drive: string, tamper: (events: Map<string, Buffer>) => void, check: () => Promise<void>): Promise<void> {
      const originals = new Map<string, Buffer>();
      await withDriveDatabase(drive, { readOnly: false }, async (db) => {
        for (const { key, value } of db.events.getRange()) originals.set((key as Buffer).toString('hex'), Buffer.from(value));
        const changed = new Map(originals);
        tamper(changed);
        await db.events.transaction(() => {
          for (const id of originals.keys()) if (!changed.has(id)) db.events.remove(eventIdToBytes(id));
          for (const [id, bytes] of changed) if (!bytes.equals(originals.get(id)!)) db.events.put(eventIdToBytes(id), bytes);
        });
      });
      try {
        await check();
      } finally {
        await withDriveDatabase(drive, { readOnly: false }, async (db) => {
          await db.events.transaction(() => {
            for (const [id, bytes] of originals) db.events.put(eventIdToBytes(id), bytes);
          });
        });
      }
    }

    it('names the drive, seq and event of a record with a flipped byte', async () => {
      const drive = server.drives[1];
      await tampered(
        drive,
        (events) => {
          const bytes = Buffer.from(events.get(idAt(5))!);
          const json = bytes.indexOf('"entry-3"');
          expect(json).toBeGreaterThan(81);
          bytes[json + 1] ^= 0x01; // "entry-3" -> "dntry-3"
          events.set(idAt(5), bytes);
        },
        async () => {
          const result = await verifyOffline();
          expect(result.code).toBe(1);
          const report = reportOf(result);
          expect(report.ok).toBe(false);
          expect(summaryOf(report, drive).firstBad).toMatchObject({ drive, seq: 5, eventId: idAt(5) });
          expect(summaryOf(report, drive).firstBad!.problem).toContain('hash does not match');
          // The other drives are intact; the altered event also disagrees with its peers.
          for (const other of server.drives.filter((d) => d !== drive)) expect(summaryOf(report, other).firstBad).toBeUndefined();
          expect(report.findings.some((f) => f.drive === drive && f.problem.includes('differs from the one 3 peer(s) hold'))).toBe(true);

          const text = await runCairn(['admin', 'audit', 'verify', ...server.drives], credentials);
          expect(text.code).toBe(1);
          expect(text.stdout).toMatch(new RegExp(`drive ${drive}: 11 records, head seq 11 hash [0-9a-f]{64}, BAD: first bad record: seq 5, event ${idAt(5)}`));
          expect(text.stdout).toMatch(/verify: 4 drives, 11 events: FAILED/);
        },
      );
    });

    it('names the drive, seq and event id of a deleted event (known from its peers)', async () => {
      const drive = server.drives[2];
      await tampered(
        drive,
        (events) => events.delete(idAt(7)),
        async () => {
          const result = await verifyOffline();
          expect(result.code).toBe(1);
          const report = reportOf(result);
          expect(summaryOf(report, drive).records).toBe(10);
          expect(summaryOf(report, drive).firstBad).toMatchObject({ drive, seq: 7, eventId: idAt(7) });
          expect(summaryOf(report, drive).firstBad!.problem).toContain('missing');
          // The record after the hole does not link to the one before it.
          expect(report.findings).toContainEqual(expect.objectContaining({ drive, seq: 8, eventId: idAt(8) }));
          expect(report.findings.every((f) => f.drive === drive)).toBe(true);
        },
      );
    });

    it('names the drive, seq and event of two swapped events', async () => {
      const drive = server.drives[3];
      await tampered(
        drive,
        (events) => {
          const [a, b] = [events.get(idAt(3))!, events.get(idAt(4))!];
          events.set(idAt(3), b);
          events.set(idAt(4), a);
        },
        async () => {
          const result = await verifyOffline();
          expect(result.code).toBe(1);
          const report = reportOf(result);
          expect(summaryOf(report, drive).firstBad).toMatchObject({ drive, seq: 3, eventId: idAt(3) });
          expect(summaryOf(report, drive).firstBad!.problem).toContain(`holds event ${idAt(4)} with seq 4: records reordered`);
          expect(report.findings.every((f) => f.drive === drive)).toBe(true);
        },
      );
    });

    it('reports a tampered drive through --endpoint once the server runs again, and passes again once restored', async () => {
      const drive = server.drives[0];
      await tampered(
        drive,
        (events) => {
          const bytes = Buffer.from(events.get(idAt(2))!);
          bytes[bytes.indexOf('"entry-0"') + 1] ^= 0x01;
          events.set(idAt(2), bytes);
        },
        async () => {
          await server.launch();
          try {
            const result = await verifyOnline();
            expect(result.code).toBe(1);
            expect(summaryOf(reportOf(result), drive).firstBad).toMatchObject({ drive, seq: 2, eventId: idAt(2) });
          } finally {
            await server.stop();
          }
        },
      );
      const restored = await verifyOffline();
      expect(restored.code, restored.stdout).toBe(0);
    });
  });

  it('refuses bad usage with exit code 2', async () => {
    const neither = await runCairn(['admin', 'audit', 'verify'], credentials);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('usage:');
    const unknown = await runCairn(['admin', 'audit', 'frobnicate', server.drives[0]], credentials);
    expect(unknown.code).toBe(2);
  });
});
