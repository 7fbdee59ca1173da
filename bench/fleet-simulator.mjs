// The fleet simulator: many agent sessions in one process, each with the real agent code
// (joinControlPlane, AgentRuntime: pinned enrollment, mTLS, CommandStream, heartbeats), so
// the control plane sees what a fleet of hosts would send it. Only the /proc reading is
// replaced by a fixed sample, so that the simulator measures the server and not /proc.
//
// As a library: simulateFleet({ serverUrl, email, password, agents, durationSeconds }), or,
// for a fleet that grows in steps and times every heartbeat, createFleet(...) in this
// process or startSimulatorProcess(...) in a child process (the agent fan-in bench).
// As a command, against a running control plane (loopback or a test host of your own):
//   node bench/fleet-simulator.mjs --server http://127.0.0.1:8080 --email E --password P \
//     --agents 200 --duration 30
// It needs the built packages (npx tsc -b packages/protocol packages/client packages/agent
// packages/server packages/cli).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loopDelayFigures, profileExecArgv } from './lib/profiling.mjs';
import { AgentRuntime, joinControlPlane } from '../packages/agent/dist/index.js';
import { InfraPilotClient } from '../packages/client/dist/index.js';

const MIB = 1024 * 1024;
// Ping loops stop at the duration or at this count, whichever comes first.
const MAX_PINGS = 100_000;

/** A host's figures as a heartbeat carries them; the same every time, stamped fresh. */
export function fixedMetrics() {
  return {
    async collect() {
      return {
        collectedAtUnixMs: Date.now(),
        cpuPercent: 12.5,
        memoryUsedBytes: 2 * 1024 * MIB,
        memoryTotalBytes: 8 * 1024 * MIB,
        disks: [{ mountPoint: '/', filesystem: 'ext4', usedBytes: 20 * 1024 * MIB, totalBytes: 100 * 1024 * MIB }],
        loadAverage1m: 0.4,
        loadAverage5m: 0.3,
        loadAverage15m: 0.2,
        networkReceiveBytesPerSecond: 12_000,
        networkTransmitBytesPerSecond: 4_000,
        uptimeSeconds: 86_400,
      };
    },
  };
}

/** p-th quantile (0..1) of already sorted numbers, nearest rank. */
export function quantile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function rssMiB() {
  return Math.round((process.memoryUsage().rss / MIB) * 10) / 10;
}

/** Runs `task(i)` for i in [0, count) with at most `limit` running at once. */
async function inParallel(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

function waitFor(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 10);
  });
}

/**
 * Enrolls `agents` hosts through the API, runs them all for `durationSeconds`, pings them
 * through the API meanwhile, and reports what it measured. Stops every runtime and
 * deletes its state dirs before returning (and removes the agents unless `keepAgents`).
 */
/** One simulated host joins: an enrollment token through the API, then the real join (pin, CSR, Register). */
async function enrollAgent(client, name, stateDir) {
  const enrollment = await client.request('POST', '/api/v1/agents', { body: { name } });
  const identity = await joinControlPlane({
    serverUrl: enrollment.serverUrl,
    token: enrollment.token,
    caHash: enrollment.caHash,
    stateDir,
    hostname: `${name}.fleet.test`,
  });
  return { agentId: identity.agentId, stateDir };
}

