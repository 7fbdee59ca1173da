// Agent fan-in: how a control plane copes with a fleet. Starts a real server (SQLite, its
// own temp data dir, loopback ports, heartbeats every second) and the fleet simulator in
// the same process, so the RSS figures hold server and agents together. Each fleet size
// runs in a fresh child process, so one size's memory does not show up in the next.
//   node bench/agent-fanin.bench.mjs            all sizes, as a table
//   node bench/agent-fanin.bench.mjs --fleet 50 one size, as JSON (what run() spawns)
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { BENCH_EMAIL, BENCH_PASSWORD, startBenchServer } from './bench-server.mjs';
import { simulateFleet } from './fleet-simulator.mjs';

export const title = 'Agent fan-in: enroll, connect, heartbeat and ping a simulated fleet (SQLite, 1 s heartbeats)';

const FLEETS = [50, 200];
const DURATION_SECONDS = 10;

const MIB = 1024 * 1024;
const here = fileURLToPath(import.meta.url);
const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const rssMiB = () => process.memoryUsage().rss / MIB;

/** One fleet against a fresh server in this process. */
async function measure(agents) {
  const rssBefore = rssMiB();
  const { server, dataDir } = await startBenchServer('infrapilot-bench-fanin-');
  const rssServerIdle = rssMiB();
  try {
    const result = await simulateFleet({
      serverUrl: server.url,
      email: BENCH_EMAIL,
      password: BENCH_PASSWORD,
      agents,
      durationSeconds: DURATION_SECONDS,
      // The server is thrown away afterwards; removing each agent would only add time.
      keepAgents: true,
    });
    return {
      agents,
      'enroll all s': fixed(result.enrollSeconds, 2),
      'all connected s': fixed(result.connectSeconds, 2),
      'heartbeats/s': fixed(result.heartbeatsPerSecond),
      disconnects: result.disconnectsDuringRun,
      pings: result.pings,
      'ping p50 ms': fixed(result.pingApiMs.p50),
      'ping p95 ms': fixed(result.pingApiMs.p95),
      'ping p99 ms': fixed(result.pingApiMs.p99),
      'stream RTT p50 ms': fixed(result.pingRoundTripMs.p50),
      'RSS before MiB': fixed(rssBefore, 0),
      'RSS server idle MiB': fixed(rssServerIdle, 0),
      'RSS with fleet MiB': fixed(result.rssMiB.steady, 0),
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run() {
  const rows = [];
  for (const agents of FLEETS) {
    const { stdout } = await promisify(execFile)(process.execPath, [here, '--fleet', String(agents)], { maxBuffer: MIB, timeout: 10 * 60_000 });
    rows.push(JSON.parse(stdout));
  }
  return rows;
}

if (process.argv[1] === here) {
  const { values } = parseArgs({ options: { fleet: { type: 'string' } } });
  if (values.fleet) {
    const row = await measure(Number(values.fleet));
    process.stdout.write(`${JSON.stringify(row)}\n`);
  } else {
    console.table(await run());
  }
}
