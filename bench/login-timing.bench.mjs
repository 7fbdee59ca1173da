// Does a failed sign-in take the same time whatever the reason (no user enumeration)?
// Calls the auth service of a real app on SQLite, each attempt from its own address so
// throttling does not interfere.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, loadConfig } from '../packages/server/dist/index.js';

export const title = 'Failed sign-in timing by cause (argon2id, SQLite)';

const ROUNDS = 40;

function summarize(label, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { cause: label, runs: samples.length, 'median ms': at(0.5).toFixed(1), 'p90 ms': at(0.9).toFixed(1) };
}

export async function run() {
  const dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-'));
  const config = loadConfig({ dataDir, masterKey: randomBytes(32).toString('base64'), logLevel: 'silent' }, {});
  const app = await buildApp(config, { logger: false });
  try {
    const { users, orgs, auth } = app.services;
    // One account per round, so the per-account back-off never answers instead of argon2.
    for (let round = 0; round < ROUNDS; round++) {
      const account = await users.createAccount({ email: `present-${round}@example.com`, password: 'the right password' });
      await orgs.createOrg({ name: `Bench ${round}` }, account.id);
      const disabled = await users.createAccount({ email: `disabled-${round}@example.com`, password: 'the right password' });
      await users.updateAccount(disabled.id, { disabled_at: new Date().toISOString() });
    }

    const causes = {
      'wrong password': (i) => ({ email: `present-${i}@example.com`, password: `wrong ${i}` }),
      'unknown user': (i) => ({ email: `absent-${i}@example.com`, password: `wrong ${i}` }),
      'disabled user': (i) => ({ email: `disabled-${i}@example.com`, password: 'the right password' }),
    };
    const samples = Object.fromEntries(Object.keys(causes).map((cause) => [cause, []]));
    let address = 0;
    // Interleave the causes so drift in machine load hits them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [cause, input] of Object.entries(causes)) {
        address++;
        const ip = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
        const started = performance.now();
        await auth.login(input(round), { ip, userAgent: 'bench' }).catch(() => undefined);
        if (round > 2) samples[cause].push(performance.now() - started);
      }
    }
    return Object.entries(samples).map(([cause, values]) => summarize(cause, values));
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
