// CPU and memory of another process, from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks;
/** Clock ticks per second (`getconf CLK_TCK`), 100 when it cannot be asked. */
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  return Number(fields[11]) + Number(fields[12]);
}

/** VmRSS and VmHWM of a process in MiB, from /proc/<pid>/status. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Watches a process for `durationMs`: its CPU use over that time as a percentage of one
 * core (200 = two cores busy), its RSS at the end, and the largest RSS seen (sampled every
 * 250 ms). Rejects if the process does not exist at the start; if it exits meanwhile, the
 * figures cover the time it lived.
 * @param {number} pid
 * @param {number} durationMs
 * @returns {Promise<{ cpuPercentOfOneCore: number, rssMiB: number, peakRssMiB: number }>}
 */
export async function sampleProcess(pid, durationMs) {
  const ticks = ticksPerSecond();
  const startTicks = cpuTicks(pid);
  const started = performance.now();
  let { rssMiB } = memory(pid);
  let peakRssMiB = rssMiB;
  let endTicks = startTicks;
  let ended = started;
  const deadline = started + durationMs;
  for (;;) {
    const now = performance.now();
    if (now >= deadline) break;
    await sleep(Math.min(250, deadline - now));
    try {
      endTicks = cpuTicks(pid);
      ended = performance.now();
      ({ rssMiB } = memory(pid));
      peakRssMiB = Math.max(peakRssMiB, rssMiB);
    } catch {
      break; // the process is gone
    }
  }
  const seconds = (ended - started) / 1000;
  return {
    cpuPercentOfOneCore: seconds > 0 ? ((endTicks - startTicks) / ticks / seconds) * 100 : Number.NaN,
    rssMiB,
    peakRssMiB,
  };
}
