/**
 * Shard files written with O_DIRECT (aligned runs from a page-aligned buffer, the last run
 * padded and the file cut back) hold exactly the bytes a plain buffered write gives, for
 * frames of every awkward size: smaller than the alignment, unaligned, larger than the buffer.
 * Aligned buffers are a fixed pool: writers beyond it go through the page cache.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardFileWriter } from '../../src/infra/shards/shard-file-writer';
import { tempDir } from '../helpers/temp-dirs';

describe('shard file writer', () => {
  const root = tempDir();
  afterAll(() => root.remove());

  const cases: Array<[string, number[][]]> = [
    ['one small frame', [[8, 100]]],
    ['one frame of a 1 MiB block in 2 + 2', [[8, 512 * 1024]]],
    ['blocks then a short last block', [[8, 512 * 1024], [8, 512 * 1024], [8, 12_344]]],
    ['exactly aligned frames', [[4088, 8], [4096]]],
    ['a later frame larger than the first', [[8, 1000], [8, 700_000], [3]]],
  ];

  for (const [name, writes] of cases) {
    it(`${name}: direct and buffered files are identical`, async () => {
      const frames = writes.map((sizes) => sizes.map((size) => randomBytes(size)));
      const expected = Buffer.concat(frames.flat());
      for (const direct of [true, false]) {
        const file = path.join(root.path, `${name.replace(/\W/g, '-')}-${direct}.shard`);
        const writer = await ShardFileWriter.create(file, direct);
        for (const frame of frames) await writer.write(frame);
        expect(writer.bytesWritten).toBe(expected.length);
        await writer.finish();
        expect((await fs.readFile(file)).equals(expected)).toBe(true);
      }
    });
  }

  it('more writers at once than aligned buffers: the rest write through the page cache, every file right', async () => {
    const files = Array.from({ length: 150 }, (_, i) => ({ file: path.join(root.path, `many-${i}.shard`), frame: randomBytes(8 + 5000 + i) }));
    const writers = await Promise.all(files.map(({ file }) => ShardFileWriter.create(file, true)));
    await Promise.all(writers.map((writer, i) => writer.write([files[i].frame])));
    await Promise.all(writers.map((writer) => writer.finish()));
    for (const { file, frame } of files) expect((await fs.readFile(file)).equals(frame), file).toBe(true);
  });

  it('abort waits for a write in progress before it closes the file and frees the buffer', async () => {
    const file = path.join(root.path, 'aborted-midway.shard');
    const writer = await ShardFileWriter.create(file, true);
    const writing = writer.write([randomBytes(3 * 1024 * 1024)]); // several O_DIRECT runs
    await writer.abort();
    await expect(writing).resolves.toBeUndefined();
    await expect(fs.stat(file)).rejects.toThrow();
  });

  it('abort removes the file', async () => {
    const file = path.join(root.path, 'aborted.shard');
    const writer = await ShardFileWriter.create(file, true);
    await writer.write([randomBytes(10_000)]);
    await writer.abort();
    await expect(fs.stat(file)).rejects.toThrow();
  });
});
