// The references every machine-speed-dependent figure is divided by, measured once per run
// on the same machine: what the frameworks InfraPilot is built on do with nothing of
// InfraPilot in them.
//   (a) a bare Fastify app, one GET /hello → {"hello":"world"}, in a child process, loaded
//       by autocannon from another (bench/lib/load.mjs): 10 connections, 10 s (2 s quick),
//       after a 1 s warm-up — the same load the API throughput scenario puts on GET /agents;
//   (b) a bare @connectrpc/connect-node server over HTTP/2 (h2c on loopback, no TLS) in a
//       child process, implementing the agent protocol's AgentService with only Heartbeat
//       answering at once, called from this process with the gRPC transport the agent uses,
//       at concurrency 1 and 64 for a fixed number of calls.
//   node bench/references.mjs [--quick]      prints the references as a table and as JSON
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTest } from './lib/load.mjs';
import { percentiles, round } from './lib/stats.mjs';

const here = fileURLToPath(import.meta.url);

/** The load the API throughput scenario uses too, so the ratio compares like with like. */
export const HTTP_LOAD = { connections: 10, durationSeconds: 10, quickDurationSeconds: 2, warmUpSeconds: 1 };
/** Heartbeat calls per concurrency (after WARM_UP_CALLS not counted). */
const CONNECT_CALLS = { 1: 3_000, 64: 20_000 };
const CONNECT_CALLS_QUICK = { 1: 500, 64: 3_000 };
const WARM_UP_CALLS = 500;

/**
 * @typedef {{
 *   fastifyHelloRequestsPerSecond: number | null, fastifyHelloLatencyP50Ms: number | null, fastifyHelloLatencyP99Ms: number | null,
 *   connectEchoP50MsConcurrency1: number | null, connectEchoP99MsConcurrency1: number | null,
 *   connectEchoP50MsConcurrency64: number | null, connectEchoP99MsConcurrency64: number | null,
 *   connectEchoPerSecondConcurrency64: number | null,
 * }} References
 */

// ---------------------------------------------------------------------------- the child servers

/** Child: the bare Fastify app on a loopback port; sends { port } when listening. */
async function fastifyChild() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  // GET /bytes: a body the parent hands over (the API throughput scenario's GET /agents
  // reply), sent as it is: the same bytes on the wire with no work behind them.
  let bytes = Buffer.alloc(0);
  process.on('message', (message) => {
    if (typeof message?.bytes !== 'string') return;
    bytes = Buffer.from(message.bytes, 'base64');
    process.send({ bytesStored: bytes.length });
  });
  app.get('/bytes', async (_request, reply) => reply.type('application/json; charset=utf-8').send(bytes));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send({ port: app.server.address().port });
  process.once('disconnect', () => void app.close().finally(() => process.exit(0)));
}

/** Child: the bare Connect server (h2c) with AgentService.Heartbeat only; sends { port }. */
async function connectChild() {
  const { createServer } = await import('node:http2');
  const { create } = await import('@bufbuild/protobuf');
  const { connectNodeAdapter } = await import('@connectrpc/connect-node');
  const { AgentService, HeartbeatResponseSchema } = await import('../packages/protocol/dist/agent.js');
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(AgentService, {
        heartbeat: () => create(HeartbeatResponseSchema, { acknowledged: true, heartbeatIntervalSeconds: 10 }),
      }),
  });
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send({ port: server.address().port });
  process.once('disconnect', () => process.exit(0));
}

/** Forks this file as one of the child servers; resolves with its port and a stop(). */
function startChild(flag) {
  const child = fork(here, [flag], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ port, pid: child.pid, child, stop }));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the reference server (${flag}) exited (${signal ?? code}) before listening`)));
  });
}

// ---------------------------------------------------------------------------- the measurements

async function measureFastify(quick) {
  const server = await startChild('--fastify-child');
  try {
    const url = `http://127.0.0.1:${server.port}/hello`;
    await loadTest({ url, connections: HTTP_LOAD.connections, durationSeconds: HTTP_LOAD.warmUpSeconds });
    const result = await loadTest({
      url,
      connections: HTTP_LOAD.connections,
      durationSeconds: quick ? HTTP_LOAD.quickDurationSeconds : HTTP_LOAD.durationSeconds,
    });
    if (result.errors > 0 || result.non2xx > 0) throw new Error(`the bare Fastify reference had ${result.errors} errors and ${result.non2xx} non-2xx answers`);
    return result;
  } finally {
    await server.stop();
  }
}

