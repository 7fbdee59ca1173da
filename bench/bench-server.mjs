// The server every bench measures against: in this process, SQLite in a fresh temp data
// dir, loopback, ports chosen by the OS, heartbeats every second, no logging.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../packages/server/dist/index.js';

export const BENCH_EMAIL = 'bench@example.com';
export const BENCH_PASSWORD = 'bench password that is long enough';

/** Starts the bench's server; returns it with its data dir (the caller removes it). */
export async function startBenchServer(dataDirPrefix) {
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
  const server = await startServer(
    {
      dataDir,
      masterKey: randomBytes(32).toString('base64'),
      httpHost: '127.0.0.1',
      httpPort: 0,
      grpcHost: '127.0.0.1',
      grpcPort: 0,
      publicUrl: 'http://127.0.0.1',
      heartbeatIntervalSeconds: 1,
      adminEmail: BENCH_EMAIL,
      adminPassword: BENCH_PASSWORD,
      logLevel: 'silent',
    },
    { logger: false },
  );
  return { server, dataDir };
}
