// Container streams: a followed container log and an exec session, end to end.
// Starts a real server (SQLite, temp data dir, loopback) and a real agent with the docker
// capability in this process, against the machine's dockerd and the test image
// (infrapilot-test/busybox:latest, made by scripts/setup-system.sh). The reader — the
// log socket's or the exec socket's client, Node's WebSocket through @infrapilot/client —
// runs in a child process, as a browser or the CLI would.
//   Log streaming: a container prints N numbered lines as fast as it can (busybox seq);
//   the reader follows GET …/logs/stream and checks every number arrives once, in order.
//   Lines/s from the first line's arrival to the last, and latency = arrival − Docker's
//   timestamp of the line (both clocks are this machine's). Reference: the same workload
//   followed straight from the Docker socket with dockerode in the child.
//   Exec keystroke round trip: `cat` in a TTY; the reader types one key and waits for the
//   terminal's echo, K times. Reference: the same over a hijacked Docker exec.
//   node bench/container-streams.bench.mjs            table (LINES=200000 KEYS=300 by default)
//   node bench/container-streams.bench.mjs --quick    fewer lines and keys
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
import { fixedMetrics, quantile } from './fleet-simulator.mjs';

export const title = 'Container streams: log lines/s and latency over GET …/logs/stream, exec keystroke round trip (SQLite, real dockerd)';

