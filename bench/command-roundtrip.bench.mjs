// Command round trip: POST /api/v1/agents/:id/ping through the API to a connected agent
// and back (HTTP → server → CommandStream over HTTP/2 + mTLS → agent → answer → HTTP reply).
// Three processes, so none measures on another's event loop: the server (startBenchServer:
// SQLite in a temp data dir, loopback, heartbeats every second, logger off) in one child,
// one real agent (joinControlPlane + AgentRuntime, fixed /proc sample) in another, and the
// client — Node's fetch with a bearer token, keep-alive — in this process.
//   Concurrency 1: N sequential pings. Concurrency 64: 64 pings always in flight for a
//   fixed time. Latency is the HTTP call as the client sees it; "overhead" is that minus
//   the bare @connectrpc/connect-node unary echo at the same concurrency (references), i.e.
//   what InfraPilot adds on top of one plain RPC: HTTP + auth + audit row + the stream hop.
//   node bench/command-roundtrip.bench.mjs [--quick]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fixed, percentiles, round } from './lib/stats.mjs';
import { sampleProcess } from './lib/process-usage.mjs';
import { profileExecArgv } from './lib/profiling.mjs';

export const title = 'Command round trip: POST /agents/:id/ping through the API to one real agent and back, concurrency 1 and 64 (SQLite)';

const here = fileURLToPath(import.meta.url);
const progress = (message) => console.error(`[command-roundtrip] ${message}`);
const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

// ---------------------------------------------------------------------------- child processes

/** The bench server in a child process: resolves with { url, pid, stop() }. */
export async function startServerProcess(dataDirPrefix = 'infrapilot-bench-') {
  const { child, info } = await startChild('server', { dataDirPrefix });
  return { ...info, pid: child.pid, stop: () => stopChild(child) };
}

/** One real agent in a child process, enrolled with `enrollment` (POST /agents' reply). */
async function startAgentProcess(enrollment) {
  const { child, info } = await startChild('agent', enrollment);
  return { ...info, pid: child.pid, stop: () => stopChild(child) };
}

