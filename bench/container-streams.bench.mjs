// Container streams: a followed container log and an exec session, end to end.
// Starts a real server (SQLite, temp data dir, loopback) and a real agent with the docker
// capability in this process, against the machine's dockerd and the test image
// (infrapilot-test/busybox:latest, made by scripts/setup-system.sh). The reader — the
// log socket's or the exec socket's client, Node's WebSocket through @infrapilot/client —
// runs in a child process, as a browser or the CLI would.
//   Log streaming, flat out: a container prints LINES numbered lines as fast as it can
//   (busybox seq); the reader follows GET …/logs/stream and checks every number arrives
//   once and in order. Lines/s from the first line's arrival to the last — LINES is large
//   enough that this spans several seconds (≈10 s through InfraPilot; a tenth of
//   that with --quick). Reference: the same workload followed straight from the Docker
//   socket with dockerode in the child, and the ratio of the two rates.
//   Log latency, at the goal's rate: flat out, the printer outruns every follower and the
//   latency is only the backlog, which grows with LINES. So latency (arrival − Docker's
//   timestamp of the line; both clocks are this machine's) is measured on a second
//   printer paced at 50 000 lines/s — 1 000 lines every 20 ms, kept on schedule against
//   /proc/uptime — for PACED_LINES lines (10 s; 1 s with --quick), through InfraPilot and
//   from the Docker socket. The flat-out latency is reported too, labelled saturated.
//   Every printer waits, printing "0" every 100 ms, until the reader has seen a line and
//   the bench touches /tmp/go in it: no line is printed before the reader follows.
//   Exec keystroke round trip: `cat` in a TTY; the reader types one key and waits for the
//   terminal's echo, KEYS times. Reference: the same over a hijacked Docker exec.
//   node bench/container-streams.bench.mjs [--quick]   (LINES=, PACED_LINES=, KEYS= override)
import { execFile, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AgentRuntime, DEFAULT_POLICY, createDocker, joinControlPlane } from '../packages/agent/dist/index.js';
import { InfraPilotClient, followContainerLogs, openExecSession } from '../packages/client/dist/index.js';
import { BENCH_EMAIL, BENCH_PASSWORD, startBenchServer } from './bench-server.mjs';
import { fixedMetrics } from './fleet-simulator.mjs';
import { fixed, percentiles, round } from './lib/stats.mjs';

export const title = 'Container streams: log lines/s and latency over GET …/logs/stream, exec keystroke round trip (SQLite, real dockerd)';

