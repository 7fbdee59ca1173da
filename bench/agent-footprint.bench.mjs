// Agent footprint: what the agent costs a host when nothing is asked of it.
// The single-file bundle (packages/agent/dist/agent.bundle.js, built here by
// packages/agent/scripts/bundle.mjs when it is missing) is measured as shipped — bytes and
// gzip — and then installed and run the way deploy/install.sh does it: copied as agent.js
// into a temp lib dir beside {"type":"module"}, `node agent.js join …` with a token from
// the API, then `node agent.js run --state-dir … --policy …` as its own process (this
// Node; the policy turns the docker capability on, against the machine's dockerd; every
// other key is the policy's default, as on a host without a policy file).
// The control plane is a real server in a child process (SQLite, temp data dir, loopback,
// heartbeats every 10 s, the default). Once the agent is connected and its Docker
// answers through the API, it is left alone 10 s (2 s with --quick) to settle, then /proc/<pid> is sampled
// for 60 s (4 s with --quick): CPU % of one core over the window, RSS at the end and the
// largest RSS seen. Reference: a bare Node process (a timer only), sampled the same way.
//   node bench/agent-footprint.bench.mjs [--quick]
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sampleProcess } from './lib/process-usage.mjs';
import { nodeFlagsFrom, profileExecArgv } from './lib/profiling.mjs';
import { fixed, round } from './lib/stats.mjs';

export const title = 'Agent footprint: bundle size, and RSS and CPU of a real agent (docker capability on) idle at a 10 s heartbeat';

const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..');
const BUNDLE = join(root, 'packages', 'agent', 'dist', 'agent.bundle.js');
/** Extra Node flags for the agent (BENCH_AGENT_NODE_FLAGS), to try memory settings. */
const AGENT_NODE_FLAGS = nodeFlagsFrom('BENCH_AGENT_NODE_FLAGS');
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench password that is long enough';
const HEARTBEAT_SECONDS = 10;
const SETTLE_MS = 10_000;
const QUICK_SETTLE_MS = 2_000;
const MiB = 1024 * 1024;
/** The goal is in MB (10^6 bytes); RSS is read in MiB. */
const RSS_GOAL_MIB = (60 * 1e6) / MiB;
const CPU_GOAL_PERCENT = 0.5;
const progress = (message) => console.error(`[agent-footprint] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------- the server (child)

async function serverChild() {
  const { startServer } = await import('../packages/server/dist/index.js');
  const server = await startServer(
    {
      dataDir: process.env.BENCH_DATA_DIR,
      masterKey: randomBytes(32).toString('base64'),
      httpHost: '127.0.0.1',
      httpPort: 0,
      grpcHost: '127.0.0.1',
      grpcPort: 0,
      publicUrl: 'http://127.0.0.1',
      heartbeatIntervalSeconds: HEARTBEAT_SECONDS,
      adminEmail: EMAIL,
      adminPassword: PASSWORD,
      logLevel: 'silent',
    },
    { logger: false },
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.stop().finally(() => process.exit(0));
  };
  process.on('message', (message) => message === 'stop' && stop());
  process.once('disconnect', stop);
  process.send({ url: server.url });
}

/** Forks this file as the server; resolves with its URL and a stop(). */
function startServerChild(dataDir) {
  const child = fork(here, ['--server-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: profileExecArgv('server'), env: { ...process.env, BENCH_DATA_DIR: dataDir } });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    child.once('message', ({ url }) => resolve({ url, pid: child.pid, stop }));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the server exited (${signal ?? code}) before listening`)));
  });
}

// ---------------------------------------------------------------------------- the agent

/** Runs `node agent.js …` to completion; resolves with its stdout. */
function agentCommand(agentJs, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [agentJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`agent ${args[0]} exited ${code}: ${stderr.trim()}`))));
  });
}

