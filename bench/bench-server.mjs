// The server every bench measures against: SQLite (or a PostgreSQL URL) in a fresh temp
// data dir, loopback, ports chosen by the OS, no logging.
//   startBenchServer(prefix, options?)      in this process (heartbeats every second by default)
//   startBenchServerProcess(options?)        in a child process of its own, so its CPU and RSS
//                                            can be read from /proc (10 s heartbeats by default)
//   createBenchPostgresDatabase()            a fresh PostgreSQL database, dropped afterwards
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { startServer } from '../packages/server/dist/index.js';
import { loopDelayFigures, nodeFlagsFrom, profileExecArgv } from './lib/profiling.mjs';

export const BENCH_EMAIL = 'bench@example.com';
export const BENCH_PASSWORD = 'bench password that is long enough';
/** The PostgreSQL server benches create their databases on (the one tests use). */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const here = fileURLToPath(import.meta.url);
/** Extra Node flags for server processes (BENCH_SERVER_NODE_FLAGS), to try V8 settings. */
const SERVER_NODE_FLAGS = nodeFlagsFrom('BENCH_SERVER_NODE_FLAGS');

/**
 * Starts the bench's server in this process; returns it with its data dir (the caller
 * removes it). Options: heartbeatIntervalSeconds (default 1), databaseUrl (default SQLite
 * in the data dir).
 */
export async function startBenchServer(dataDirPrefix, options = {}) {
  const { heartbeatIntervalSeconds = 1, databaseUrl } = options;
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
  try {
    const server = await startServer(
      {
        dataDir,
        masterKey: randomBytes(32).toString('base64'),
        httpHost: '127.0.0.1',
        httpPort: 0,
        grpcHost: '127.0.0.1',
        grpcPort: 0,
        publicUrl: 'http://127.0.0.1',
        heartbeatIntervalSeconds,
        ...(databaseUrl ? { databaseUrl } : {}),
        adminEmail: BENCH_EMAIL,
        adminPassword: BENCH_PASSWORD,
        logLevel: 'silent',
      },
      { logger: false },
    );
    return { server, dataDir };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts the bench's server in a child process of its own (same options as
 * startBenchServer, but heartbeats every 10 s by default). Returns { url, pid, stop() };
 * stop() ends the server and removes its data dir. The child also ends if this process
 * goes away (its IPC channel closes).
 */
export async function startBenchServerProcess(options = {}) {
  const { heartbeatIntervalSeconds = 10, databaseUrl, dataDirPrefix = 'infrapilot-bench-server-', execArgv = profileExecArgv('server') } = options;
  const child = fork(here, ['--child', JSON.stringify({ heartbeatIntervalSeconds, databaseUrl, dataDirPrefix })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...SERVER_NODE_FLAGS, ...execArgv],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = await new Promise((resolve, reject) => {
    child.once('message', (message) => (message.error ? reject(new Error(`bench server: ${message.error}`)) : resolve(message)));
    child.once('exit', (code, signal) => reject(new Error(`bench server exited before it was ready (${signal ?? code})`)));
  });
  /** Sends { type, ...fields } to the server process; resolves with its answer of the same type. */
  const ask = (type, fields = {}) =>
    new Promise((resolve) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.send({ type, ...fields });
    });
  let stopping;
  return {
    url: ready.url,
    grpcPort: ready.grpcPort,
    pid: child.pid,
    /**
     * { loopDelay: { p50Ms, p99Ms, maxMs } since the previous call, memory: process.memoryUsage()
     * (heapUsed after a full GC with `fullGc` when started with --expose-gc) }. Call once,
     * without fullGc, to start a window.
     */
    stats: ({ fullGc = false } = {}) => ask('stats', { fullGc }).then((answer) => answer.stats),
    /** Writes a V8 heap snapshot of the server to `path`; resolves with the path. */
    heapSnapshot: (path) => ask('heap-snapshot', { path }).then((answer) => answer.path),
    /** Starts sampling the server's allocations (bench/profile-summary.mjs reads the result). */
    startAllocationSampling: () => ask('allocations-start'),
    /** Stops sampling and writes the sampled allocations to `path` (a .heapprofile). */
    stopAllocationSampling: (path) => ask('allocations-stop', { path }).then((answer) => answer.path),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.send({ type: 'stop' });
          const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

/** A fresh PostgreSQL database on BENCH_POSTGRES_URL: { url, name, drop() }. */
export async function createBenchPostgresDatabase(prefix = 'infrapilot_bench_') {
  const { default: pg } = await import('pg');
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`PostgreSQL is not reachable at ${BENCH_POSTGRES_URL} (${error.message})`, { cause: error });
    }
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function child(options) {
  let started;
  try {
    started = await startBenchServer(options.dataDirPrefix, options);
  } catch (error) {
    process.send({ error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  const { server, dataDir } = started;
  let inspector;
  const loopDelays = monitorEventLoopDelay({ resolution: 10 });
  loopDelays.enable();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }
  };
  process.on('message', (message) => {
    if (message?.type === 'stop') void stop();
    // Every allocation sampled between start and stop, also those collected since (unlike
    // --heap-prof, which keeps only what is still alive): where the garbage comes from.
    if (message?.type === 'allocations-start') {
      inspector ??= new Session();
      inspector.connect();
      inspector.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, () =>
        process.send({ type: 'allocations-start' }),
      );
    }
    if (message?.type === 'allocations-stop') {
      inspector.post('HeapProfiler.stopSampling', (error, result) => {
        if (!error) writeFileSync(message.path, JSON.stringify(result.profile));
        inspector.disconnect();
        process.send({ type: 'allocations-stop', path: error ? `failed: ${error.message}` : message.path });
      });
    }
    if (message?.type === 'heap-snapshot') {
      process.send({ type: 'heap-snapshot', path: writeHeapSnapshot(message.path) });
    }
    if (message?.type === 'stats') {
      // Event-loop delay since the previous call: how long a ready callback waited.
      const loopDelay = loopDelayFigures(loopDelays);
      // The JS heap after a full collection (when asked, and the process runs with
      // --expose-gc): what the live objects hold, apart from native memory (TLS, HTTP/2,
      // SQLite). Never at the start of a window: a full collection stalls the server.
      if (message.fullGc) globalThis.gc?.();
      loopDelays.reset();
      const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
      process.send({ type: 'stats', stats: { loopDelay, memory: { rss, heapUsed, heapTotal, external, afterFullGc: message.fullGc === true && typeof globalThis.gc === 'function' } } });
    }
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.send({ url: server.url, grpcPort: server.grpcPort });
}

if (process.argv[1] === here && process.argv[2] === '--child' && process.send) {
  await child(JSON.parse(process.argv[3] ?? '{}'));
}