const IMAGE = process.env.DOCKER_TEST_IMAGE ?? 'infrapilot-test/busybox:latest';
const here = fileURLToPath(import.meta.url);
const run$ = promisify(execFile);
/** The paced printer's rate: the goal's 50 000 lines/s, as 1 000 lines per 2 centiseconds. */
const PACED_RATE = 50_000;
const GOALS = { linesPerSecond: 50_000, latencyP99Ms: 250 };
/** A follower that sees no line for this long gives up; what it missed counts as lost. */
const STALL_MS = 20_000;
const progress = (message) => console.error(`[container-streams] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Docker's RFC 3339 nanosecond timestamp as epoch milliseconds with a fraction. */
function timestampMs(text) {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (!match) return Date.parse(text);
  return Date.parse(`${match[1]}Z`) + Number(`0.${match[2] ?? '0'}`) * 1000;
}

async function docker(...args) {
  const { stdout } = await run$('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Prints "0" every 100 ms until /tmp/go exists: the reader's sign that it follows. */
const WAIT_FOR_GO = 'while [ ! -e /tmp/go ]; do echo 0; usleep 100000; done';

/** A container that prints 1..lines as fast as it can once told to go, then lingers. */
async function startPrinter(name, lines) {
  await docker('run', '-d', '--name', name, '--label', 'infrapilot.test=1', IMAGE, 'sh', '-c', `${WAIT_FOR_GO}; seq 1 ${lines}; sleep 3`);
}

/**
 * The same numbers at PACED_RATE: 1 000 lines, then sleep until the next 2-centisecond
 * mark counted from the start (/proc/uptime), so the loop's own cost does not slow the rate.
 */
async function startPacedPrinter(name, lines) {
  const bursts = Math.ceil(lines / 1000);
  const script =
    `${WAIT_FOR_GO}; read a b < /proc/uptime; t0=\${a%.*}\${a#*.}; i=0; ` +
    `while [ $i -lt ${bursts} ]; do seq $((i*1000+1)) $((i*1000+1000)); i=$((i+1)); ` +
    `read a b < /proc/uptime; d=$((t0 + i*2 - \${a%.*}\${a#*.})); if [ $d -gt 0 ]; then usleep $((d*10000)); fi; done; sleep 3`;
  await docker('run', '-d', '--name', name, '--label', 'infrapilot.test=1', IMAGE, 'sh', '-c', script);
}

// ---------------------------------------------------------------------------- the reader (child)

/**
 * Checks numbered lines 1..lines as they arrive: which numbers came (once each), which
 * came out of order, and each line's latency. Lines "0" are the printer's waiting signal:
 * the first one calls onWaiting, none is counted.
 */
function lineChecker(lines, onWaiting) {
  const seen = new Uint8Array(lines + 1);
  const latencies = new Float64Array(lines * 2);
  let previous = 0;
  let waited = false;
  const state = { received: 0, distinct: 0, duplicates: 0, outOfOrder: 0, first: 0, last: 0, latencyCount: 0, done: false };
  return {
    state,
    latencies: () => latencies.subarray(0, state.latencyCount),
    line(text, timestamp) {
      const number = Number(text);
      if (number === 0) {
        if (!waited) {
          waited = true;
          onWaiting();
        }
        return;
      }
      const now = performance.timeOrigin + performance.now();
      if (state.received === 0) state.first = now;
      state.last = now;
      state.received += 1;
      if (state.latencyCount < latencies.length) latencies[state.latencyCount++] = now - timestampMs(timestamp);
      if (number !== previous + 1) state.outOfOrder += 1;
      previous = number;
      if (Number.isInteger(number) && number >= 1 && number <= lines) {
        if (seen[number]) state.duplicates += 1;
        else {
          seen[number] = 1;
          state.distinct += 1;
        }
      }
      if (number === lines || state.distinct === lines) state.done = true;
    },
  };
}

/** What a follower returns to the parent: counts, rate and latency percentiles. */
function summary(checker, lines) {
  const { state } = checker;
  const seconds = (state.last - state.first) / 1000;
  return {
    lines,
    received: state.received,
    lost: lines - state.distinct,
    duplicates: state.duplicates,
    outOfOrder: state.outOfOrder,
    seconds,
    linesPerSecond: seconds > 0 ? state.received / seconds : null,
    latency: percentiles(checker.latencies()),
  };
}

/** Resolves when `check()` says done, or when no line came for STALL_MS. */
function untilDoneOrStalled(checker, finish) {
  let lastCount = -1;
  let lastChange = Date.now();
  const timer = setInterval(() => {
    if (checker.state.received !== lastCount) {
      lastCount = checker.state.received;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > STALL_MS) finish();
  }, 500);
  return () => clearInterval(timer);
}

async function readLogsThroughInfraPilot({ baseUrl, accessToken, agentId, container, lines }) {
  const client = new InfraPilotClient({ baseUrl, tokens: { accessToken } });
  const checker = lineChecker(lines, () => process.send({ waiting: true }));
  await new Promise((resolve, reject) => {
    let stopWatching = () => {};
    const finish = () => {
      stopWatching();
      stream.close();
      resolve();
    };
    const stream = followContainerLogs(client, agentId, container, { tail: 0 }, {
      lines(batch) {
        for (const line of batch) checker.line(line.text, line.timestamp);
        if (checker.state.done) finish();
      },
      end(end) {
        stopWatching();
        if (end.kind === 'error') reject(new Error(`${end.code}: ${end.message}`));
        else resolve();
      },
    });
    stopWatching = untilDoneOrStalled(checker, finish);
  });
  return summary(checker, lines);
}

async function readLogsFromDocker({ container, lines }) {
  const { default: Docker } = await import('dockerode');
  const dockerClient = new Docker();
  const checker = lineChecker(lines, () => process.send({ waiting: true }));
  const stream = await dockerClient.getContainer(container).logs({ follow: true, stdout: true, stderr: true, timestamps: true, tail: 0 });
  let pending = '';
  await new Promise((resolve, reject) => {
    const stopWatching = untilDoneOrStalled(checker, () => {
      stream.destroy();
      resolve();
    });
    // Docker's multiplexed frames: 8-byte header (stream, 0, 0, 0, size BE32) then the payload.
    let buffer = Buffer.alloc(0);
    stream.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      let offset = 0;
      while (buffer.length - offset >= 8) {
        const size = buffer.readUInt32BE(offset + 4);
        if (buffer.length - offset < 8 + size) break;
        pending += buffer.toString('utf8', offset + 8, offset + 8 + size);
        offset += 8 + size;
      }
      buffer = buffer.subarray(offset);
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        const space = part.indexOf(' ');
        checker.line(part.slice(space + 1), part.slice(0, space));
      }
      if (checker.state.done) {
        stopWatching();
        stream.destroy();
        resolve();
      }
    });
    stream.on('end', () => {
      stopWatching();
      resolve();
    });
    stream.on('error', (error) => {
      stopWatching();
      reject(error);
    });
  });
  return summary(checker, lines);
}

