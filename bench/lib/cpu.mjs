// CPU time of a server: utime+stime of its process (all threads are summed in
// /proc/<pid>/stat) plus every live descendant, plus cutime+cstime so children
// that exited and were reaped during the window still count.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSec = 0;
function clockTicks() {
  if (!ticksPerSec) {
    try {
      ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSec = 100;
    }
  }
  return ticksPerSec;
}

function readStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name may contain spaces and ')': fields start after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid=4, utime=14, stime=15, cutime=16, cstime=17
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null; // process went away
  }
}

/** CPU milliseconds used so far by the process tree rooted at `rootPid`. */
export function treeCpuMs(rootPid) {
  const stats = new Map();
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const st = readStat(name);
    if (st) stats.set(Number(name), st);
  }
  const children = new Map();
  for (const [pid, st] of stats) {
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(pid);
  }
  let ticks = 0;
  const pids = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    const st = stats.get(pid);
    if (!st) continue;
    ticks += st.ticks;
    pids.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return { ms: (ticks * 1000) / clockTicks(), pids };
}

/**
 * Per process of `pids`: the milliseconds its main thread (the event loop of a Node server)
 * has run on a core and waited runnable for one, from /proc/<pid>/task/<pid>/schedstat
 * (nanoseconds). Waiting for a core is what a busy event loop does when the machine's
 * cores are taken by its other threads and the client.
 */
export function mainThreadSchedule(pids) {
  const schedule = new Map();
  for (const pid of pids) {
    try {
      const [runNs, waitNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').trim().split(' ').map(Number);
      schedule.set(pid, { runMs: runNs / 1e6, waitMs: waitNs / 1e6 });
    } catch {
      // the process went away, or the kernel keeps no schedstat
    }
  }
  return schedule;
}

/**
 * The share of the window [a, b] (samples of `mainThreadSchedule`, `ms` apart) that the
 * busiest main thread ran on a core and waited for one: the server's event loop.
 */
export function loopSchedule(a, b, ms) {
  let busiest = null;
  for (const [pid, end] of b) {
    const start = a.get(pid);
    if (!start) continue;
    const run = end.runMs - start.runMs;
    if (!busiest || run > busiest.run) busiest = { run, wait: end.waitMs - start.waitMs };
  }
  return busiest && ms > 0 ? { loopOnCore: busiest.run / ms, loopWaiting: busiest.wait / ms } : { loopOnCore: null, loopWaiting: null };
}

/** CPU milliseconds used so far by this (client) process, all threads. */
export function selfCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function tickMs() {
  return 1000 / clockTicks();
}

/**
 * Busy CPU milliseconds of the whole machine (all cores), from /proc/stat:
 * everything but idle and iowait. Minus server and client, what remains is
 * other processes plus interrupt work not charged to any process.
 */
export function machineBusyMs() {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is already in user)
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
  return (busy * 1000) / clockTicks();
}

