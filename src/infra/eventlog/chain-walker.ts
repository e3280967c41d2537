/**
 * Checks one drive's log, record by record in log order: the record decodes, its seq follows
 * the one before (from 1, no gaps), its prevHash is the previous record's hash (the genesis
 * hash for the first), its hash is what its prevHash, seq and JSON give, and the JSON is the
 * event its key names. Any failure is a finding naming the drive, the seq the record should
 * have and its event id.
 */
import { decodeEventRecord, recordHashIsValid } from './event-record';

export interface VerifyFinding {
  readonly drive: string;
  /** The seq the record has, or should have had at that place in the log. */
  readonly seq: number;
  readonly eventId: string;
  readonly problem: string;
}

/** What the walker learned about one record. */
export interface CheckedRecord {
  readonly id: string;
  /** The event's JSON, when the record could be decoded. */
  readonly json: string | undefined;
  readonly finding: VerifyFinding | undefined;
}

export class ChainWalker {
  /** The seq the next record should carry. */
  private expectedSeq = 1;
  /** The previous record's stored hash (unknown after a record that cannot be decoded). */
  private previousHash: Buffer | undefined;
  records = 0;

  constructor(
    readonly drive: string,
    genesis: Buffer,
  ) {
    this.previousHash = genesis;
  }

  /** The last record's seq and stored hash (hex): what an operator anchors outside cairn. */
  get head(): { seq: number; hash: string } {
    return { seq: this.expectedSeq - 1, hash: this.previousHash?.toString('hex') ?? '' };
  }

  /** The seq the drive's next record should have (used to place a record the drive lacks). */
  get nextSeq(): number {
    return this.expectedSeq;
  }

  check(id: string, bytes: Buffer): CheckedRecord {
    this.records++;
    const seq = this.expectedSeq;
    let record;
    try {
      record = decodeEventRecord(bytes);
    } catch (error) {
      this.expectedSeq++;
      this.previousHash = undefined;
      return { id, json: undefined, finding: this.finding(seq, id, `record cannot be decoded (${(error as Error).message})`) };
    }
    const problems: string[] = [];
    const heldId = eventIdOf(record.json);
    const moved = heldId !== id;
    if (moved) problems.push(`holds event ${heldId ?? '(unreadable JSON)'} with seq ${record.seq}: records reordered or moved`);
    else if (record.seq > seq) problems.push(`seq ${seq}${record.seq - 1 > seq ? `..${record.seq - 1}` : ''} missing before this record`);
    else if (record.seq < seq) problems.push(`seq ${record.seq} out of order (expected ${seq})`);
    if (this.previousHash && !record.prevHash.equals(this.previousHash)) problems.push("prevHash is not the previous record's hash");
    if (!recordHashIsValid(record)) problems.push('hash does not match the record (contents altered)');

    // Continue from what this record claims, so that one damaged record is reported once.
    this.expectedSeq = moved ? seq + 1 : Math.max(record.seq, seq) + 1;
    this.previousHash = Buffer.from(record.hash);
    return { id, json: record.json, finding: problems.length > 0 ? this.finding(moved ? seq : record.seq, id, problems.join('; ')) : undefined };
  }

  private finding(seq: number, eventId: string, problem: string): VerifyFinding {
    return { drive: this.drive, seq, eventId, problem };
  }
}

function eventIdOf(json: string): string | undefined {
  try {
    const id = (JSON.parse(json) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
