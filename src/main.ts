// The thread pool carries fsyncs, shard file I/O and Reed–Solomon coding; the default of 4
// threads is easily saturated by fsyncs alone, and a hung drive keeps the threads of its
// calls (4 would cut PUT 1 MiB's CPU ~3%: docs/performance.md, eleventh session). Must be
// set before the pool first runs.
process.env.UV_THREADPOOL_SIZE ??= '16';

// Buffer.from(string) and small allocUnsafe calls carve from a shared pool that is
// reallocated whenever it runs out; at the default 8 KiB every small PUT (event JSON per
// drive, LMDB writes, inline shards) used up several pools.
Buffer.poolSize = 64 * 1024;

import { runCli } from './cli/main';

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`cairn: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
