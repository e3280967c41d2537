/**
 * The verifier across drives, on real LMDB logs in temp directories: a drive that merely ends
 * early is behind (not a finding), an event only one drive holds in the middle of the others'
 * logs is reported on that drive, and drives of another deployment are told apart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';
import { EventIdClock } from '../../src/infra/eventlog/event-id';
import { EventLog } from '../../src/infra/eventlog/event-log';
import { genesisHash } from '../../src/infra/eventlog/event-record';
import { verifyLogs, type AuditedDrive } from '../../src/infra/eventlog/log-verifier';
import { tempDir } from '../helpers/temp-dirs';

describe('verifyLogs across drives', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function drive(label: string, deploymentId = 'dep') {
    const dir = tempDir();
    const db = DriveDatabase.open(dir.path);
    cleanups.push(dir.remove, () => db.close());
    const log = new EventLog(db, genesisHash(deploymentId, label));
    const audited: AuditedDrive = { label, deploymentId, driveId: label, events: db.events };
    return { log, audited };
  }

  async function appendAll(log: EventLog, ids: string[]) {
    // Queued together: one LMDB transaction (the log chains them as they are queued).
    await Promise.all(ids.map((id) => log.append(id, JSON.stringify({ id, type: 'Test' }), undefined, undefined, () => undefined)));
  }

  it('passes drives that agree; a drive that ends early is behind, not bad', async () => {
    const clock = new EventIdClock();
    const ids = Array.from({ length: 2500 }, () => clock.next().id); // more than one page of records
    const [a, b, c] = [drive('a'), drive('b'), drive('c')];
    await appendAll(a.log, ids);
    await appendAll(b.log, ids);
    await appendAll(c.log, ids.slice(0, 2490));
    const report = await verifyLogs([a.audited, b.audited, c.audited]);
    expect(report).toMatchObject({ ok: true, events: 2500, findingCount: 0 });
    expect(report.drives.map((d) => [d.drive, d.records, d.behind])).toEqual([
      ['a', 2500, 0],
      ['b', 2500, 0],
      ['c', 2490, 10],
    ]);
  });

  it('reports an event one drive holds and its peers skip as inserted on that drive', async () => {
    const clock = new EventIdClock();
    const ids = Array.from({ length: 6 }, () => clock.next().id);
    const [a, b, c] = [drive('a'), drive('b'), drive('c')];
    await appendAll(a.log, ids);
    await appendAll(b.log, ids.filter((_, i) => i !== 2));
    await appendAll(c.log, ids.filter((_, i) => i !== 2));
    const report = await verifyLogs([a.audited, b.audited, c.audited]);
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([
      { drive: 'a', seq: 3, eventId: ids[2], problem: 'event not held by 2 peer(s) that hold later events: inserted' },
    ]);
  });

  it('is not ok when a drive was unreadable or belongs to another deployment', async () => {
    const a = drive('a');
    const other = drive('x', 'another-deployment');
    await appendAll(a.log, [new EventIdClock().next().id]);
    const unreadable = await verifyLogs([a.audited], [{ label: 'gone', reason: 'no format.json' }]);
    expect(unreadable.ok).toBe(false);
    expect(unreadable.findingCount).toBe(0);
    expect(unreadable.drives[1]).toMatchObject({ drive: 'gone', unreadable: 'no format.json' });
    const mixed = await verifyLogs([a.audited, other.audited]);
    expect(mixed.findings[0].problem).toContain('not one set');
  });
});
