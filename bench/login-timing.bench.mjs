// Does a failed sign-in take the same time whatever the reason (no user enumeration)?
// Calls the auth service of a real app on SQLite, each attempt from its own address so
// throttling does not interfere. The argon2id cost is read from a stored hash.
//   node bench/login-timing.bench.mjs [--quick]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp, loadConfig } from '../packages/server/dist/index.js';
import { fixed, round } from './lib/stats.mjs';

export const title = 'Failed sign-in timing by cause (argon2id, SQLite)';

const ROUNDS = 40;
const QUICK_ROUNDS = 20;
/** The first rounds warm up (JIT, SQLite caches) and are not counted. */
const WARM_UP_ROUNDS = 3;

/** The figure names' stem for each cause. */
const STEMS = { 'wrong password': 'wrongPassword', 'unknown user': 'unknownUser', 'disabled user': 'disabledUser' };

/** argon2id's parameters from a PHC string: $argon2id$v=19$m=19456,t=2,p=1$… */
function argon2Cost(passwordHash) {
  const match = /^\$(argon2\w+)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash ?? '');
  return match ? { variant: match[1], memoryKiB: Number(match[2]), passes: Number(match[3]), parallelism: Number(match[4]) } : undefined;
}

/** Nearest-rank quantile (0..1) of unsorted numbers. */
function quantile(values, q) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : Number.NaN;
}

function summarize(label, samples) {
  return { cause: label, runs: samples.length, 'median ms': fixed(quantile(samples, 0.5)), 'p90 ms': fixed(quantile(samples, 0.9)) };
}

export async function run({ quick = false } = {}) {
  const rounds = quick ? QUICK_ROUNDS : ROUNDS;
  const dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-bench-'));
  const config = loadConfig({ dataDir, masterKey: randomBytes(32).toString('base64'), logLevel: 'silent' }, {});
  const app = await buildApp(config, { logger: false });
  try {
    const { users, orgs, auth } = app.services;
    // One account per round, so the per-account back-off never answers instead of argon2.
    let cost;
    for (let round = 0; round < rounds; round++) {
      const account = await users.createAccount({ email: `present-${round}@example.com`, password: 'the right password' });
      cost ??= argon2Cost(account.password_hash);
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
    for (let round = 0; round < rounds; round++) {
      for (const [cause, input] of Object.entries(causes)) {
        address++;
        const ip = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
        const started = performance.now();
        await auth.login(input(round), { ip, userAgent: 'bench' }).catch(() => undefined);
        if (round >= WARM_UP_ROUNDS) samples[cause].push(performance.now() - started);
      }
    }
    const medians = Object.values(samples).map((values) => quantile(values, 0.5));
    const figures = {
      argon2MemoryKiB: cost?.memoryKiB ?? null,
      argon2Passes: cost?.passes ?? null,
      argon2Parallelism: cost?.parallelism ?? null,
      runsPerCause: rounds - WARM_UP_ROUNDS,
    };
    for (const [cause, values] of Object.entries(samples)) {
      figures[`${STEMS[cause]}MedianMs`] = round(quantile(values, 0.5), 2);
      figures[`${STEMS[cause]}P90Ms`] = round(quantile(values, 0.9), 2);
    }
    // How far apart the causes' medians are: near 0 means the cause cannot be told by timing.
    figures.medianSpreadMs = round(Math.max(...medians) - Math.min(...medians), 2);
    figures.medianSpreadPercent = round(((Math.max(...medians) - Math.min(...medians)) / Math.min(...medians)) * 100, 1);
    const costText = cost ? `${cost.variant} m=${cost.memoryKiB} KiB, t=${cost.passes}, p=${cost.parallelism}` : 'unknown';
    const rows = Object.entries(samples).map(([cause, values]) => ({ ...summarize(cause, values), 'argon2 cost': costText }));
    return { rows, figures, ratios: {}, goals: [] };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  const { rows, figures } = await run({ quick: values.quick });
  console.table(rows);
  console.log(figures);
}