/**
 * A bare Fastify app (the reference's) answering GET <url> with `body` from memory: what
 * sending the same bytes costs with nothing computed. Resolves with { url, pid, stop() }.
 */
export async function startFastifyServingBytes(body) {
  const server = await startChild('--fastify-child');
  const stored = new Promise((resolve) => server.child.once('message', resolve));
  server.child.send({ bytes: Buffer.from(body).toString('base64') });
  await stored;
  return { url: `http://127.0.0.1:${server.port}/bytes`, pid: server.pid, stop: server.stop };
}

/** `calls` Heartbeat calls, `concurrency` at a time: per-call latencies and calls/s. */
async function callHeartbeats(client, request, calls, concurrency) {
  const latencies = new Float64Array(calls);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < calls) {
      const index = next++;
      const callStarted = performance.now();
      await client.heartbeat(request);
      latencies[index] = performance.now() - callStarted;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { ...percentiles(latencies), perSecond: calls / seconds };
}

async function measureConnect(quick) {
  const server = await startChild('--connect-child');
  try {
    const { create } = await import('@bufbuild/protobuf');
    const { createClient } = await import('@connectrpc/connect');
    const { createGrpcTransport, Http2SessionManager } = await import('@connectrpc/connect-node');
    const { AgentService, HeartbeatRequestSchema } = await import('../packages/protocol/dist/agent.js');
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const sessionManager = new Http2SessionManager(baseUrl);
    const client = createClient(AgentService, createGrpcTransport({ baseUrl, sessionManager }));
    // A heartbeat as an agent without Docker sends it: the host's figures.
    const request = create(HeartbeatRequestSchema, {
      agentVersion: '0.1.0',
      metrics: {
        collectedAtUnixMs: BigInt(Date.now()),
        cpuPercent: 12.5,
        memoryUsedBytes: 2n * 1024n ** 3n,
        memoryTotalBytes: 8n * 1024n ** 3n,
        disks: [{ mountPoint: '/', filesystem: 'ext4', usedBytes: 20n * 1024n ** 3n, totalBytes: 100n * 1024n ** 3n }],
        loadAverage1m: 0.4,
        loadAverage5m: 0.3,
        loadAverage15m: 0.2,
        networkReceiveBytesPerSecond: 12_000,
        networkTransmitBytesPerSecond: 4_000,
        uptimeSeconds: 86_400n,
      },
    });
    try {
      const counts = quick ? CONNECT_CALLS_QUICK : CONNECT_CALLS;
      await callHeartbeats(client, request, WARM_UP_CALLS, 8);
      const one = await callHeartbeats(client, request, counts[1], 1);
      const many = await callHeartbeats(client, request, counts[64], 64);
      return { one, many };
    } finally {
      sessionManager.abort();
    }
  } finally {
    await server.stop();
  }
}

/**
 * Measures the references, one after the other (never concurrently with anything else).
 * @param {{ quick?: boolean }} [options]
 * @returns {Promise<References>}
 */
export async function measureReferences({ quick = false } = {}) {
  const fastify = await measureFastify(quick);
  const { one, many } = await measureConnect(quick);
  return {
    fastifyHelloRequestsPerSecond: round(fastify.requestsPerSecond, 0),
    fastifyHelloLatencyP50Ms: round(fastify.latencyP50Ms, 3),
    fastifyHelloLatencyP99Ms: round(fastify.latencyP99Ms, 3),
    connectEchoP50MsConcurrency1: round(one.p50, 3),
    connectEchoP99MsConcurrency1: round(one.p99, 3),
    connectEchoP50MsConcurrency64: round(many.p50, 3),
    connectEchoP99MsConcurrency64: round(many.p99, 3),
    connectEchoPerSecondConcurrency64: round(many.perSecond, 0),
  };
}

/** The references as table rows (reference, value). */
export function referenceRows(references) {
  return Object.entries(references).map(([reference, value]) => ({ reference, value }));
}

if (process.argv[1] === here) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, 'fastify-child': { type: 'boolean' }, 'connect-child': { type: 'boolean' } } });
  if (values['fastify-child']) await fastifyChild();
  else if (values['connect-child']) await connectChild();
  else {
    const started = performance.now();
    const references = await measureReferences({ quick: values.quick ?? false });
    console.table(referenceRows(references));
    console.log(JSON.stringify(references, null, 2));
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}
