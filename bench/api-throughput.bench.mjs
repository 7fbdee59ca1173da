// API throughput: GET /api/v1/agents?limit=100 with 100 agents in the org, and sign-ins.
// The server (startBenchServer: SQLite in a temp data dir, loopback, logger off) runs in a
// child process; the 100 agents are enrolled for real with the fleet simulator from this
// process (POST /agents, pinned join, Register, a second of heartbeats, so each has its
// figures) and then stopped, so the server is otherwise idle while it is measured.
// autocannon (bench/lib/load.mjs) loads it from a third process:
//   GET /api/v1/agents?limit=100 with a bearer token, 10 connections, 10 s (2 s quick),
//     as a ratio to the bare Fastify "hello" reference (same load), and to a bare Fastify
//     app sending the same reply bytes from memory (what the payload alone costs);
//   GET /healthz on the same server (InfraPilot's hooks, no auth, no database): context;
//   POST /api/v1/auth/login with correct credentials, 4 connections, 5 s (2 s quick): one
//     argon2id verification, a session row and an audit row per sign-in. Successful sign-ins
//     are not throttled (LoginThrottle only counts failures), so one account is enough.
//   node bench/api-throughput.bench.mjs [--quick]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { signIn, startServerProcess } from './command-roundtrip.bench.mjs';
import { simulateFleet } from './fleet-simulator.mjs';
import { loadTest } from './lib/load.mjs';
import { startFastifyServingBytes } from './references.mjs';
import { sampleProcess } from './lib/process-usage.mjs';
import { fixed, round } from './lib/stats.mjs';

export const title = 'API throughput: GET /agents (100 agents) vs bare Fastify, and sign-ins per second with argon2id (SQLite)';

const here = fileURLToPath(import.meta.url);
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const progress = (message) => console.error(`[api-throughput] ${message}`);
const AGENTS = 100;

/** argon2id's cost as the built server uses it (platform/crypto/passwords). */
function argon2Options() {
  try {
    const source = readFileSync(join(benchDir, '../packages/server/dist/platform/crypto/passwords.js'), 'utf8');
    const number = (name) => {
      const match = new RegExp(`${name}:\\s*(\\d+)`).exec(source);
      return match ? Number(match[1]) : null;
    };
    return { memoryKiB: number('memoryCost'), timeCost: number('timeCost'), parallelism: number('parallelism') };
  } catch {
    return { memoryKiB: null, timeCost: null, parallelism: null };
  }
}

/** Loads `options` with autocannon while sampling the server's CPU. */
async function measured(serverPid, options) {
  const [load, usage] = await Promise.all([loadTest(options), sampleProcess(serverPid, options.durationSeconds * 1000 - 250)]);
  if (load.errors > 0 || load.non2xx > 0) progress(`${options.method ?? 'GET'} ${options.url}: ${load.errors} errors, ${load.non2xx} non-2xx of ${load.total}`);
  return { ...load, serverCpuPercent: usage.cpuPercentOfOneCore, serverRssMiB: usage.peakRssMiB };
}

async function referencesWhenAlone(quick) {
  try {
    const { measureReferences } = await import(pathToFileURL(join(benchDir, 'references.mjs')).href);
    progress('measuring the references (run alone)');
    return await measureReferences({ quick });
  } catch (error) {
    progress(`no references: ${error instanceof Error ? error.message : error}`);
    return {};
  }
}

const ratio = (value, reference) => (typeof value === 'number' && typeof reference === 'number' && reference > 0 ? round(value / reference, 3) : null);

