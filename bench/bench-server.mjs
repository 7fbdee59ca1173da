// The server every bench measures against: SQLite (or a PostgreSQL URL) in a fresh temp
// data dir, loopback, ports chosen by the OS, no logging.
//   startBenchServer(prefix, options?)      in this process (heartbeats every second by default)
//   startBenchServerProcess(options?)        in a child process of its own, so its CPU and RSS
//                                            can be read from /proc (10 s heartbeats by default)
//   createBenchPostgresDatabase()            a fresh PostgreSQL database, dropped afterwards
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../packages/server/dist/index.js';

export const BENCH_EMAIL = 'bench@example.com';
export const BENCH_PASSWORD = 'bench password that is long enough';
/** The PostgreSQL server benches create their databases on (the one tests use). */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const here = fileURLToPath(import.meta.url);

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
  const { heartbeatIntervalSeconds = 10, databaseUrl, dataDirPrefix = 'infrapilot-bench-server-', execArgv = [] } = options;
  const child = fork(here, ['--child', JSON.stringify({ heartbeatIntervalSeconds, databaseUrl, dataDirPrefix })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = await new Promise((resolve, reject) => {
    child.once('message', (message) => (message.error ? reject(new Error(`bench server: ${message.error}`)) : resolve(message)));
    child.once('exit', (code, signal) => reject(new Error(`bench server exited before it was ready (${signal ?? code})`)));
  });
  let stopping;
  return {
    url: ready.url,
    grpcPort: ready.grpcPort,
    pid: child.pid,
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
  process.on('message', (message) => message?.type === 'stop' && void stop());
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.send({ url: server.url, grpcPort: server.grpcPort });
}

if (process.argv[1] === here && process.argv[2] === '--child' && process.send) {
  await child(JSON.parse(process.argv[3] ?? '{}'));
}