async function typeThroughInfraPilot({ baseUrl, accessToken, agentId, container, keys }) {
  const client = new InfraPilotClient({ baseUrl, tokens: { accessToken } });
  const roundTrips = [];
  let waiting;
  let output = '';
  const session = openExecSession(client, agentId, container, { command: ['cat'], tty: true, columns: 80, rows: 24 }, {
    output(data) {
      output += new TextDecoder().decode(data);
      if (waiting && output.includes(waiting.key)) {
        output = '';
        waiting.resolve();
      }
    },
    exit() {},
    end() {},
  });
  const typeOne = (key) =>
    new Promise((resolve) => {
      const started = performance.now();
      waiting = { key, resolve: () => resolve(performance.now() - started) };
      session.write(key);
    });
  await sleep(500);
  for (let i = 0; i < keys; i++) roundTrips.push(await typeOne(String.fromCharCode(97 + (i % 26))));
  session.close();
  return percentiles(roundTrips);
}

async function typeThroughDocker({ container, keys }) {
  const { default: Docker } = await import('dockerode');
  const exec = await new Docker().getContainer(container).exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  const roundTrips = [];
  let waiting;
  let output = '';
  stream.on('data', (chunk) => {
    output += chunk.toString('utf8');
    if (waiting && output.includes(waiting.key)) {
      output = '';
      waiting.resolve();
    }
  });
  await sleep(200);
  for (let i = 0; i < keys; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    roundTrips.push(
      await new Promise((resolve) => {
        const started = performance.now();
        waiting = { key, resolve: () => resolve(performance.now() - started) };
        stream.write(key);
      }),
    );
  }
  stream.destroy();
  return percentiles(roundTrips);
}

const TASKS = { readLogsThroughInfraPilot, readLogsFromDocker, typeThroughInfraPilot, typeThroughDocker };

