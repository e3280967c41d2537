import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A temp directory removed after the test file (call in a describe/it scope with afterAll/afterEach). */
export function tempDir(prefix = 'cairn-test-'): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function drivePaths(root: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => path.join(root, `disk${i + 1}`));
}