export async function simulateFleet(options) {
  const {
    serverUrl,
    email,
    password,
    agents: count = 50,
    durationSeconds = 10,
    enrollConcurrency = 8,
    pingConcurrency = 4,
    connectTimeoutMs = 120_000,
    keepAgents = false,
    namePrefix = 'sim',
    log = () => {},
  } = options;
  const client = new InfraPilotClient({ baseUrl: serverUrl, userAgent: 'infrapilot-fleet-simulator' });
  const login = await client.auth.login({ email, password });
  if (login.mfaRequired) throw new Error(`${email} has MFA on; use an account without MFA for the simulator`);

  const rssAtStart = rssMiB();
  const runId = Date.now().toString(36);
  const stateRoot = mkdtempSync(join(tmpdir(), 'infrapilot-fleet-'));
  const fleet = [];
  const runtimes = [];
  const counters = { connected: 0, reconnects: 0, disconnects: 0, heartbeats: 0, refusedHeartbeats: 0, warnings: 0 };
  let counting = false;
  let lastWarning;
  // Quiet like silentLogger, but a warning (a failed heartbeat, a lost stream) is counted.
  const countingLogger = {
    info() {},
    warn(message) {
      counters.warnings += 1;
      lastWarning = message;
    },
    error(message) {
      counters.warnings += 1;
      lastWarning = message;
    },
  };

  try {
    // 1. Enrollment: a token through the API, then the real join (pin, CSR, Register).
    log(`enrolling ${count} agents`);
    const enrollStarted = performance.now();
    await inParallel(count, enrollConcurrency, async (index) => {
      fleet[index] = await enrollAgent(client, `${namePrefix}-${runId}-${index}`, join(stateRoot, String(index)));
    });
    const enrollSeconds = (performance.now() - enrollStarted) / 1000;
    const rssAfterEnroll = rssMiB();

    // 2. Every runtime at once, as after a control-plane restart.
    log(`connecting ${count} agents`);
    const connectStarted = performance.now();
    const everConnected = new Set();
    for (const { agentId, stateDir } of fleet) {
      const runtime = new AgentRuntime({ stateDir, logger: countingLogger, metrics: fixedMetrics(), initialHeartbeatIntervalSeconds: 1 });
      runtime.on('connected', () => {
        counters.connected += 1;
        if (everConnected.has(agentId)) counters.reconnects += 1;
        everConnected.add(agentId);
      });
      runtime.on('disconnected', () => void (counters.disconnects += 1));
      runtime.on('heartbeat', ({ acknowledged }) => {
        if (!counting) return;
        if (acknowledged) counters.heartbeats += 1;
        else counters.refusedHeartbeats += 1;
      });
      const finished = runtime.run();
      finished.catch((error) => log(`agent ${agentId} stopped: ${error.message}`));
      runtimes.push(runtime);
    }
    await waitFor(() => everConnected.size === count, connectTimeoutMs, `${count} agents to connect`);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const rssAfterConnect = rssMiB();

    // 3. Steady state: heartbeats arrive on their own; pings go through the API.
    log(`running ${durationSeconds} s`);
    const roundTrips = [];
    const apiLatencies = [];
    let pingFailures = 0;
    counting = true;
    const disconnectsBefore = counters.disconnects;
    const steadyStarted = performance.now();
    const steadyEnds = steadyStarted + durationSeconds * 1000;
    let pingIndex = 0;
    await Promise.all(
      Array.from({ length: pingConcurrency }, async () => {
        while (performance.now() < steadyEnds && pingIndex < MAX_PINGS) {
          const { agentId } = fleet[pingIndex++ % count];
          const started = performance.now();
          try {
            const reply = await client.request('POST', `/api/v1/agents/${agentId}/ping`);
            apiLatencies.push(performance.now() - started);
            roundTrips.push(reply.roundTripMs);
          } catch {
            pingFailures += 1;
          }
        }
      }),
    );
    const remaining = steadyEnds - performance.now();
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    counting = false;
    const steadySeconds = (performance.now() - steadyStarted) / 1000;
    const rssSteady = rssMiB();

    const listed = await client.request('GET', '/api/v1/agents', { query: { limit: 200 } });
    const ours = new Set(fleet.map((member) => member.agentId));
    const activeSeen = listed.items.filter((agent) => ours.has(agent.id) && agent.status === 'active' && agent.connected).length;

    apiLatencies.sort((a, b) => a - b);
    roundTrips.sort((a, b) => a - b);
    return {
      agents: count,
      enrollSeconds,
      enrollPerSecond: count / enrollSeconds,
      connectSeconds,
      steadySeconds,
      heartbeatsPerSecond: counters.heartbeats / steadySeconds,
      refusedHeartbeats: counters.refusedHeartbeats,
      disconnectsDuringRun: counters.disconnects - disconnectsBefore,
      reconnects: counters.reconnects,
      agentWarnings: counters.warnings,
      lastAgentWarning: lastWarning,
      // GET /agents answers at most 200 per page; with more agents this counts the first page.
      activeInFirstPage: activeSeen,
      pings: apiLatencies.length,
      pingFailures,
      pingApiMs: { p50: quantile(apiLatencies, 0.5), p95: quantile(apiLatencies, 0.95), p99: quantile(apiLatencies, 0.99) },
      pingRoundTripMs: { p50: quantile(roundTrips, 0.5), p95: quantile(roundTrips, 0.95), p99: quantile(roundTrips, 0.99) },
      rssMiB: { start: rssAtStart, afterEnroll: rssAfterEnroll, afterConnect: rssAfterConnect, steady: rssSteady },
    };
  } finally {
    counting = false;
    await Promise.all(runtimes.map((runtime) => runtime.stop()));
    if (!keepAgents) {
      await inParallel(fleet.length, enrollConcurrency, async (index) => {
        const member = fleet[index];
        if (member) await client.request('DELETE', `/api/v1/agents/${member.agentId}`).catch(() => undefined);
      });
    }
    rmSync(stateRoot, { recursive: true, force: true });
  }
}