const IMAGE = process.env.DOCKER_TEST_IMAGE ?? 'infrapilot-test/busybox:latest';
const here = fileURLToPath(import.meta.url);
const run$ = promisify(execFile);
const quick = process.argv.includes('--quick');
const LINES = Number(process.env.LINES ?? (quick ? 50_000 : 200_000));
const KEYS = Number(process.env.KEYS ?? (quick ? 100 : 300));
const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const progress = (message) => console.error(`[container-streams] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentiles(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : Number.NaN };
}

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

/** A container that waits a moment (for the reader to attach), prints 1..lines, then lingers. */
async function startPrinter(name, lines) {
  await docker('run', '-d', '--name', name, '--label', 'infrapilot.test=1', IMAGE, 'sh', '-c', `sleep 2; seq 1 ${lines}; sleep 3`);
}

/**
 * The same numbers, paced: bursts of 1 000 lines every 50 ms (about 20 000 lines/s, below
 * what the path carries), so latency shows the path rather than a backlog.
 */
async function startPacedPrinter(name, lines) {
  const bursts = Math.ceil(lines / 1000);
  await docker('run', '-d', '--name', name, '--label', 'infrapilot.test=1', IMAGE, 'sh', '-c',
    `sleep 2; i=0; while [ $i -lt ${bursts} ]; do seq $((i*1000+1)) $((i*1000+1000)); usleep 50000; i=$((i+1)); done; sleep 3`);
}

// ---------------------------------------------------------------------------- the reader (child)

/** Checks numbered lines as they arrive: each number once, in order. */
function lineChecker() {
  let expected = 1;
  const state = { received: 0, outOfOrder: 0, first: 0, last: 0, latencies: [] };
  return {
    state,
    line(text, timestamp) {
      const now = performance.timeOrigin + performance.now();
      if (state.received === 0) state.first = now;
      state.last = now;
      state.received += 1;
      if (Number(text) !== expected) state.outOfOrder += 1;
      expected = Number(text) + 1;
      state.latencies.push(now - timestampMs(timestamp));
    },
  };
}

async function readLogsThroughInfraPilot({ baseUrl, accessToken, agentId, container, lines }) {
  const client = new InfraPilotClient({ baseUrl, tokens: { accessToken } });
  const checker = lineChecker();
  await new Promise((resolve, reject) => {
    const stream = followContainerLogs(client, agentId, container, { tail: 0 }, {
      lines(batch) {
        for (const line of batch) checker.line(line.text, line.timestamp);
        if (checker.state.received >= lines) {
          stream.close();
          resolve();
        }
      },
      end(end) {
        if (end.kind === 'error') reject(new Error(`${end.code}: ${end.message}`));
        else resolve();
      },
    });
  });
  return checker.state;
}

async function readLogsFromDocker({ container, lines }) {
  const { default: Docker } = await import('dockerode');
  const dockerClient = new Docker();
  const checker = lineChecker();
  const stream = await dockerClient.getContainer(container).logs({ follow: true, stdout: true, stderr: true, timestamps: true, tail: 0 });
  let pending = '';
  await new Promise((resolve, reject) => {
    // Docker's multiplexed frames: 8-byte header (stream, 0, 0, 0, size BE32) then the payload.
    let buffer = Buffer.alloc(0);
    stream.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 8) {
        const size = buffer.readUInt32BE(4);
        if (buffer.length < 8 + size) break;
        pending += buffer.subarray(8, 8 + size).toString('utf8');
        buffer = buffer.subarray(8 + size);
      }
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        const space = part.indexOf(' ');
        checker.line(part.slice(space + 1), part.slice(0, space));
      }
      if (checker.state.received >= lines) {
        stream.destroy();
        resolve();
      }
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return checker.state;
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
  return { roundTrips };
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
  return { roundTrips };
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

function inChild(task, input) {
  return new Promise((resolve, reject) => {
    const child = fork(here, ['--child'], { stdio: 'inherit' });
    child.on('message', (message) => {
      if (message.ready) child.send({ task, input });
      else if (message.ok) resolve(message.result);
      else reject(new Error(message.error));
    });
    child.once('exit', (code) => reject(new Error(`the reader exited (${code}) before answering`)));
  });
}

// ---------------------------------------------------------------------------- the measuring process

function logRow(label, state, lines) {
  const seconds = (state.last - state.first) / 1000;
  const latency = percentiles(state.latencies);
  return {
    path: label,
    lines: state.received,
    'lost': lines - state.received,
    'out of order': state.outOfOrder,
    'lines/s': fixed(state.received / seconds, 0),
    'latency p50 ms': fixed(latency.p50),
    'latency p99 ms': fixed(latency.p99),
    'latency max ms': fixed(latency.max),
  };
}

function keyRow(label, { roundTrips }) {
  const figures = percentiles(roundTrips);
  return { path: label, keys: figures.n, 'p50 ms': fixed(figures.p50, 2), 'p99 ms': fixed(figures.p99, 2), 'max ms': fixed(figures.max, 2) };
}

export async function run() {
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
    progress("agent connected");
    const accessToken = client.currentTokens.accessToken;
    const agentId = identity.agentId;

    const rows = [];
    const reference = `ipbench-ref-${suffix}`;
    containers.push(reference);
    await startPrinter(reference, LINES);
    progress("following the reference");
    const direct = await inChild('readLogsFromDocker', { container: reference, lines: LINES });
    rows.push(logRow('Docker socket (reference)', direct, LINES));

    const printer = `ipbench-logs-${suffix}`;
    containers.push(printer);
    await startPrinter(printer, LINES);
    progress("following through InfraPilot");
    const through = await inChild('readLogsThroughInfraPilot', { baseUrl, accessToken, agentId, container: printer, lines: LINES });
    rows.push(logRow('agent → server → WebSocket', through, LINES));
    const logRatio = (through.received / (through.last - through.first)) / (direct.received / (direct.last - direct.first));
    rows.push({ path: 'ratio (InfraPilot / reference)', 'lines/s': fixed(logRatio, 2) });

    const pacedLines = Math.min(LINES, 100_000);
    const pacedReference = `ipbench-paced-ref-${suffix}`;
    containers.push(pacedReference);
    await startPacedPrinter(pacedReference, pacedLines);
    progress('following the paced reference');
    rows.push(logRow('paced ≈20k lines/s: Docker socket (reference)', await inChild('readLogsFromDocker', { container: pacedReference, lines: pacedLines }), pacedLines));
    const paced = `ipbench-paced-${suffix}`;
    containers.push(paced);
    await startPacedPrinter(paced, pacedLines);
    progress('following paced lines through InfraPilot');
    rows.push(logRow('paced ≈20k lines/s: agent → server → WebSocket', await inChild('readLogsThroughInfraPilot', { baseUrl, accessToken, agentId, container: paced, lines: pacedLines }), pacedLines));

    const shell = `ipbench-exec-${suffix}`;
    containers.push(shell);
    await docker('run', '-d', '--name', shell, '--label', 'infrapilot.test=1', IMAGE, 'sleep', '600');
    const keyRows = [
      keyRow('keystroke echo, Docker socket (reference)', await inChild('typeThroughDocker', { container: shell, keys: KEYS })),
      keyRow('keystroke echo, WebSocket → server → agent → Docker', await inChild('typeThroughInfraPilot', { baseUrl, accessToken, agentId, container: shell, keys: KEYS })),
    ];
    console.table(rows);
    return keyRows;
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
  console.table(await run());
}