/** @param {{ quick: boolean, references?: Record<string, number | null> }} options */
export async function run({ quick = false, references = {} } = {}) {
  const durationSeconds = quick ? 2 : 10;
  const loginSeconds = quick ? 2 : 5;
  const { BENCH_EMAIL, BENCH_PASSWORD } = await import('./bench-server.mjs');
  let server;
  try {
    progress('starting the server process');
    server = await startServerProcess('infrapilot-bench-api-');
    progress(`enrolling ${AGENTS} agents and running them for a second`);
    const fleet = await simulateFleet({
      serverUrl: server.url,
      email: BENCH_EMAIL,
      password: BENCH_PASSWORD,
      agents: AGENTS,
      durationSeconds: 1,
      pingConcurrency: 1,
      keepAgents: true,
      namePrefix: 'api',
    });
    const headers = await signIn(server.url, BENCH_EMAIL, BENCH_PASSWORD);
    const listUrl = `${server.url}/api/v1/agents?limit=${AGENTS}`;
    const listed = await fetch(listUrl, { headers });
    const body = await listed.text();
    const items = listed.ok ? JSON.parse(body).items.length : 0;
    if (items !== AGENTS) throw new Error(`GET /agents listed ${items} agents (${listed.status}), expected ${AGENTS}`);

    const warmUp = { connections: 10, durationSeconds: 1 };
    progress(`GET /agents: 10 connections, ${durationSeconds} s`);
    await loadTest({ url: listUrl, headers, ...warmUp });
    const list = await measured(server.pid, { url: listUrl, headers, connections: 10, durationSeconds });
    // The same reply from a bare Fastify app's memory: what the bytes alone cost to send,
    // so the ratio to it is what InfraPilot's queries, checks and serialisation take.
    progress(`bare Fastify sending the same ${body.length} bytes: 10 connections, ${durationSeconds} s`);
    const sameBytesServer = await startFastifyServingBytes(body);
    let sameBytes;
    try {
      await loadTest({ url: sameBytesServer.url, ...warmUp });
      sameBytes = await measured(sameBytesServer.pid, { url: sameBytesServer.url, connections: 10, durationSeconds });
    } finally {
      await sameBytesServer.stop();
    }
    progress(`GET /healthz: 10 connections, ${durationSeconds} s`);
    await loadTest({ url: `${server.url}/healthz`, ...warmUp });
    const health = await measured(server.pid, { url: `${server.url}/healthz`, connections: 10, durationSeconds });
    progress(`POST /auth/login: 4 connections, ${loginSeconds} s`);
    const login = await measured(server.pid, {
      url: `${server.url}/api/v1/auth/login`,
      method: 'POST',
      body: { email: BENCH_EMAIL, password: BENCH_PASSWORD },
      connections: 4,
      durationSeconds: loginSeconds,
    });

    const argon2 = argon2Options();
    const cost = `argon2id m=${argon2.memoryKiB} KiB (${fixed(argon2.memoryKiB / 1024, 0)} MiB), t=${argon2.timeCost}, p=${argon2.parallelism}`;
    const row = (what, load, reference, connections) => ({
      request: what,
      connections,
      'requests/s': fixed(load.requestsPerSecond, 0),
      'p50 ms': fixed(load.latencyP50Ms, 1),
      'p99 ms': fixed(load.latencyP99Ms, 1),
      'errors / non-2xx': `${load.errors} / ${load.non2xx}`,
      'server CPU %': fixed(load.serverCpuPercent, 0),
      'to Fastify hello': fixed(ratio(load.requestsPerSecond, reference), 3),
    });
    const rows = [
      row(`GET /agents?limit=${AGENTS} (${AGENTS} agents, ${(body.length / 1024).toFixed(0)} KiB)`, list, references.fastifyHelloRequestsPerSecond, 10),
      row(`bare Fastify sending the same ${(body.length / 1024).toFixed(0)} KiB from memory (reference)`, sameBytes, references.fastifyHelloRequestsPerSecond, 10),
      row('GET /healthz (same server)', health, references.fastifyHelloRequestsPerSecond, 10),
      {
        ...row(`POST /auth/login, ${cost}`, login, undefined, 4),
        'to Fastify hello': '',
      },
      {
        request: 'bare Fastify GET /hello (reference)',
        connections: 10,
        'requests/s': fixed(references.fastifyHelloRequestsPerSecond, 0),
        'p50 ms': fixed(references.fastifyHelloLatencyP50Ms, 1),
        'p99 ms': fixed(references.fastifyHelloLatencyP99Ms, 1),
      },
    ];

    const figures = {
      agentsListed: items,
      agentsEnrollSeconds: round(fleet.enrollSeconds, 2),
      getAgentsResponseBytes: body.length,
      getAgentsRequestsPerSecond: round(list.requestsPerSecond, 1),
      getAgentsLatencyP50Ms: round(list.latencyP50Ms),
      getAgentsLatencyP99Ms: round(list.latencyP99Ms),
      getAgentsErrors: list.errors + list.non2xx,
      getAgentsServerCpuPercent: round(list.serverCpuPercent, 1),
      fastifySameBytesRequestsPerSecond: round(sameBytes.requestsPerSecond, 1),
      fastifySameBytesLatencyP50Ms: round(sameBytes.latencyP50Ms),
      healthzRequestsPerSecond: round(health.requestsPerSecond, 1),
      healthzLatencyP50Ms: round(health.latencyP50Ms),
      loginsPerSecond: round(login.requestsPerSecond, 1),
      loginLatencyP50Ms: round(login.latencyP50Ms),
      loginLatencyP99Ms: round(login.latencyP99Ms),
      loginErrors: login.errors + login.non2xx,
      loginServerCpuPercent: round(login.serverCpuPercent, 1),
      argon2MemoryKiB: argon2.memoryKiB,
      argon2TimeCost: argon2.timeCost,
      argon2Parallelism: argon2.parallelism,
    };
    const ratios = {
      getAgentsToFastifyHello: ratio(list.requestsPerSecond, references.fastifyHelloRequestsPerSecond),
      getAgentsToFastifySameBytes: ratio(list.requestsPerSecond, sameBytes.requestsPerSecond),
      fastifySameBytesToFastifyHello: ratio(sameBytes.requestsPerSecond, references.fastifyHelloRequestsPerSecond),
      healthzToFastifyHello: ratio(health.requestsPerSecond, references.fastifyHelloRequestsPerSecond),
    };
    const goals = [
      { figure: 'getAgentsToFastifyHello', target: '≥ 0.5', met: typeof ratios.getAgentsToFastifyHello === 'number' ? ratios.getAgentsToFastifyHello >= 0.5 : null },
    ];
    return { rows, figures, ratios, goals };
  } finally {
    await server?.stop();
  }
}

if (process.argv[1] === here) {
  const quick = process.argv.includes('--quick');
  const result = await run({ quick, references: await referencesWhenAlone(quick) });
  console.table(result.rows);
  console.log(JSON.stringify({ figures: result.figures, ratios: result.ratios, goals: result.goals }, null, 2));
}