/**
 * A fleet that grows in steps and times each heartbeat, from sending it to its reply
 * (the ack): the time is taken when the runtime collects the sample it is about to send
 * (the heartbeat RPC starts in the same tick) and when it emits `heartbeat`.
 * grow(n) enrolls n more agents and starts them spread over `spreadSeconds` (so their
 * heartbeats are spread over the interval, as in a real fleet); measure(ms) reports the
 * heartbeats acknowledged in that window. stop() stops every runtime and deletes the
 * state dirs (the agents stay enrolled: the server is expected to be thrown away).
 */
export async function createFleet(options) {
  const { serverUrl, email, password, namePrefix = 'fanin', heartbeatIntervalSeconds = 10 } = options;
  const client = new InfraPilotClient({ baseUrl: serverUrl, userAgent: 'infrapilot-fleet-simulator' });
  const login = await client.auth.login({ email, password });
  if (login.mfaRequired) throw new Error(`${email} has MFA on; use an account without MFA for the simulator`);
  const runId = `${Date.now().toString(36)}-${process.pid}`;
  const stateRoot = mkdtempSync(join(tmpdir(), 'infrapilot-fleet-'));
  const members = [];
  const everConnected = new Set();
  const window = { on: false, latencies: [], refused: 0, missed: 0, disconnects: 0, reconnects: 0, warnings: 0, lastWarning: undefined };
  const logger = {
    info() {},
    warn(message) {
      if (!window.on) return;
      window.warnings += 1;
      window.lastWarning = message;
    },
    error(message) {
      if (!window.on) return;
      window.warnings += 1;
      window.lastWarning = message;
    },
  };
  const sample = fixedMetrics();

  function start(member) {
    let sentAt;
    let runtime;
    const metrics = {
      async collect() {
        // The previous heartbeat was never answered (timed out or failed).
        if (sentAt !== undefined && window.on) window.missed += 1;
        sentAt = runtime.connected ? performance.now() : undefined;
        return sample.collect();
      },
    };
    runtime = new AgentRuntime({ stateDir: member.stateDir, logger, metrics, initialHeartbeatIntervalSeconds: heartbeatIntervalSeconds });
    runtime.on('connected', () => {
      if (everConnected.has(member.agentId) && window.on) window.reconnects += 1;
      everConnected.add(member.agentId);
    });
    runtime.on('disconnected', () => {
      if (window.on) window.disconnects += 1;
    });
    runtime.on('heartbeat', ({ acknowledged }) => {
      const took = sentAt === undefined ? undefined : performance.now() - sentAt;
      sentAt = undefined;
      if (!window.on) return;
      if (!acknowledged) window.refused += 1;
      else if (took !== undefined) window.latencies.push(took);
    });
    runtime.run().catch(() => undefined);
    member.runtime = runtime;
  }

  return {
    get size() {
      return members.length;
    },
    /** Enrolls `count` more agents (`enrollConcurrency` at a time), then starts them spread over `spreadSeconds`. */
    async grow(count, { enrollConcurrency = 16, spreadSeconds = heartbeatIntervalSeconds, connectTimeoutMs = 300_000 } = {}) {
      const first = members.length;
      const added = [];
      const enrollStarted = performance.now();
      await inParallel(count, enrollConcurrency, async (offset) => {
        const index = first + offset;
        added[offset] = await enrollAgent(client, `${namePrefix}-${runId}-${index}`, join(stateRoot, String(index)));
      });
      const enrollSeconds = (performance.now() - enrollStarted) / 1000;
      members.push(...added);
      const connectStarted = performance.now();
      for (let offset = 0; offset < added.length; offset += 1) {
        const due = connectStarted + (offset / added.length) * spreadSeconds * 1000;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        start(added[offset]);
      }
      await waitFor(() => added.every((member) => everConnected.has(member.agentId)), connectTimeoutMs, `${count} agents to connect`);
      return { enrollSeconds, connectSeconds: (performance.now() - connectStarted) / 1000, size: members.length };
    },
    /** Times every heartbeat acknowledged in the next `durationMs`; returns the raw latencies and the counters. */
    async measure(durationMs) {
      Object.assign(window, { on: true, latencies: [], refused: 0, missed: 0, disconnects: 0, reconnects: 0, warnings: 0, lastWarning: undefined });
      // The acks are timed on this event loop: its own delays show up in them.
      const delays = monitorEventLoopDelay({ resolution: 10 });
      delays.enable();
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      delays.disable();
      window.on = false;
      const loopDelay = loopDelayFigures(delays);
      const connected = members.filter((member) => member.runtime?.connected).length;
      const { latencies, refused, missed, disconnects, reconnects, warnings, lastWarning } = window;
      return { latencies, refused, missed, disconnects, reconnects, warnings, lastWarning, connected, size: members.length, rssMiB: rssMiB(), loopDelay };
    },
    async stop() {
      await Promise.all(members.map((member) => member.runtime?.stop()));
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
}

const here = fileURLToPath(import.meta.url);

/**
 * createFleet(options) in a child process of its own (forked with `execArgv`): returns
 * { pid, grow(count, growOptions), measure(durationMs), stop() } over IPC. stop() stops the
 * agents and ends the child; the child also ends if this process goes away.
 */
export async function startSimulatorProcess(options, { execArgv = ['--max-old-space-size=8192', ...profileExecArgv('simulator')] } = {}) {
  const child = fork(here, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const pending = new Map();
  let nextId = 0;
  child.on('message', ({ id, result, error }) => {
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (error) call.reject(new Error(error));
    else call.resolve(result);
  });
  child.once('exit', (code, signal) => {
    for (const call of pending.values()) call.reject(new Error(`fleet simulator exited (${signal ?? code})`));
    pending.clear();
  });
  const call = (method, args) =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error('fleet simulator is not running'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, method, args });
    });
  try {
    await call('create', [options]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let stopping;
  return {
    pid: child.pid,
    grow: (count, growOptions) => call('grow', [count, growOptions]),
    measure: (durationMs) => call('measure', [durationMs]),
    stop() {
      stopping ??= (async () => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        await call('stop', []).catch(() => undefined);
        if (child.connected) child.disconnect();
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function worker() {
  let fleet;
  process.on('disconnect', async () => {
    await fleet?.stop().catch(() => undefined);
    process.exit(0);
  });
  process.on('message', async ({ id, method, args }) => {
    try {
      let result;
      if (method === 'create') {
        fleet = await createFleet(args[0]);
      } else if (method === 'stop') {
        await fleet?.stop();
        fleet = undefined;
      } else {
        result = await fleet[method](...args);
      }
      process.send({ id, result });
    } catch (error) {
      process.send({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}

function printReport(result) {
  const ms = (value) => `${value.toFixed(1)} ms`;
  const rows = [
    ['agents', result.agents],
    ['enroll all', `${result.enrollSeconds.toFixed(2)} s (${result.enrollPerSecond.toFixed(1)}/s)`],
    ['all connected after', `${result.connectSeconds.toFixed(2)} s`],
    ['heartbeats accepted', `${result.heartbeatsPerSecond.toFixed(1)}/s over ${result.steadySeconds.toFixed(1)} s`],
    ['disconnects during run', result.disconnectsDuringRun],
    ['agent warnings', `${result.agentWarnings}${result.lastAgentWarning ? ` (last: ${result.lastAgentWarning})` : ''}`],
    ['pings', `${result.pings} (${result.pingFailures} failed)`],
    ['ping via API p50/p95/p99', `${ms(result.pingApiMs.p50)} / ${ms(result.pingApiMs.p95)} / ${ms(result.pingApiMs.p99)}`],
    ['ping round trip p50/p95/p99', `${ms(result.pingRoundTripMs.p50)} / ${ms(result.pingRoundTripMs.p95)} / ${ms(result.pingRoundTripMs.p99)}`],
    ['simulator RSS start → steady', `${result.rssMiB.start} → ${result.rssMiB.steady} MiB`],
  ];
  for (const [label, value] of rows) console.log(`${label.padEnd(30)} ${value}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'http://127.0.0.1:8080' },
      email: { type: 'string', default: process.env.INFRAPILOT_EMAIL },
      password: { type: 'string', default: process.env.INFRAPILOT_PASSWORD },
      agents: { type: 'string', default: '200' },
      duration: { type: 'string', default: '30' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.email || !values.password) {
    console.log(
      'usage: node bench/fleet-simulator.mjs --server http://127.0.0.1:8080 --email E --password P [--agents 200] [--duration 30] [--keep] [--json]\n' +
        '  --email/--password: a super_admin without MFA (or INFRAPILOT_EMAIL / INFRAPILOT_PASSWORD)\n' +
        '  --keep: leave the simulated agents enrolled (they are removed by default)',
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const agents = Number(values.agents);
  const durationSeconds = Number(values.duration);
  if (!Number.isInteger(agents) || agents < 1 || agents > 10_000) throw new Error('--agents must be a whole number from 1 to 10000');
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0 || durationSeconds > 3600) throw new Error('--duration must be 1 to 3600 seconds');
  const result = await simulateFleet({
    serverUrl: values.server,
    email: values.email,
    password: values.password,
    agents,
    durationSeconds,
    keepAgents: values.keep,
    log: values.json ? () => {} : (line) => console.error(`[fleet] ${line}`),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printReport(result);
}

if (process.argv[1] === here && process.argv[2] === '--worker' && process.send) {
  await worker();
} else if (process.argv[1] && here === process.argv[1]) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