if (process.argv[2] === '--child') {
  // `on`, not `once`: the listener keeps the IPC channel, and so this process, alive while a task runs.
  process.on('message', async ({ task, input }) => {
    let answer;
    try {
      answer = { ok: true, result: await TASKS[task](input) };
    } catch (error) {
      answer = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    // Exit only once the answer is out: send() is asynchronous.
    process.send(answer, () => process.exit(0));
  });
  // The parent waits for this: a message sent before the listener exists would be lost.
  process.send({ ready: true });
}

/** Runs a task in a fresh reader process; `onWaiting` runs when a follower sees the printer's "0". */
function inChild(task, input, onWaiting = () => {}) {
  return new Promise((resolve, reject) => {
    const child = fork(here, ['--child'], { stdio: 'inherit' });
    child.on('message', (message) => {
      if (message.ready) child.send({ task, input });
      else if (message.waiting) Promise.resolve(onWaiting()).catch(reject);
      else if (message.ok) resolve(message.result);
      else reject(new Error(message.error));
    });
    child.once('exit', (code) => reject(new Error(`the reader exited (${code}) before answering`)));
  });
}

/** Follows a printer in a reader process, telling the printer to go once the reader sees it. */
function follow(task, input) {
  return inChild(task, input, () => docker('exec', input.container, 'touch', '/tmp/go'));
}

// ---------------------------------------------------------------------------- the measuring process

function logRow(label, result) {
  return {
    path: label,
    lines: result.received,
    lost: result.lost,
    'out of order': result.outOfOrder + result.duplicates,
    seconds: fixed(result.seconds, 1),
    'lines/s': fixed(result.linesPerSecond, 0),
    'latency p50 ms': fixed(result.latency.p50),
    'latency p99 ms': fixed(result.latency.p99),
    'latency max ms': fixed(result.latency.max),
  };
}

function keyRow(label, figures) {
  return { path: label, keys: figures.count, 'p50 ms': fixed(figures.p50, 2), 'p99 ms': fixed(figures.p99, 2), 'max ms': fixed(figures.max, 2) };
}

/** @param {{ quick?: boolean, references?: object }} [options] */
export async function run({ quick = false } = {}) {
  const LINES = Number(process.env.LINES ?? (quick ? 60_000 : 600_000));
  const PACED_LINES = Number(process.env.PACED_LINES ?? (quick ? 50_000 : 500_000));
  const KEYS = Number(process.env.KEYS ?? (quick ? 50 : 300));
  const { server, dataDir } = await startBenchServer('infrapilot-bench-streams-');
  const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-agent-'));
  const suffix = Math.random().toString(36).slice(2, 8);
  const containers = [];
  let runtime;
  let dockerCapability;
  try {
    const baseUrl = server.url;
    const client = new InfraPilotClient({ baseUrl });
    await client.auth.login({ email: BENCH_EMAIL, password: BENCH_PASSWORD });
    const enrollment = await client.agents.create({ name: 'bench-docker' });
    const identity = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: 'bench-docker' });
    const policy = { ...DEFAULT_POLICY, capabilities: { ...DEFAULT_POLICY.capabilities, exec: true } };
    dockerCapability = createDocker({ policy, logger: { info() {}, warn() {}, error() {}, debug() {} } });
    runtime = new AgentRuntime({ stateDir, policy, metrics: fixedMetrics(), capabilities: dockerCapability.capabilities, docker: dockerCapability.state, logger: { info() {}, warn() {}, error() {} } });
    const connected = new Promise((resolve) => runtime.once('connected', resolve));
    void runtime.run().catch(() => undefined);
    await connected;
    progress('agent connected');
    const accessToken = client.currentTokens.accessToken;
    const agentId = identity.agentId;
    const printer = async (name, lines, paced) => {
      const container = `ipbench-${name}-${suffix}`;
      containers.push(container);
      await (paced ? startPacedPrinter(container, lines) : startPrinter(container, lines));
      return container;
    };

    progress(`${LINES} lines flat out from the Docker socket (reference)`);
    const direct = await follow('readLogsFromDocker', { container: await printer('ref', LINES, false), lines: LINES });
    progress(`${LINES} lines flat out through InfraPilot`);
    const through = await follow('readLogsThroughInfraPilot', { baseUrl, accessToken, agentId, container: await printer('logs', LINES, false), lines: LINES });
    progress(`${PACED_LINES} lines at ${PACED_RATE} lines/s from the Docker socket (reference)`);
    const pacedDirect = await follow('readLogsFromDocker', { container: await printer('paced-ref', PACED_LINES, true), lines: PACED_LINES });
    progress(`${PACED_LINES} lines at ${PACED_RATE} lines/s through InfraPilot`);
    const paced = await follow('readLogsThroughInfraPilot', { baseUrl, accessToken, agentId, container: await printer('paced', PACED_LINES, true), lines: PACED_LINES });

    progress(`${KEYS} keystrokes each way`);
    const shell = `ipbench-exec-${suffix}`;
    containers.push(shell);
    await docker('run', '-d', '--name', shell, '--label', 'infrapilot.test=1', IMAGE, 'sleep', '600');
    const keysDirect = await inChild('typeThroughDocker', { container: shell, keys: KEYS });
    const keysThrough = await inChild('typeThroughInfraPilot', { baseUrl, accessToken, agentId, container: shell, keys: KEYS });

    const logRatio = through.linesPerSecond && direct.linesPerSecond ? through.linesPerSecond / direct.linesPerSecond : null;
    const lost = through.lost + paced.lost;
    const outOfOrder = through.outOfOrder + through.duplicates + paced.outOfOrder + paced.duplicates;
    const rows = [
      logRow('flat out: Docker socket (reference)', direct),
      logRow('flat out: agent → server → WebSocket', through),
      { path: 'flat out: ratio (InfraPilot / reference)', 'lines/s': fixed(logRatio, 2) },
      logRow(`paced ${PACED_RATE / 1000}k lines/s: Docker socket (reference)`, pacedDirect),
      logRow(`paced ${PACED_RATE / 1000}k lines/s: agent → server → WebSocket`, paced),
      keyRow('keystroke echo: Docker socket (reference)', keysDirect),
      keyRow('keystroke echo: WebSocket → server → agent → Docker', keysThrough),
    ];
    const figures = {
      logLinesFollowed: LINES,
      logSustainedSeconds: round(through.seconds, 2),
      logLinesPerSecond: round(through.linesPerSecond, 0),
      logLinesPerSecondDockerDirect: round(direct.linesPerSecond, 0),
      logSaturatedLatencyP50Ms: round(through.latency.p50, 1),
      logSaturatedLatencyP99Ms: round(through.latency.p99, 1),
      logPacedLinesFollowed: PACED_LINES,
      logPacedLinesPerSecond: round(paced.linesPerSecond, 0),
      logLatencyP50Ms: round(paced.latency.p50, 1),
      logLatencyP99Ms: round(paced.latency.p99, 1),
      logLatencyMaxMs: round(paced.latency.max, 1),
      logLatencyDockerDirectP50Ms: round(pacedDirect.latency.p50, 1),
      logLatencyDockerDirectP99Ms: round(pacedDirect.latency.p99, 1),
      logLinesLost: lost,
      logLinesOutOfOrder: outOfOrder,
      logLinesLostDockerDirect: direct.lost + pacedDirect.lost,
      keystrokeP50Ms: round(keysThrough.p50, 2),
      keystrokeP99Ms: round(keysThrough.p99, 2),
      keystrokeDockerDirectP50Ms: round(keysDirect.p50, 2),
      keystrokeDockerDirectP99Ms: round(keysDirect.p99, 2),
    };
    return {
      rows,
      figures,
      ratios: {
        logLinesPerSecondToDockerDirect: round(logRatio, 2),
        keystrokeP50ToDockerDirect: keysDirect.p50 ? round(keysThrough.p50 / keysDirect.p50, 2) : null,
      },
      goals: [
        { figure: 'logLinesPerSecond', target: `≥ ${GOALS.linesPerSecond}`, met: (through.linesPerSecond ?? 0) >= GOALS.linesPerSecond },
        { figure: 'logLatencyP99Ms', target: `< ${GOALS.latencyP99Ms} (at ${PACED_RATE} lines/s)`, met: paced.latency.p99 !== null && paced.latency.p99 < GOALS.latencyP99Ms },
        { figure: 'logLinesLost', target: '= 0 (and none out of order)', met: lost === 0 && outOfOrder === 0 },
      ],
    };
  } finally {
    await runtime?.stop();
    await dockerCapability?.close();
    await server.stop();
    if (containers.length > 0) await docker('rm', '-f', ...containers).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === here && process.argv[2] !== '--child') {
  const result = await run({ quick: process.argv.includes('--quick'), references: {} });
  console.table(result.rows);
  console.log(JSON.stringify({ figures: result.figures, ratios: result.ratios, goals: result.goals }, null, 2));
}
