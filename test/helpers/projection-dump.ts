/**
 * Every key and value of a drive's projection databases, as raw bytes in hex: two dumps are
 * equal only if the projections are identical byte for byte.
 */
import { DriveDatabase } from '../../src/infra/eventlog/drive-database';

export function dumpProjections(drivePath: string): string[] {
  const db = DriveDatabase.open(drivePath, { readOnly: true });
  try {
    const lines: string[] = [];
    for (const [name, database] of [
      ['buckets', db.buckets],
      ['objects', db.objects],
      ['uploads', db.uploads],
      ['parts', db.parts],
      ['references', db.references],
    ] as const) {
      for (const { key } of (database as { getRange(): Iterable<{ key: unknown }> }).getRange()) {
        const raw = (database as unknown as { getBinary(key: unknown): Buffer | undefined }).getBinary(key);
        lines.push(`${name} ${Buffer.isBuffer(key) ? key.toString('hex') : JSON.stringify(key)} ${raw?.toString('hex')}`);
      }
    }
    return lines;
  } finally {
    void db.close();
  }
}