/** Starts `node agent.js run …` as its own process; keeps the tail of its log for errors. */
function startAgent(agentJs, stateDir, policyPath) {
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, ...profileExecArgv('agent'), agentJs, 'run', '--state-dir', stateDir, '--policy', policyPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid,
    log: () => log,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The bundle as shipped, built first when missing (what `npm run build` does after tsc). */
function bundleSize() {
  if (!existsSync(BUNDLE)) {
    progress('building the agent bundle');
    execFileSync(process.execPath, [join(root, 'packages', 'agent', 'scripts', 'bundle.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const bytes = readFileSync(BUNDLE);
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
}

/**
 * The reference: the same Node with nothing in it but a 10 s timer, sampled the same way
 * for a few seconds — the part of the agent's RSS that is Node's own.
 */
async function bareNode(sampleMs) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 10_000)'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await sleep(1000);
    return await sampleProcess(child.pid, sampleMs);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

// ---------------------------------------------------------------------------- the measuring process

/** @param {{ quick?: boolean, references?: object }} [options] */
export async function run({ quick = false } = {}) {
  const sampleMs = quick ? 4_000 : 60_000;
  const settleMs = quick ? QUICK_SETTLE_MS : SETTLE_MS;
  const size = bundleSize();
  const dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-footprint-server-'));
  const hostDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-footprint-host-'));
  const stateDir = join(hostDir, 'state');
  const agentJs = join(hostDir, 'lib', 'agent.js');
  const policyPath = join(hostDir, 'agent.yaml');
  let server;
  let agent;
  try {
    // As deploy/install.sh lays it out: agent.js beside {"type":"module"}, a policy file.
    execFileSync('mkdir', ['-p', join(hostDir, 'lib')]);
    writeFileSync(join(hostDir, 'lib', 'package.json'), '{ "type": "module" }\n');
    copyFileSync(BUNDLE, agentJs);
    writeFileSync(policyPath, 'capabilities:\n  docker: true\n');

    server = await startServerChild(dataDir);
    const { InfraPilotClient } = await import('../packages/client/dist/index.js');
    const client = new InfraPilotClient({ baseUrl: server.url });
    await client.auth.login({ email: EMAIL, password: PASSWORD });
    const enrollment = await client.agents.create({ name: 'bench-footprint' });
    const joined = await agentCommand(agentJs, ['join', '--server', enrollment.serverUrl, '--token', enrollment.token, '--ca-hash', enrollment.caHash, '--state-dir', stateDir]);
    const agentId = /as agent (\S+)/.exec(joined)?.[1];
    if (!agentId) throw new Error(`cannot read the agent id from the join output: ${joined.trim()}`);

    agent = startAgent(agentJs, stateDir, policyPath);
    // Connected, and the docker capability reporting the machine's dockerd through the API.
    const deadline = Date.now() + 30_000;
    let engine;
    for (;;) {
      if (!agent.alive()) throw new Error(`the agent exited: ${agent.log().trim()}`);
      const seen = await client.agents.get(agentId);
      if (seen.connected) engine = await client.docker.engine(agentId).catch(() => undefined);
      if (engine?.available) break;
      if (Date.now() > deadline) {
        throw new Error(
          seen.connected ? `the agent's Docker did not answer within 30 s: ${engine?.problem ?? 'no report'}` : `the agent did not connect within 30 s: ${agent.log().trim()}`,
        );
      }
      await sleep(200);
    }
    progress(`agent ${agent.pid} connected; settling ${settleMs / 1000} s, then sampling ${sampleMs / 1000} s`);
    await sleep(settleMs);
    if (!agent.alive()) throw new Error(`the agent exited: ${agent.log().trim()}`);
    const usage = await sampleProcess(agent.pid, sampleMs);
    if (!agent.alive()) throw new Error(`the agent exited while sampled: ${agent.log().trim()}`);
    const after = await client.agents.get(agentId);
    const bare = await bareNode(quick ? 1000 : 5000);
    const nodeVersion = execFileSync(process.execPath, ['--version'], { encoding: 'utf8' }).trim();

    const figures = {
      agentBundleBytes: size.bytes,
      agentBundleMiB: round(size.bytes / MiB, 2),
      agentBundleGzipBytes: size.gzipBytes,
      agentBundleGzipMiB: round(size.gzipBytes / MiB, 2),
      agentIdleRssMiB: round(usage.rssMiB, 1),
      agentPeakRssMiB: round(usage.peakRssMiB, 1),
      agentIdleCpuPercentOfOneCore: round(usage.cpuPercentOfOneCore, 3),
      bareNodeIdleRssMiB: round(bare.rssMiB, 1),
      agentSampleSeconds: sampleMs / 1000,
      agentHeartbeatIntervalSeconds: HEARTBEAT_SECONDS,
    };
    const rows = [
      { measure: 'bundle (agent.bundle.js)', value: `${fixed(size.bytes / MiB, 2)} MiB (${size.bytes} bytes)` },
      { measure: 'bundle, gzip', value: `${fixed(size.gzipBytes / MiB, 2)} MiB (${size.gzipBytes} bytes)` },
      { measure: 'idle RSS (end of window)', value: `${fixed(usage.rssMiB, 1)} MiB` },
      { measure: 'peak RSS (window, 250 ms samples)', value: `${fixed(usage.peakRssMiB, 1)} MiB` },
      { measure: 'reference: bare Node (a timer only) RSS', value: `${fixed(bare.rssMiB, 1)} MiB (agent = ${fixed(usage.rssMiB / bare.rssMiB, 2)}×)` },
      { measure: 'CPU, % of one core', value: `${fixed(usage.cpuPercentOfOneCore, 3)} %` },
      { measure: 'window', value: `${sampleMs / 1000} s after ${settleMs / 1000} s settling, heartbeat every ${HEARTBEAT_SECONDS} s, ${nodeVersion}` },
      { measure: 'docker through the agent', value: `Docker ${engine.version ?? '?'} at ${engine.endpoint ?? '?'}` },
      { measure: 'still connected at the end', value: String(after.connected) },
    ];
    return {
      rows,
      figures,
      ratios: { agentIdleRssToBareNode: round(usage.rssMiB / bare.rssMiB, 2) },
      goals: [
        { figure: 'agentIdleRssMiB', target: `≤ ${fixed(RSS_GOAL_MIB, 1)} (60 MB)`, met: usage.rssMiB <= RSS_GOAL_MIB },
        { figure: 'agentIdleCpuPercentOfOneCore', target: `≤ ${CPU_GOAL_PERCENT}`, met: usage.cpuPercentOfOneCore <= CPU_GOAL_PERCENT },
      ],
    };
  } finally {
    await agent?.stop();
    await server?.stop();
    rmSync(hostDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--server-child') {
  await serverChild();
} else if (process.argv[1] === here) {
  const result = await run({ quick: process.argv.includes('--quick'), references: {} });
  console.table(result.rows);
  console.log(JSON.stringify({ figures: result.figures, ratios: result.ratios, goals: result.goals }, null, 2));
}
