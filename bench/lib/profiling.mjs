// What the harness offers for finding where time and memory go. CPU profiles of the
// processes a scenario starts, when asked for:
//   npm run bench -- --cpu-prof [name...]
// run.mjs sets BENCH_CPU_PROFILE_DIR for the run; every fork of a measured process (the
// server, an agent, a fleet simulator) passes profileExecArgv(role) as its execArgv, so
// Node writes <dir>/<role>/CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile when that
// process exits normally. Open one in Chrome DevTools (Performance) or speedscope, or print
// where the time went with: node bench/profile-summary.mjs <file.cpuprofile>
import { join } from 'node:path';

/** The execArgv that makes a forked process write a CPU profile for `role`, or []. */
export function profileExecArgv(role) {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, role)}`] : [];
}

/** Extra Node flags from an environment variable (space-separated), to try a setting without touching code. */
export function nodeFlagsFrom(variable) {
  return (process.env[variable] ?? '').split(/\s+/).filter(Boolean);
}

/** An event-loop delay histogram (perf_hooks.monitorEventLoopDelay, nanoseconds) as { p50Ms, p99Ms, maxMs }. */
export function loopDelayFigures(histogram) {
  return { p50Ms: histogram.percentile(50) / 1e6, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}
