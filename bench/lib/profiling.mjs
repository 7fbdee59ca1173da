// CPU profiles of the processes a scenario starts, when asked for:
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
