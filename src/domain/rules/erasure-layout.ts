/**
 * How many data and parity shards an erasure set of N drives uses, and its quorums.
 * Defaults follow MinIO so that a MinIO user sees the same layout:
 * parity by drive count (1 → 0, 2–3 → 1, 4–5 → 2, 6–7 → 3, 8–16 → 4), data ≥ parity,
 * write quorum = data shards (+1 when data == parity, so two halves cannot both win),
 * read quorum = data shards.
 */
export const MAX_DRIVES_PER_SET = 16;
/** @ronomon/reed-solomon encodes at most 6 parity shards. */
export const MAX_PARITY = 6;
/** Objects are striped in blocks of this size; each block is coded independently (MinIO's choice). */
export const DEFAULT_BLOCK_SIZE = 1024 * 1024;

export interface ErasureLayout {
  readonly drives: number;
  readonly dataShards: number;
  readonly parityShards: number;
  readonly blockSize: number;
}

export function defaultParity(drives: number): number {
  if (drives <= 1) return 0;
  if (drives <= 3) return 1;
  if (drives <= 5) return 2;
  if (drives <= 7) return 3;
  return 4;
}

/** Parses MinIO's storage class notation `EC:<parity>`. */
export function parseStorageClassParity(value: string): number {
  const match = /^EC:(\d+)$/.exec(value.trim());
  if (!match) throw new Error(`storage class "${value}" is not of the form EC:<parity>`);
  return Number(match[1]);
}

/** The layout for a drive count, or a one-line reason why that count cannot be used. */
export function layoutForDrives(drives: number, parity?: number): ErasureLayout | { problem: string } {
  if (!Number.isInteger(drives) || drives < 1) return { problem: 'at least one drive is required' };
  if (drives > MAX_DRIVES_PER_SET) {
    return { problem: `${drives} drives fit no layout: an erasure set has 1 to ${MAX_DRIVES_PER_SET} drives` };
  }
  const m = parity ?? defaultParity(drives);
  const k = drives - m;
  if (m < 0 || m > MAX_PARITY) return { problem: `parity ${m} is out of range (0 to ${MAX_PARITY})` };
  if (k < m || k < 1) return { problem: `parity ${m} is too high for ${drives} drives (at most ${Math.floor(drives / 2)})` };
  return { drives, dataShards: k, parityShards: m, blockSize: DEFAULT_BLOCK_SIZE };
}

export function writeQuorum(layout: ErasureLayout): number {
  return layout.dataShards === layout.parityShards ? layout.dataShards + 1 : layout.dataShards;
}

export function readQuorum(layout: ErasureLayout): number {
  return layout.dataShards;
}

export function describeLayout(layout: ErasureLayout): string {
  return (
    `${layout.dataShards} data + ${layout.parityShards} parity shards per block, ` +
    `write quorum ${writeQuorum(layout)}, read quorum ${readQuorum(layout)}`
  );
}
