// Turning cells into tables: aligned text for the terminal, Markdown for
// docs/performance.md, plus the cairn-vs-s3rver comparison against targets.
const fmtNum = (v, digits) =>
  v === null || v === undefined || Number.isNaN(v)
    ? '-'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Picks a sensible number of decimals for a value. */
export function num(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  const a = Math.abs(v);
  return fmtNum(v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

export function textTable(head, rows, rightFrom = 1) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i < rightFrom ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

function mdTable(head, rows, rightFrom = 1) {
  const sep = head.map((_, i) => (i < rightFrom ? '---' : '---:'));
  const line = (r) => '| ' + r.join(' | ') + ' |';
  return [line(head), line(sep), ...rows.map(line)].join('\n');
}

// Cores busy outside server and client during a cell that mark it as disturbed.
export const DISTURBED = 0.2;
const DISTURBED_RATIO =
  '* the cairn or s3rver cell of a round was disturbed (*N: in N rounds): rerun before trusting this ratio';
const FOOTNOTE = `* disturbed: more than ${DISTURBED} cores were busy outside the server and the client during the window`;

const RESULT_HEAD = ['workload', 'server', 'conc', 'ops', 'ops/s', 'MiB/s', 'keys/s', 'p50 ms', 'p99 ms', 'srv CPU ms/op', 'srv cores', 'loop % core/wait', 'cli CPU ms/op'];

/**
 * The server's event loop's percent of a cell's window on a core and waiting for one, or
 * null (a cell from before the bench measured it, or no schedstat).
 */
export function loopPercents(c) {
  if (c.loopOnCore === null || c.loopOnCore === undefined) return null;
  return { onCore: Math.round(c.loopOnCore * 100), waiting: Math.round(c.loopWaiting * 100) };
}

/** "65/25" for the results table. */
function loopShares(c) {
  const loop = loopPercents(c);
  return loop ? `${loop.onCore}/${loop.waiting}` : '-';
}

function resultRows(cells, workloads) {
  const rows = [];
  const rounds = Math.max(1, ...cells.map((c) => c.round ?? 1));
  const serverLabel = (c) => (rounds > 1 ? `${c.server} #${c.round}` : c.server);
  for (const w of workloads)
    for (const c of cells.filter((c) => c.workload === w.id)) {
      if (c.error) {
        rows.push([w.name, serverLabel(c), String(w.concurrency), 'FAILED', '', '', '', '', '', '', '', '', '']);
        continue;
      }
      rows.push([
        w.name, serverLabel(c), String(w.concurrency), String(c.ops), num(c.opsPerSec) + (c.otherCores > DISTURBED ? ' *' : ''), num(c.mibPerSec), c.keysPerSec === null ? '-' : num(c.keysPerSec),
        num(c.p50Ms), num(c.p99Ms), num(c.serverCpuMsPerOp), num(c.serverCores), loopShares(c), num(c.clientCpuMsPerOp),
      ]);
    }
  return rows;
}

const METRIC = {
  ops: { label: 'ops/s', get: (c) => c.opsPerSec },
  mib: { label: 'MiB/s', get: (c) => c.mibPerSec },
  keys: { label: 'keys/s', get: (c) => c.keysPerSec },
};

/** The median of some numbers (null for none). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/**
 * cairn vs s3rver per workload, with targets marked met / not met. With several rounds
 * (--rounds), each figure is the median over the rounds, and a ratio the median of the
 * rounds' own ratios: the two cells of a round ran seconds apart, under the same noise.
 */
export function comparisons(cells, workloads) {
  const of = (server, id) => cells.filter((c) => c.server === server && c.workload === id);
  const measured = (server, id) => of(server, id).filter((c) => !c.error);
  return workloads.map((w) => {
    const metric = METRIC[w.target?.metric ?? (w.kind === 'list' ? 'keys' : w.label === '4k' ? 'ops' : 'mib')];
    const cairn = measured('cairn', w.id), s3rver = measured('s3rver', w.id), nul = measured('null', w.id), durable = measured('durable', w.id);
    // A round pairs one server's cell with another's cell of the same round.
    const pairs = (ones, others) =>
      ones.flatMap((c) => {
        const other = others.find((o) => (o.round ?? 1) === (c.round ?? 1));
        return other ? [[c, other]] : [];
      });
    const pairsWith = (others) => pairs(cairn, others);
    const pairedRatio = (ones, others) => median(pairs(ones, others).map(([a, b]) => metric.get(a) / metric.get(b)));
    const s3rverPairs = pairsWith(s3rver);
    const ratios = s3rverPairs.map(([c, o]) => metric.get(c) / metric.get(o));
    const ratio = median(ratios);
    const cpu = median(cairn.map((c) => c.serverCpuMsPerOp));
    // A round in which a server failed leaves no verdict: the surviving rounds alone could read "met".
    const cpuFailed = of('cairn', w.id).some((c) => c.error);
    const ratioFailed = cpuFailed || of('s3rver', w.id).some((c) => c.error);
    const ratioTarget = w.target?.ratio ?? null, cpuTarget = w.target?.cpuMs ?? null;
    return {
      workload: w.id, name: w.name, metric: metric.label, pairedRounds: ratios.length, ratioFailed, cpuFailed,
      cairn: median(cairn.map(metric.get)), s3rver: median(s3rver.map(metric.get)), null: median(nul.map(metric.get)),
      ratio, ratios, ratioTarget, ratioMet: ratioFailed || ratio === null || ratioTarget === null ? null : ratio >= ratioTarget,
      cpuMsPerOp: cpu, cpuTarget, cpuMet: cpuFailed || cpu === null || cpuTarget === null ? null : cpu <= cpuTarget,
      cairnOfNull: pairedRatio(cairn, nul),
      // The durable floor server (bench/durable-server.mjs): what the least work a durable PUT
      // needs reaches against s3rver, and how much of that floor cairn reaches.
      floorRatio: pairedRatio(durable, s3rver),
      floorDisturbedRounds: pairs(durable, s3rver).filter((pair) => pair.some((c) => c.otherCores > DISTURBED)).length,
      floorCpuMsPerOp: median(durable.map((c) => c.serverCpuMsPerOp)),
      cairnOfFloor: pairedRatio(cairn, durable),
      // Rounds whose cairn or s3rver cell had other work on the machine during its window.
      disturbedRounds: s3rverPairs.filter((pair) => pair.some((c) => c.otherCores > DISTURBED)).length,
    };
  });
}

/** "2.10×", or with several rounds "2.10× (1.90–2.40)": the median and the rounds' spread. */
function ratioText(c) {
  if (c.ratio === null) return '-';
  const spread = c.ratios.length > 1 ? ` (${num(Math.min(...c.ratios))}–${num(Math.max(...c.ratios))})` : '';
  const disturbed = c.disturbedRounds === 0 ? '' : c.pairedRounds > 1 ? ` *${c.disturbedRounds}` : ' *';
  return num(c.ratio) + '×' + spread + disturbed;
}

const met = (v, failed) => (failed ? 'no verdict (a cell failed)' : v === null ? '' : v ? 'met' : 'NOT MET');

function comparisonRows(comps) {
  return comps.map((c) => [
    c.name, c.metric, num(c.cairn), num(c.s3rver), ratioText(c),
    c.ratioTarget ? `≥ ${c.ratioTarget}×` : '', c.ratioTarget ? met(c.ratioMet, c.ratioFailed) : '',
    num(c.cpuMsPerOp), c.cpuTarget ? `≤ ${c.cpuTarget}` : '', c.cpuTarget ? met(c.cpuMet, c.cpuFailed) : '',
    percent(c.cairnOfNull),
    c.floorRatio === null ? '-' : num(c.floorRatio) + '×' + (c.floorDisturbedRounds ? ` *${c.floorDisturbedRounds}` : '') + (c.ratioTarget && c.floorRatio < c.ratioTarget ? ' (under target)' : ''),
    c.floorCpuMsPerOp === null ? '-' : num(c.floorCpuMsPerOp),
    percent(c.cairnOfFloor),
  ]);
}
const FLOOR_NOTE =
  'durable/s3rver: the durable floor server (bench/durable-server.mjs: SigV4, MD5, CRC32, 2+2 coding, bitrot hashes and\n' +
  'the durable 4-drive commit, nothing else) against s3rver; "under target": the target is out of reach on this machine\n' +
  'for any server that makes PUTs as durable as cairn must; its CPU per PUT is the floor under the CPU target.\n' +
  'cairn/durable: how much of that floor\'s throughput cairn reaches.';
const percent = (share) => (share === null ? '-' : Math.round(share * 100) + '%');
const COMP_HEAD = ['workload', 'metric', 'cairn', 's3rver', 'cairn/s3rver', 'target', '', 'cairn CPU ms/op', 'target', '', 'cairn/null', 'durable/s3rver', 'durable CPU ms/op', 'cairn/durable'];

export function textReport(cells, workloads, comps) {
  return [
    'Results (ops = completed in the measured window; list ops are 1000-key pages; srv CPU = server process tree',
    'utime+stime per op; srv cores = server CPU / wall time; loop % core/wait = the server\'s event loop on a core /',
    'runnable but waiting for one, in % of the window; cli = this load generator)',
    '',
    textTable(RESULT_HEAD, resultRows(cells, workloads), 2),
    ...(cells.some((c) => c.otherCores > DISTURBED) ? [FOOTNOTE] : []),
    '',
    'cairn vs s3rver (targets)',
    '',
    textTable(COMP_HEAD, comparisonRows(comps), 2),
    ...(comps.some((c) => c.disturbedRounds) ? [DISTURBED_RATIO] : []),
    ...(comps.some((c) => c.floorRatio !== null) ? [FLOOR_NOTE] : []),
  ].join('\n');
}

export function markdownReport(meta, cells, workloads, comps, skipped) {
  const out = [
    `### ${meta.date.slice(0, 10)} — ${meta.git}`,
    '',
    `Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memGiB} GiB RAM, Node ${meta.machine.node}, Linux ${meta.machine.kernel}.  `,
    `Command: \`${meta.command}\` (warm-up ${meta.options.warmup} s, measured ${meta.options.duration} s per cell, ${meta.options.clientThreads} client thread(s), ${meta.options.client} client, ${meta.options.signedPayload ? 'signed payload (SHA-256)' : 'UNSIGNED-PAYLOAD + x-amz-checksum-crc32'}).  `,
    'Client and servers share the machine; "srv CPU" is the server process tree\'s CPU time per operation (list: per 1000-key page).',
    '',
    mdTable(RESULT_HEAD, resultRows(cells, workloads), 2),
    ...(cells.some((c) => c.otherCores > DISTURBED) ? ['', FOOTNOTE] : []),
    '',
    mdTable(COMP_HEAD.map((h, i) => h || (i === 6 ? 'ratio' : 'CPU')), comparisonRows(comps), 2),
    ...(comps.some((c) => c.disturbedRounds) ? ['', DISTURBED_RATIO] : []),
    ...(comps.some((c) => c.floorRatio !== null) ? ['', FLOOR_NOTE] : []),
  ];
  for (const [name, why] of Object.entries(skipped)) out.push('', `${name} not measured: ${why}`);
  return out.join('\n');
}