function startChild(role, input) {
  return new Promise((resolve, reject) => {
    const child = fork(here, ['--child', role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: profileExecArgv(role) });
    const onExit = (code, signal) => reject(new Error(`the ${role} process exited (${signal ?? code}) before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', (message) => {
      if (message.ready) {
        child.send({ input });
      } else if (message.ok) {
        child.off('exit', onExit);
        resolve({ child, info: message.info });
      } else {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new Error(`${role}: ${message.error}`));
      }
    });
  });
}

/** Asks a child to clean up and exit; kills it after 20 s. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ stop: true });
    else child.kill('SIGTERM');
  });
}

const ROLES = {
  async server({ dataDirPrefix }) {
    const { startBenchServer } = await import('./bench-server.mjs');
    const { server, dataDir } = await startBenchServer(dataDirPrefix);
    return {
      info: { url: server.url },
      async stop() {
        await server.stop().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
  async agent({ serverUrl, token, caHash }) {
    const { AgentRuntime, joinControlPlane } = await import('../packages/agent/dist/index.js');
    const { fixedMetrics } = await import('./fleet-simulator.mjs');
    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-agent-'));
    try {
      const identity = await joinControlPlane({ serverUrl, token, caHash, stateDir, hostname: 'bench-roundtrip' });
      const runtime = new AgentRuntime({ stateDir, logger: silentLogger, metrics: fixedMetrics() });
      const connected = new Promise((resolve) => runtime.once('connected', resolve));
      void runtime.run().catch(() => undefined);
      await connected;
      return {
        info: { agentId: identity.agentId },
        async stop() {
          await runtime.stop().catch(() => undefined);
          rmSync(stateDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      rmSync(stateDir, { recursive: true, force: true });
      throw error;
    }
  },
};

async function childMain(role) {
  let running;
  let stopping;
  const stop = () => (stopping ??= (async () => running && (await running.stop()))());
  // The parent gone (killed, crashed): clean up all the same.
  process.once('disconnect', () => void stop().finally(() => process.exit(0)));
  process.on('message', async (message) => {
    if (message.input) {
      try {
        running = await ROLES[role](message.input);
        process.send({ ok: true, info: running.info });
      } catch (error) {
        process.send({ ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    } else if (message.stop) {
      await stop();
      process.exit(0);
    }
  });
  // The parent waits for this: a message sent before the listener exists would be lost.
  process.send({ ready: true });
}

// ---------------------------------------------------------------------------- the client (this process)

/** Signs in with the bench account; returns the bearer headers. */
export async function signIn(baseUrl, email, password) {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const reply = await response.json();
  if (!response.ok || !reply.accessToken) throw new Error(`sign-in failed (${response.status}): ${JSON.stringify(reply)}`);
  return { authorization: `Bearer ${reply.accessToken}` };
}

/**
 * Pings at `concurrency` until `count` pings are done or `durationMs` has passed.
 * Returns the client-side latencies, the server's stream round trips and failures.
 */
async function pingLoad({ url, headers, concurrency, count = Infinity, durationMs = Infinity }) {
  const latencies = [];
  const roundTrips = [];
  let failures = 0;
  let lastError;
  let started = 0;
  const begin = performance.now();
  const deadline = begin + durationMs;
  const worker = async () => {
    while (started < count && performance.now() < deadline) {
      started += 1;
      const sent = performance.now();
      try {
        const response = await fetch(url, { method: 'POST', headers });
        const reply = await response.json();
        if (!response.ok) throw new Error(`${response.status} ${reply.code ?? ''} ${reply.message ?? ''}`);
        latencies.push(performance.now() - sent);
        roundTrips.push(reply.roundTripMs);
      } catch (error) {
        failures += 1;
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - begin) / 1000;
  return { latencies, roundTrips, failures, lastError, seconds, perSecond: latencies.length / seconds };
}

async function referencesWhenAlone(quick) {
  try {
    const { measureReferences } = await import(pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), 'references.mjs')).href);
    progress('measuring the references (run alone)');
    return await measureReferences({ quick });
  } catch (error) {
    progress(`no references: ${error instanceof Error ? error.message : error}`);
    return {};
  }
}

const minus = (a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : null);
const below = (value, limit) => (typeof value === 'number' ? value < limit : null);

/** @param {{ quick: boolean, references?: Record<string, number | null> }} options */
export async function run({ quick = false, references = {} } = {}) {
  const sequentialPings = quick ? 300 : 2000;
  const loadSeconds = quick ? 3 : 10;
  const { BENCH_EMAIL, BENCH_PASSWORD } = await import('./bench-server.mjs');
  let server;
  let agent;
  try {
    progress('starting the server process');
    server = await startServerProcess('infrapilot-bench-roundtrip-');
    const headers = await signIn(server.url, BENCH_EMAIL, BENCH_PASSWORD);
    const created = await fetch(`${server.url}/api/v1/agents`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-roundtrip' }),
    });
    const enrollment = await created.json();
    if (!created.ok) throw new Error(`POST /agents: ${created.status} ${JSON.stringify(enrollment)}`);
    progress('starting the agent process');
    agent = await startAgentProcess({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash });
    const url = `${server.url}/api/v1/agents/${agent.agentId}/ping`;

    progress('warming up');
    await pingLoad({ url, headers, concurrency: 8, count: 200 });

    progress(`${sequentialPings} pings, one at a time`);
    const one = await pingLoad({ url, headers, concurrency: 1, count: sequentialPings });
    progress(`64 pings in flight for ${loadSeconds} s`);
    const clientCpuBefore = process.cpuUsage();
    const clientClockBefore = performance.now();
    const [many, usage, agentUsage] = await Promise.all([
      pingLoad({ url, headers, concurrency: 64, durationMs: loadSeconds * 1000 }),
      sampleProcess(server.pid, loadSeconds * 1000 - 250),
      sampleProcess(agent.pid, loadSeconds * 1000 - 250),
    ]);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const clientCpuPercent = ((clientCpu.user + clientCpu.system) / 1000 / (performance.now() - clientClockBefore)) * 100;

    const at = {};
    const rows = [];
    for (const [concurrency, result, echoP50, echoP99] of [
      [1, one, references.connectEchoP50MsConcurrency1, references.connectEchoP99MsConcurrency1],
      [64, many, references.connectEchoP50MsConcurrency64, references.connectEchoP99MsConcurrency64],
    ]) {
      const latency = percentiles(result.latencies);
      const stream = percentiles(result.roundTrips);
      at[concurrency] = {
        latency,
        stream,
        perSecond: result.perSecond,
        failures: result.failures,
        overheadP50: minus(latency.p50, echoP50),
        overheadP99: minus(latency.p99, echoP99),
      };
      if (result.failures > 0) progress(`${result.failures} pings failed at concurrency ${concurrency}; last: ${result.lastError}`);
      rows.push({
        concurrency,
        pings: latency.count,
        failed: result.failures,
        'pings/s': fixed(result.perSecond, 0),
        'API p50 ms': fixed(latency.p50, 2),
        'API p99 ms': fixed(latency.p99, 2),
        'stream p50 ms': fixed(stream.p50, 2),
        'stream p99 ms': fixed(stream.p99, 2),
        'echo ref p50/p99 ms': `${fixed(echoP50, 2)} / ${fixed(echoP99, 2)}`,
        'overhead p50 ms': fixed(at[concurrency].overheadP50, 2),
        'overhead p99 ms': fixed(at[concurrency].overheadP99, 2),
        'server / agent / client CPU %': concurrency === 64 ? `${fixed(usage.cpuPercentOfOneCore, 0)} / ${fixed(agentUsage.cpuPercentOfOneCore, 0)} / ${fixed(clientCpuPercent, 0)}` : '',
      });
    }

    const figures = {};
    for (const concurrency of [1, 64]) {
      const c = at[concurrency];
      Object.assign(figures, {
        [`pingP50MsAtConcurrency${concurrency}`]: round(c.latency.p50),
        [`pingP99MsAtConcurrency${concurrency}`]: round(c.latency.p99),
        [`pingsPerSecondAtConcurrency${concurrency}`]: round(c.perSecond, 1),
        [`pingStreamRoundTripP50MsAtConcurrency${concurrency}`]: round(c.stream.p50),
        [`pingStreamRoundTripP99MsAtConcurrency${concurrency}`]: round(c.stream.p99),
        [`pingOverheadP50MsAtConcurrency${concurrency}`]: round(c.overheadP50),
        [`pingOverheadP99MsAtConcurrency${concurrency}`]: round(c.overheadP99),
        [`pingFailuresAtConcurrency${concurrency}`]: c.failures,
      });
    }
    figures.serverCpuPercentAtConcurrency64 = round(usage.cpuPercentOfOneCore, 1);
    figures.serverRssMiBAtConcurrency64 = round(usage.peakRssMiB, 1);
    figures.agentCpuPercentAtConcurrency64 = round(agentUsage.cpuPercentOfOneCore, 1);
    figures.clientCpuPercentAtConcurrency64 = round(clientCpuPercent, 1);

    const echoPerSecond = references.connectEchoPerSecondConcurrency64;
    const ratios = {
      pingsPerSecondAtConcurrency64ToConnectEcho: typeof echoPerSecond === 'number' && echoPerSecond > 0 ? round(at[64].perSecond / echoPerSecond, 3) : null,
    };
    const goals = [
      { figure: 'pingOverheadP50MsAtConcurrency64', target: '< 2', met: below(figures.pingOverheadP50MsAtConcurrency64, 2) },
      { figure: 'pingOverheadP99MsAtConcurrency64', target: '< 10', met: below(figures.pingOverheadP99MsAtConcurrency64, 10) },
    ];
    return { rows, figures, ratios, goals };
  } finally {
    await agent?.stop();
    await server?.stop();
  }
}

if (process.argv[2] === '--child') {
  await childMain(process.argv[3]);
} else if (process.argv[1] === here) {
  const quick = process.argv.includes('--quick');
  const result = await run({ quick, references: await referencesWhenAlone(quick) });
  console.table(result.rows);
  console.log(JSON.stringify({ figures: result.figures, ratios: result.ratios, goals: result.goals }, null, 2));
}
