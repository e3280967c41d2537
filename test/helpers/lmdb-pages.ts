/**
 * Damage to single pages of an LMDB file, as bitrot or a bad write would leave it, for the tests
 * of the database check. The page header of the LMDB that lmdb-js builds (its mdb.c,
 * `MDB_page_header`, 64-bit): page number (8 bytes), txnid (8), pad (2), flags (2), `lower` (2:
 * end of the node offsets), `upper` (2). The 16-bit offsets of the page's nodes follow from byte
 * 24, each relative to byte 24, so a page holds lower / 2 nodes.
 */
import { promises as fs } from 'node:fs';
import { seededRandom } from './fault-tools';

export const PAGE_SIZE = 4096;
const HEADER_BYTES = 24;
const FLAGS_AT = 18;
const LOWER_AT = 20;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;

export type PageKind = 'branch' | 'leaf';

function kindOf(page: Buffer): PageKind | undefined {
  const flags = page.readUInt16LE(FLAGS_AT);
  if (flags & P_OVERFLOW) return undefined;
  if (flags & P_LEAF) return 'leaf';
  if (flags & P_BRANCH) return 'branch';
  return undefined;
}

/**
 * The offsets of the file's pages of that kind that hold `needle` (the meta pages, 0 and 1,
 * excluded). Freed pages that still hold an old copy count too: damage to them is harmless.
 */
export async function pagesHolding(file: string, needle: Buffer, kind: PageKind): Promise<number[]> {
  const bytes = await fs.readFile(file);
  const pages = new Set<number>();
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    const start = Math.floor(at / PAGE_SIZE) * PAGE_SIZE;
    if (start >= 2 * PAGE_SIZE && kindOf(bytes.subarray(start, start + PAGE_SIZE)) === kind) pages.add(start);
  }
  return [...pages];
}

/** Every page of that kind in the file (the meta pages excluded). */
export async function pagesOfKind(file: string, kind: PageKind): Promise<number[]> {
  const bytes = await fs.readFile(file);
  const pages: number[] = [];
  for (let start = 2 * PAGE_SIZE; start + PAGE_SIZE <= bytes.length; start += PAGE_SIZE) {
    if (kindOf(bytes.subarray(start, start + PAGE_SIZE)) === kind) pages.push(start);
  }
  return pages;
}

async function rewritePage(file: string, start: number, change: (page: Buffer) => void): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    const page = Buffer.alloc(PAGE_SIZE);
    await handle.read(page, 0, PAGE_SIZE, start);
    change(page);
    await handle.write(page, 0, PAGE_SIZE, start);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Swaps the offsets of the page's first two nodes: every node intact, two keys out of order. */
export function swapFirstTwoNodes(file: string, start: number): Promise<void> {
  return rewritePage(file, start, (page) => {
    const first = page.readUInt16LE(HEADER_BYTES);
    page.writeUInt16LE(page.readUInt16LE(HEADER_BYTES + 2), HEADER_BYTES);
    page.writeUInt16LE(first, HEADER_BYTES + 2);
  });
}

/** Moves `lower` back by one offset: the page's last node is no longer reachable, nothing else changes. */
export function dropLastNode(file: string, start: number): Promise<void> {
  return rewritePage(file, start, (page) => page.writeUInt16LE(page.readUInt16LE(LOWER_AT) - 2, LOWER_AT));
}

/** Points the first node of a branch page at a page number far past the end of the file. */
export function pointFirstChildPastTheEnd(file: string, start: number): Promise<void> {
  return rewritePage(file, start, (page) => {
    const node = HEADER_BYTES + page.readUInt16LE(HEADER_BYTES);
    // A branch node's child page number: its first 4 bytes (mn_lo, mn_hi), then its flags field.
    page.writeUInt32LE(0x7fff_fff0, node);
  });
}

/** Overwrites `length` bytes from just past the header with seeded random bytes: the node offsets and whatever follows. */
export function garbleNodes(file: string, start: number, seed: number, length = 512): Promise<void> {
  const random = seededRandom(seed);
  return rewritePage(file, start, (page) => {
    for (let i = HEADER_BYTES; i < HEADER_BYTES + length; i++) page[i] = random.int(0, 255);
  });
}

/**
 * Overwrites `length` bytes, `skip` bytes past each copy of `needle` on a leaf page, with 0xff:
 * when the needle and the skipped bytes make a whole key, that is the start of its value,
 * stored next to it on the page. Returns how many pages it changed.
 */
export async function garbleValueAfter(file: string, needle: Buffer, length = 8, skip = 0): Promise<number> {
  const pages = await pagesHolding(file, needle, 'leaf');
  for (const start of pages) {
    await rewritePage(file, start, (page) => {
      for (let at = page.indexOf(needle); at >= 0; at = page.indexOf(needle, at + 1)) {
        const value = at + needle.length + skip;
        page.fill(0xff, value, value + length);
      }
    });
  }
  return pages.length;
}
