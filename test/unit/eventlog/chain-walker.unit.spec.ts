/** One drive's chain checks, over records built in memory (no LMDB). */
import { describe, expect, it } from 'vitest';
import { ChainWalker } from '../../../src/infra/eventlog/chain-walker';
import { encodeEventRecord, genesisHash } from '../../../src/infra/eventlog/event-record';

const genesis = genesisHash('deployment', 'drive');
const id = (n: number) => n.toString(16).padStart(32, '0');

/** A well-chained log of `count` records: [id, bytes]. */
function chain(count: number): Array<[string, Buffer]> {
  const records: Array<[string, Buffer]> = [];
  let prev = genesis;
  for (let seq = 1; seq <= count; seq++) {
    const { bytes, hash } = encodeEventRecord(seq, prev, JSON.stringify({ id: id(seq), n: seq }), Buffer.from('shard'));
    records.push([id(seq), bytes]);
    prev = hash;
  }
  return records;
}

function walk(records: Array<[string, Buffer]>, start = genesis) {
  const walker = new ChainWalker('d1', start);
  return records.map(([key, bytes]) => walker.check(key, bytes).finding).filter((f) => f !== undefined);
}

describe('ChainWalker', () => {
  it('passes an intact chain, whatever the inline shard holds (it is outside the chain)', () => {
    const records = chain(5);
    records[2][1][records[2][1].length - 1] ^= 0xff;
    expect(walk(records)).toEqual([]);
  });

  it('binds the chain to its drive: another genesis fails the first record', () => {
    expect(walk(chain(3), genesisHash('deployment', 'other-drive'))).toEqual([
      { drive: 'd1', seq: 1, eventId: id(1), problem: "prevHash is not the previous record's hash" },
    ]);
  });

  it('reports an altered record once, at its seq', () => {
    const records = chain(5);
    const bytes = records[2][1];
    bytes[bytes.indexOf('"n":3') + 4] = '7'.charCodeAt(0);
    expect(walk(records)).toEqual([{ drive: 'd1', seq: 3, eventId: id(3), problem: 'hash does not match the record (contents altered)' }]);
  });

  it('reports a removed record at the record after the hole', () => {
    const records = chain(5);
    records.splice(1, 1);
    const findings = walk(records);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ seq: 3, eventId: id(3) });
    expect(findings[0].problem).toContain('seq 2 missing before this record');
  });

  it('reports records stored under each other’s ids (swapped)', () => {
    const records = chain(5);
    [records[1][1], records[2][1]] = [records[2][1], records[1][1]];
    const findings = walk(records);
    expect(findings[0]).toMatchObject({ seq: 2, eventId: id(2) });
    expect(findings[0].problem).toContain(`holds event ${id(3)} with seq 3`);
  });

  it('reports a record that cannot be decoded and goes on', () => {
    const records = chain(3);
    records[1][1] = Buffer.from('garbage');
    const findings = walk(records);
    expect(findings[0]).toMatchObject({ seq: 2, eventId: id(2) });
    expect(findings[0].problem).toContain('cannot be decoded');
  });
});
