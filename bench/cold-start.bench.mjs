// Cold start: `infrapilot server` (node packages/cli/dist/main.js server) on an existing
// data dir, from spawning the process until GET /readyz answers 200 (polled every 10 ms).
// The data dir is made once by a first start (SQLite, master key, CA, first admin), which
// is timed too but is not the figure. Each start then gets SIGTERM and is waited for, and
// its shutdown time is recorded. Reference: a bare `node -e ""` spawn to exit.
//   node bench/cold-start.bench.mjs [--quick]      5 starts (3 quick)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fixed, percentiles, round } from './lib/stats.mjs';

export const title = 'Cold start: `infrapilot server` on an existing data dir until /readyz answers 200 (SQLite)';

const here = fileURLToPath(import.meta.url);
const cliMain = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const progress = (message) => console.error(`[cold-start] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const READY_TIMEOUT_MS = 60_000;

/** A loopback port free right now (the OS picks it; released before the server binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function rssMiBOf(pid) {
  try {
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts the CLI's server on `dataDir`, times it to /readyz 200 (and to its "listening"
 * line), then stops it with SIGTERM and times the exit.
 */
async function startOnce(dataDir) {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const env = { ...process.env };
  // SQLite in the data dir, whatever this shell has set.
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.INFRAPILOT_MASTER_KEY;
  Object.assign(env, {
    INFRAPILOT_DATA_DIR: dataDir,
    INFRAPILOT_HTTP_HOST: '127.0.0.1',
    INFRAPILOT_HTTP_PORT: String(httpPort),
    INFRAPILOT_GRPC_PORT: String(grpcPort),
    INFRAPILOT_ADMIN_EMAIL: 'bench@example.com',
    INFRAPILOT_ADMIN_PASSWORD: 'bench password that is long enough',
  });
  const started = performance.now();
  const child = spawn(process.execPath, [cliMain, 'server'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let listeningMs = null;
  const keep = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
    if (listeningMs === null && output.includes('listening on')) listeningMs = performance.now() - started;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    const url = `http://127.0.0.1:${httpPort}/readyz`;
    let readyMs = null;
    while (readyMs === null) {
      if (exitedEarly) throw new Error(`the server exited before it was ready:\n${output}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`not ready after ${READY_TIMEOUT_MS} ms:\n${output}`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.status === 200) readyMs = performance.now() - started;
      } catch {
        // not listening yet
      }
      if (readyMs === null) await sleep(10);
    }
    // /readyz answers as soon as the HTTP port listens, before the agent gateway listens
    // and before the CLI handles SIGTERM (it prints "listening on" then): wait for that
    // line too, so the stop below is the CLI's orderly one and not SIGTERM's default.
    while (listeningMs === null && !exitedEarly && performance.now() - started < READY_TIMEOUT_MS) await sleep(5);
    if (listeningMs === null) throw new Error(`no "listening on" line:\n${output}`);
    const rssMiB = rssMiBOf(child.pid);
    const stopping = performance.now();
    child.kill('SIGTERM');
    let timer;
    const exit = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 30_000, null)))]);
    clearTimeout(timer);
    if (!exit) throw new Error(`the server did not exit within 30 s of SIGTERM:\n${output}`);
    return { readyMs, listeningMs, stopMs: exit.at - stopping, exitCode: exit.code ?? exit.signal, rssMiB };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Spawn-to-exit of a bare `node -e ""`: what starting any Node process costs here. */
async function bareNodeMs() {
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  return performance.now() - started;
}

/** @param {{ quick: boolean }} options */
export async function run({ quick = false } = {}) {
  const starts = quick ? 3 : 5;
  const dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-coldstart-'));
  try {
    progress('first start: creating the data dir');
    const first = await startOnce(dataDir);
    const runs = [];
    for (let index = 0; index < starts; index++) {
      progress(`start ${index + 1} of ${starts}`);
      runs.push(await startOnce(dataDir));
    }
    const bare = [];
    for (let index = 0; index < 5; index++) bare.push(await bareNodeMs());

    const ready = percentiles(runs.map((entry) => entry.readyMs));
    const listening = percentiles(runs.map((entry) => entry.listeningMs));
    const stop = percentiles(runs.map((entry) => entry.stopMs));
    const rss = percentiles(runs.map((entry) => entry.rssMiB));
    const node = percentiles(bare);
    const rows = [
      ...runs.map((entry, index) => ({
        start: `existing data dir #${index + 1}`,
        'to /readyz 200 ms': fixed(entry.readyMs, 0),
        '"listening" printed ms': fixed(entry.listeningMs, 0),
        'RSS at ready MiB': fixed(entry.rssMiB, 0),
        'SIGTERM to exit ms': fixed(entry.stopMs, 0),
        exit: entry.exitCode,
      })),
      { start: `p50 / max of ${starts}`, 'to /readyz 200 ms': `${fixed(ready.p50, 0)} / ${fixed(ready.max, 0)}`, '"listening" printed ms': `${fixed(listening.p50, 0)} / ${fixed(listening.max, 0)}`, 'RSS at ready MiB': fixed(rss.p50, 0), 'SIGTERM to exit ms': `${fixed(stop.p50, 0)} / ${fixed(stop.max, 0)}` },
      { start: 'first start (creates the data dir)', 'to /readyz 200 ms': fixed(first.readyMs, 0), '"listening" printed ms': fixed(first.listeningMs, 0), 'RSS at ready MiB': fixed(first.rssMiB, 0), 'SIGTERM to exit ms': fixed(first.stopMs, 0), exit: first.exitCode },
      { start: 'bare `node -e ""` spawn to exit (reference, p50 of 5)', 'to /readyz 200 ms': fixed(node.p50, 0) },
    ];
    const figures = {
      coldStartP50Ms: round(ready.p50, 0),
      coldStartMaxMs: round(ready.max, 0),
      coldStartListeningP50Ms: round(listening.p50, 0),
      coldStartRssMiB: round(rss.p50, 1),
      shutdownP50Ms: round(stop.p50, 0),
      shutdownMaxMs: round(stop.max, 0),
      firstStartMs: round(first.readyMs, 0),
      bareNodeStartMs: round(node.p50, 0),
      coldStartUncleanExits: runs.filter((entry) => entry.exitCode !== 0).length,
    };
    const ratios = { coldStartToBareNodeStart: figures.bareNodeStartMs ? round(ready.p50 / node.p50, 1) : null };
    const goals = [{ figure: 'coldStartP50Ms', target: '< 2000', met: typeof ready.p50 === 'number' ? ready.p50 < 2000 : null }];
    return { rows, figures, ratios, goals };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === here) {
  const result = await run({ quick: process.argv.includes('--quick') });
  console.table(result.rows);
  console.log(JSON.stringify({ figures: result.figures, ratios: result.ratios, goals: result.goals }, null, 2));
}
