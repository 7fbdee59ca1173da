// Live fan-out: how the control plane pushes live events (GET /ws) to many open dashboards.
// Starts a real server (SQLite, its own temp data dir, loopback ports, heartbeats every
// second) and the fleet simulator in one process, and opens S live sockets signed in as
// the admin from a second process (the "dashboards": Node's WebSocket, the client's
// liveSocketUrl/liveSocketProtocols). Each heartbeat becomes one agent.sample frame per
// socket; the bench counts them, times them from the heartbeat to their arrival, and
// enrolls, starts and stops one extra agent to time agent.enrolled and
// agent.status_changed reaching every socket. Each socket count runs in a fresh child
// process, so one size's memory does not show up in the next.
// --quick: socket counts 0 and 100 only, a 5 s window each.
//   node bench/live-fanout.bench.mjs [--quick]     all sizes, as a table, and the figures
//   node bench/live-fanout.bench.mjs --details     the same, and every size's raw figures as JSON on stderr
//   node bench/live-fanout.bench.mjs --sockets 100 [--seconds 10]   one size, as JSON (what run() spawns)
import { execFile, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { AgentRuntime, joinControlPlane } from '../packages/agent/dist/index.js';
import { InfraPilotClient, liveSocketProtocols, liveSocketUrl } from '../packages/client/dist/index.js';
import { BENCH_EMAIL, BENCH_PASSWORD, startBenchServer } from './bench-server.mjs';
import { fixedMetrics, simulateFleet } from './fleet-simulator.mjs';
import { fixed, percentiles, round } from './lib/stats.mjs';

export const title = 'Live fan-out: agent events pushed to S open dashboards over GET /ws (SQLite, 1 s heartbeats, 50 agents)';

/** Socket counts; 0 is the fleet alone, the baseline for CPU and memory. */
const SIZES = [0, 10, 100, 500, 1000];
/** A smoke run: one size, no baseline. */
const QUICK_SIZES = [100];
const AGENTS = 50;
const DURATION_SECONDS = 10;
const QUICK_DURATION_SECONDS = 3;
/** After the window, how long to wait for frames still on their way before counting. */
const GRACE_MS = 1500;

const MIB = 1024 * 1024;
const here = fileURLToPath(import.meta.url);
const rssMiB = () => process.memoryUsage().rss / MIB;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------- the dashboards

/**
 * The reader process: S live sockets, driven over IPC by the measuring process. It keeps
 * every agent.sample's latency (arrival − the server's collectedAt) and every other
 * frame's arrival, and reports them for a window of collectedAt times when asked.
 */
async function reader() {
  const sockets = [];
  const samples = { collectedAt: [], latency: [] };
  /** Per sample (agentId@collectedAt): on how many sockets it arrived and the latest arrival. */
  const perSample = new Map();
  const events = []; // non-sample frames: { type, agentId, to, at, arrived }
  const closedByServer = {};
  let errors = 0;
  let sampleBytes = 0;
  let closing = false;
  let cpuMark;
  let wallMark;

  const onFrame = (data) => {
    const arrived = Date.now();
    const frame = JSON.parse(data);
    if (frame.type === 'agent.sample') {
      const collectedAt = Date.parse(frame.live.collectedAt);
      samples.collectedAt.push(collectedAt);
      samples.latency.push(arrived - collectedAt);
      sampleBytes += data.length;
      const key = `${frame.agentId}@${collectedAt}`;
      const seen = perSample.get(key);
      if (seen) {
        seen.count += 1;
        seen.last = arrived;
      } else perSample.set(key, { collectedAt, count: 1, first: arrived, last: arrived });
    } else if (frame.type !== 'ready') {
      events.push({ type: frame.type, agentId: frame.agentId, to: frame.to, at: Date.parse(frame.at), arrived });
    }
  };

  // `protocols`: one list for every socket, or one list per socket (distinct credentials).
  const open = ({ url, protocols, count }) =>
    new Promise((resolve) => {
      const started = performance.now();
      let ready = 0;
      let failed = 0;
      const openMs = [];
      const settle = () => {
        if (ready + failed === count) resolve({ seconds: (performance.now() - started) / 1000, ready, failed, openMs: percentiles(openMs) });
      };
      if (count === 0) return settle();
      for (let i = 0; i < count; i++) {
        const socketStarted = performance.now();
        const socket = new WebSocket(url, Array.isArray(protocols[0]) ? protocols[i] : protocols);
        let isReady = false;
        socket.onmessage = (message) => {
          if (!isReady) {
            // The first frame is `ready`: the server has added the socket to its org.
            isReady = true;
            ready += 1;
            openMs.push(performance.now() - socketStarted);
            settle();
            return;
          }
          onFrame(message.data);
        };
        socket.onerror = () => void (errors += 1);
        socket.onclose = (close) => {
          if (!isReady) {
            isReady = true;
            failed += 1;
            settle();
          }
          if (!closing) closedByServer[close.code] = (closedByServer[close.code] ?? 0) + 1;
        };
        sockets.push(socket);
      }
    });

  const report = ({ from, to, watch }) => {
    const cpu = cpuMark ? process.cpuUsage(cpuMark) : undefined;
    const wallSeconds = wallMark ? (performance.now() - wallMark) / 1000 : Number.NaN;
    const latencies = [];
    for (let i = 0; i < samples.collectedAt.length; i++) {
      const at = samples.collectedAt[i];
      if (at >= from && at < to) latencies.push(samples.latency[i]);
    }
    const firstSocket = [];
    const lastSocket = [];
    for (const { collectedAt, first, last } of perSample.values()) {
      if (collectedAt < from || collectedAt >= to) continue;
      firstSocket.push(first - collectedAt);
      lastSocket.push(last - collectedAt);
    }
    const watched = events.filter((event) => event.agentId === watch);
    return {
      received: latencies.length,
      sampleFrameBytes: samples.collectedAt.length ? sampleBytes / samples.collectedAt.length : Number.NaN,
      latencyMs: percentiles(latencies),
      firstSocketMs: percentiles(firstSocket),
      lastSocketMs: percentiles(lastSocket),
      watched,
      closedByServer,
      errors,
      openAtReport: sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length,
      cpuPercent: cpu ? ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100 : Number.NaN,
      rssMiB: rssMiB(),
    };
  };

  process.on('message', async (message) => {
    if (message.cmd === 'open') process.send({ reply: 'open', ...(await open(message)), rssMiB: rssMiB() });
    else if (message.cmd === 'mark') {
      cpuMark = process.cpuUsage();
      wallMark = performance.now();
    } else if (message.cmd === 'report') process.send({ reply: 'report', ...report(message) });
    else if (message.cmd === 'close') {
      closing = true;
      for (const socket of sockets) socket.close(1000, 'bench done');
      process.disconnect();
      setTimeout(() => process.exit(0), 200).unref();
    }
  });
  process.send({ reply: 'started' });
}

/** The reader process, with `ask(message)` resolving with its next reply. */
function startReader() {
  const child = fork(here, ['--reader'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (message) => waiting.shift()?.(message));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const started = next();
  return {
    started,
    ask: (message) => {
      const reply = next();
      child.send(message);
      return reply;
    },
    tell: (message) => child.send(message),
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
}

// ---------------------------------------------------------------------------- the extra agent

const quietLogger = { info() {}, warn() {}, error() {} };

/**
 * Enrolls one more agent (agent.enrolled), runs it until its first heartbeat
 * (agent.status_changed pending → active) and stops it at `stopAtMs`; the server's sweep
 * then marks it offline (agent.status_changed active → offline) after three silent intervals.
 */
async function extraAgent(client, { startAtMs, stopAtMs }) {
  await sleep(Math.max(0, startAtMs - Date.now()));
  const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-live-agent-'));
  try {
    const enrollment = await client.request('POST', '/api/v1/agents', { body: { name: 'live-fanout-extra' } });
    const identity = await joinControlPlane({
      serverUrl: enrollment.serverUrl,
      token: enrollment.token,
      caHash: enrollment.caHash,
      stateDir,
      hostname: 'live-fanout-extra.fleet.test',
    });
    const runtime = new AgentRuntime({ stateDir, logger: quietLogger, metrics: fixedMetrics(), initialHeartbeatIntervalSeconds: 1 });
    // Active once its first heartbeat is acknowledged; it must be active to go offline.
    const firstBeat = new Promise((resolve) => runtime.on('heartbeat', ({ acknowledged }) => acknowledged && resolve(Date.now())));
    const finished = runtime.run().catch(() => undefined);
    const activeAt = await Promise.race([firstBeat, sleep(15_000).then(() => Date.now())]);
    await sleep(Math.max(0, stopAtMs - Date.now(), activeAt + 1000 - Date.now()));
    const stoppedAt = Date.now();
    await runtime.stop();
    await finished;
    return { agentId: identity.agentId, stoppedAt };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------- one size

/** S sockets and a fleet of AGENTS against a fresh server in this process, for `durationSeconds`. */
async function measure(socketCount, durationSeconds = DURATION_SECONDS) {
  const loadAtStart = loadavg();
  const rssBefore = rssMiB();
  const { server, dataDir } = await startBenchServer('infrapilot-bench-live-');
  const rssServerIdle = rssMiB();
  const readers = startReader();
  try {
    await readers.started;

    // What the server spends pushing: every LiveUpdates.send() timed, every sample counted
    // with the sockets it went to. An own property in front of the class method, which the
    // bus subscriptions call as this.send(); nothing in the server is changed.
    const live = server.app.live;
    const send = live.send.bind(live);
    const pushed = { samples: [], sendMs: [], heartbeatToSendMs: [], events: [] };
    live.send = (orgId, event) => {
      const started = performance.now();
      const publishedAt = Date.now();
      const sockets = live.connectedCount;
      send(orgId, event);
      if (event.type !== 'agent.sample') {
        pushed.events.push({ type: event.type, agentId: event.agentId, to: event.to, publishedAt, sendMs: performance.now() - started });
        return;
      }
      const collectedAt = Date.parse(event.live.collectedAt);
      pushed.samples.push({ collectedAt, sockets });
      pushed.sendMs.push(performance.now() - started);
      pushed.heartbeatToSendMs.push(Date.now() - collectedAt);
    };

    // The dashboards: S sockets opened at once (as after a restart), each with its own
    // credential (a viewer API key), the worst case for the per-minute credential re-check,
    // which checks each distinct credential once.
    const client = new InfraPilotClient({ baseUrl: server.url, userAgent: 'infrapilot-live-fanout-bench' });
    await client.auth.login({ email: BENCH_EMAIL, password: BENCH_PASSWORD });
    const org = await client.orgs.current();
    const keys = [];
    for (let i = 0; i < socketCount; i++) keys.push((await client.apiKeys.create({ name: `dashboard ${i}`, role: 'viewer' })).secret);
    const opened = await readers.ask({
      cmd: 'open',
      url: liveSocketUrl(server.url, org.id).href,
      protocols: keys.map((key) => liveSocketProtocols(key)),
      count: socketCount,
    });
    await sleep(500);
    const rssWithSockets = rssMiB();

    // The fleet: enroll, connect, then durationSeconds of heartbeats, no pings (pings
    // are not pushed to sockets; they would only load the loop). The window starts when
    // the simulator starts counting heartbeats.
    let window;
    let extra;
    const fleet = simulateFleet({
      serverUrl: server.url,
      email: BENCH_EMAIL,
      password: BENCH_PASSWORD,
      agents: AGENTS,
      durationSeconds,
      pingConcurrency: 0,
      keepAgents: true,
      log: (line) => {
        if (!line.startsWith('running')) return;
        const from = Date.now();
        window = { from, to: from + durationSeconds * 1000, cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), wall: performance.now() };
        readers.tell({ cmd: 'mark' });
        extra = extraAgent(client, { startAtMs: from + 1500, stopAtMs: from + 3500 });
      },
    });
    const fleetResult = await fleet;
    // The simulator has waited out the window (and stopped its agents); the window's figures.
    const cpu = process.cpuUsage(window.cpu);
    const elu = performance.eventLoopUtilization(window.elu);
    const wallSeconds = (performance.now() - window.wall) / 1000;
    const { agentId: extraId, stoppedAt } = await extra;
    const rssWithFleet = rssMiB();
    // On a loaded machine the extra agent may go offline after the window: wait for it.
    const wentOffline = () => pushed.events.some((event) => event.agentId === extraId && event.to === 'offline');
    for (let waited = 0; !wentOffline() && waited < 10_000; waited += 100) await sleep(100);
    await sleep(GRACE_MS);
    const seen = await readers.ask({ cmd: 'report', from: window.from, to: window.to, watch: extraId });

    // Fleet agents marked offline while running (a heartbeat acknowledged too late).
    const fleetOffline = pushed.events.filter((event) => event.agentId !== extraId && event.to === 'offline' && event.publishedAt >= window.from && event.publishedAt < window.to).length;
    const inWindow = pushed.samples.filter(({ collectedAt }) => collectedAt >= window.from && collectedAt < window.to);
    const expected = inWindow.reduce((sum, { sockets }) => sum + sockets, 0);
    const sendMs = percentiles(pushed.sendMs);
    const heartbeatToSend = percentiles(pushed.heartbeatToSendMs);
    const seconds = durationSeconds;
    // The extra agent's events: from the event's own `at` (the server's clock when it
    // happened: Register starting, the heartbeat, the sweep) and from its publication
    // (LiveUpdates.send starting) to its arrival on each socket.
    const delivery = (type, to) => {
      const frames = seen.watched.filter((frame) => frame.type === type && frame.to === to);
      const published = pushed.events.find((event) => event.agentId === extraId && event.type === type && event.to === to);
      return {
        sockets: frames.length,
        fromAtMs: percentiles(frames.map((frame) => frame.arrived - frame.at)),
        fromPublishMs: published ? percentiles(frames.map((frame) => frame.arrived - published.publishedAt)) : undefined,
        sendMs: published?.sendMs,
        at: frames[0]?.at,
      };
    };
    const enrolled = delivery('agent.enrolled', undefined);
    const active = delivery('agent.status_changed', 'active');
    const offline = delivery('agent.status_changed', 'offline');
    const both = (figures) => (figures.sockets ? `${fixed(figures.fromPublishMs?.p50, 0)} / ${fixed(figures.fromPublishMs?.max, 0)}${figures.sockets < socketCount ? ` (${figures.sockets} sockets)` : ''}` : '—');

    // Re-checking every socket's credentials, which the server does every minute, all at
    // once: how long it takes and how much of that the event loop is busy.
    // A 1 ms timer measures the longest the loop went without running it meanwhile.
    const recheckElu = performance.eventLoopUtilization();
    const recheckStarted = performance.now();
    let lastTick = recheckStarted;
    let longestStallMs = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longestStallMs = Math.max(longestStallMs, now - lastTick);
      lastTick = now;
    }, 1);
    await live.recheckAll();
    const recheckMs = performance.now() - recheckStarted;
    await sleep(5);
    clearInterval(probe);
    longestStallMs = Math.max(longestStallMs, performance.now() - lastTick);
    const recheckBusy = performance.eventLoopUtilization(recheckElu).utilization;

    return {
      row: {
        sockets: socketCount,
        'opened in s': fixed(opened.seconds, 2),
        'samples/s pushed': fixed(inWindow.length / seconds),
        'frames/s delivered': fixed(seen.received / seconds, 0),
        'frames/s expected': fixed((inWindow.length * socketCount) / seconds, 0),
        lost: expected - seen.received,
        'fleet marked offline': fleetOffline,
        'closed by server': Object.entries(seen.closedByServer).map(([code, count]) => `${count}×${code}`).join(' ') || 0,
        'latency p50 ms': fixed(seen.latencyMs.p50, 0),
        'latency p95 ms': fixed(seen.latencyMs.p95, 0),
        'latency p99 ms': fixed(seen.latencyMs.p99, 0),
        'last socket p50 ms': fixed(seen.lastSocketMs.p50, 0),
        'enrolled p50/max ms': both(enrolled),
        'offline p50/max ms': both(offline),
        'send() p50/p99 ms': `${fixed(sendMs.p50, 2)} / ${fixed(sendMs.p99, 2)}`,
        'server CPU %': fixed(((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100, 0),
        'server loop busy %': fixed(elu.utilization * 100, 0),
        'readers CPU %': fixed(seen.cpuPercent, 0),
        'recheck all ms (longest stall)': `${fixed(recheckMs, 0)} (${fixed(longestStallMs, 0)})`,
        'RSS idle → sockets → +fleet MiB': `${fixed(rssServerIdle, 0)} → ${fixed(rssWithSockets, 0)} → ${fixed(rssWithFleet, 0)}`,
      },
      details: {
        socketCount,
        agents: AGENTS,
        opened,
        window: { from: new Date(window.from).toISOString(), seconds },
        pushedSamples: inWindow.length,
        expectedDeliveries: expected,
        received: seen.received,
        latencyMs: seen.latencyMs,
        firstSocketMs: seen.firstSocketMs,
        lastSocketMs: seen.lastSocketMs,
        heartbeatToSendMs: heartbeatToSend,
        sendMs,
        extraAgent: {
          enrolled,
          active,
          offline,
          offlineDetectedAfterStopMs: offline.at ? offline.at - stoppedAt : undefined,
        },
        closedByServer: seen.closedByServer,
        fleetMarkedOffline: fleetOffline,
        readerErrors: seen.errors,
        openAtReport: seen.openAtReport,
        serverProcess: {
          cpuPercent: ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100,
          eventLoopUtilization: elu.utilization,
        },
        readerProcess: { cpuPercent: seen.cpuPercent, rssMiB: seen.rssMiB, rssAfterOpenMiB: opened.rssMiB },
        recheckAll: { ms: recheckMs, loopBusy: recheckBusy, longestStallMs },
        sampleFrameBytes: seen.sampleFrameBytes,
        loadAverage: { start: loadAtStart, end: loadavg() },
        fleet: {
          heartbeatsPerSecond: fleetResult.heartbeatsPerSecond,
          disconnects: fleetResult.disconnectsDuringRun,
          connectSeconds: fleetResult.connectSeconds,
          warnings: fleetResult.agentWarnings,
          lastWarning: fleetResult.lastAgentWarning,
        },
        rssMiB: { before: rssBefore, serverIdle: rssServerIdle, withSockets: rssWithSockets, withFleet: rssWithFleet },
      },
    };
  } finally {
    readers.tell({ cmd: 'close' });
    await Promise.race([readers.exited, sleep(2000)]);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The flat figures of one size, named after its socket count. */
function sizeFigures(details) {
  const at = `At${details.socketCount}Sockets`;
  const seconds = details.window.seconds;
  return {
    [`framesPerSecondDelivered${at}`]: round(details.received / seconds, 0),
    [`framesLost${at}`]: details.expectedDeliveries - details.received,
    [`latencyP50Ms${at}`]: round(details.latencyMs.p50, 1),
    [`latencyP99Ms${at}`]: round(details.latencyMs.p99, 1),
    [`serverCpuPercent${at}`]: round(details.serverProcess.cpuPercent, 1),
    [`serverRssMiB${at}`]: round(details.rssMiB.withFleet, 1),
    [`recheckAllMs${at}`]: round(details.recheckAll.ms, 1),
  };
}

export async function run({ quick = false, details = false } = {}) {
  const rows = [];
  const figures = {};
  const seconds = quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS;
  for (const sockets of quick ? QUICK_SIZES : SIZES) {
    const { stdout } = await promisify(execFile)(process.execPath, [here, '--sockets', String(sockets), '--seconds', String(seconds)], { maxBuffer: 16 * MIB, timeout: 10 * 60_000 });
    const result = JSON.parse(stdout);
    if (details) console.error(JSON.stringify(result.details));
    rows.push(result.row);
    Object.assign(figures, sizeFigures(result.details));
  }
  return { rows, figures, ratios: {}, goals: [] };
}

if (process.argv[1] === here) {
  const { values } = parseArgs({
    options: { sockets: { type: 'string' }, seconds: { type: 'string' }, reader: { type: 'boolean' }, details: { type: 'boolean' }, quick: { type: 'boolean' } },
  });
  if (values.reader) await reader();
  else if (values.sockets !== undefined) {
    const result = await measure(Number(values.sockets), Number(values.seconds ?? DURATION_SECONDS));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // Lingering handles (the fleet's HTTP/2 sessions) must not hold the process open.
    process.exit(0);
  } else {
    const { rows, figures } = await run({ quick: values.quick ?? false, details: values.details });
    console.table(rows);
    console.log(figures);
  }
}
