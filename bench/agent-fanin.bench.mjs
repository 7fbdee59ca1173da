// Agent fan-in: the largest fleet one control-plane process sustains at a 10 s heartbeat.
// The server runs in a child process of its own (SQLite, then PostgreSQL in a fresh
// database), the fleet simulator (real agent code) in `simulators` more, and the fleet
// grows in steps. At each step every heartbeat is timed from sending to its reply for
// `stepSeconds`; the step is sustained when heartbeat ack p99 < 100 ms with no error (no
// refused or unanswered heartbeat, no disconnect, no agent warning, every agent connected).
// The ramp stops at the first step that is not (--quick runs every step and keeps the largest
// that passed), at the last step, or when enrolling the next step would take longer than
// `maxEnrollSeconds` (enrollment is then the bottleneck).
//   node bench/agent-fanin.bench.mjs [--quick] [--dialect sqlite|postgres|both]
//     [--steps 250,500,1000] [--step-seconds 60] [--simulators 2] [--json]
// Under `npm run bench` the same knobs come from BENCH_FANIN_DIALECT, BENCH_FANIN_STEPS,
// BENCH_FANIN_STEP_SECONDS and BENCH_FANIN_SIMULATORS; BENCH_FANIN_HEAP_SNAPSHOTS=<dir> also
// writes a heap snapshot of the server after each step (open it in Chrome DevTools → Memory),
// and BENCH_FANIN_ALLOCATIONS=<dir> a sample of everything it allocated during each step's
// window (summarise it with bench/profile-summary.mjs).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_EMAIL, BENCH_PASSWORD, createBenchPostgresDatabase, startBenchServerProcess } from './bench-server.mjs';
import { createFleet, startSimulatorProcess } from './fleet-simulator.mjs';
import { sampleProcess } from './lib/process-usage.mjs';
import { profileExecArgv } from './lib/profiling.mjs';
import { fixed, percentiles, round } from './lib/stats.mjs';

export const title = 'Agent fan-in: largest fleet sustained at a 10 s heartbeat (2 s with --quick; ack p99 < 100 ms, no errors), SQLite and PostgreSQL';

const P99_LIMIT_MS = 100;
// probeAgents: agents in the bench process itself, timed apart from the fleet (50 at a 10 s
// heartbeat give 300 acks in a 60 s window).
const FULL = { steps: [250, 500, 1000, 2000, 3000, 5000, 7500], heartbeatIntervalSeconds: 10, stepSeconds: 60, spreadSeconds: 10, settleSeconds: 5, maxEnrollSeconds: 600, probeAgents: 50 };
// One small step per database: a smoke run that the whole path works, not a figure. Its
// 2 s heartbeat puts a few acks from every agent in the 5 s window.
const QUICK = { steps: [50], heartbeatIntervalSeconds: 2, stepSeconds: 4, spreadSeconds: 1, settleSeconds: 0.5, maxEnrollSeconds: 120, probeAgents: 5 };
const DIALECTS = { sqlite: 'Sqlite', postgres: 'Postgres' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (values) => values.reduce((total, value) => total + value, 0);

/** Splits `count` into `parts` near-equal whole shares. */
function shares(count, parts) {
  return Array.from({ length: parts }, (_, index) => Math.floor(count / parts) + (index < count % parts ? 1 : 0));
}

/** Ramps one dialect; returns its rows and the step it sustained last. */
async function ramp(dialect, settings, log) {
  const { steps, heartbeatIntervalSeconds, stepSeconds, spreadSeconds, settleSeconds, maxEnrollSeconds, simulators, enrollConcurrency, probeAgents } = settings;
  const database = dialect === 'postgres' ? await createBenchPostgresDatabase() : undefined;
  let server;
  let probe;
  const sims = [];
  const rows = [];
  let sustained;
  let stopReason = 'reached the last step';
  let enrolled = 0;
  let enrollSecondsTotal = 0;
  try {
    server = await startBenchServerProcess({
      heartbeatIntervalSeconds,
      databaseUrl: database?.url,
      dataDirPrefix: 'infrapilot-bench-fanin-',
      // --expose-gc: after each step the server's live JS heap is read after a full collection.
      execArgv: ['--expose-gc', ...profileExecArgv('server')],
    });
    // Started together; each is pushed as soon as it is up, so `finally` stops it even if another fails.
    await Promise.all(
      Array.from({ length: simulators }, async (_, index) => {
        sims.push(await startSimulatorProcess({ serverUrl: server.url, email: BENCH_EMAIL, password: BENCH_PASSWORD, namePrefix: `fanin${index}`, heartbeatIntervalSeconds }));
      }),
    );
    // Probe agents in this otherwise idle process: their acks are timed on an event loop
    // nothing else loads, so they show what the server (and the network) add, apart from
    // the simulators' own delays. They are not counted in the fleet's size.
    probe = await createFleet({ serverUrl: server.url, email: BENCH_EMAIL, password: BENCH_PASSWORD, namePrefix: 'probe', heartbeatIntervalSeconds });
    await probe.grow(probeAgents, { spreadSeconds });
    for (const target of steps) {
      const adding = target - enrolled;
      if (adding <= 0) continue;
      // Enrollment (all simulators at once), then the new agents start spread over the interval.
      log(`${dialect}: growing to ${target} agents`);
      let grown;
      try {
        grown = await Promise.all(sims.map((sim, index) => sim.grow(shares(adding, sims.length)[index], { enrollConcurrency, spreadSeconds })));
      } catch (error) {
        stopReason = `could not grow to ${target}: ${error.message}`;
        break;
      }
      // The simulators enroll in parallel: the step's enrollment took as long as the slowest.
      const enrollSeconds = Math.max(...grown.map((step) => step.enrollSeconds));
      const connectSeconds = Math.max(...grown.map((step) => step.connectSeconds));
      enrolled = target;
      enrollSecondsTotal += enrollSeconds;
      await sleep(settleSeconds * 1000);

      log(`${dialect}: measuring ${target} agents for ${stepSeconds} s`);
      await server.stats();
      if (process.env.BENCH_FANIN_ALLOCATIONS) await server.startAllocationSampling();
      const durationMs = stepSeconds * 1000;
      const [serverUsage, simUsages, measured, probed] = await Promise.all([
        sampleProcess(server.pid, durationMs),
        Promise.all(sims.map((sim) => sampleProcess(sim.pid, durationMs))),
        Promise.all(sims.map((sim) => sim.measure(durationMs))),
        probe.measure(durationMs),
      ]);
      const probeAcks = percentiles(probed.latencies);
      const { memory: serverMemory, loopDelay: serverLoopDelay } = await server.stats({ fullGc: true });
      if (process.env.BENCH_FANIN_ALLOCATIONS) {
        mkdirSync(process.env.BENCH_FANIN_ALLOCATIONS, { recursive: true });
        log(`allocations: ${await server.stopAllocationSampling(join(process.env.BENCH_FANIN_ALLOCATIONS, `server-${dialect}-${target}.heapprofile`))}`);
      }
      if (process.env.BENCH_FANIN_HEAP_SNAPSHOTS) {
        mkdirSync(process.env.BENCH_FANIN_HEAP_SNAPSHOTS, { recursive: true });
        log(`heap snapshot: ${await server.heapSnapshot(join(process.env.BENCH_FANIN_HEAP_SNAPSHOTS, `server-${dialect}-${target}.heapsnapshot`))}`);
      }
      const acks = percentiles(measured.flatMap((part) => part.latencies));
      const connected = sum(measured.map((part) => part.connected));
      const errors = {
        refused: sum(measured.map((part) => part.refused)),
        unanswered: sum(measured.map((part) => part.missed)),
        disconnects: sum(measured.map((part) => part.disconnects)),
        warnings: sum(measured.map((part) => part.warnings)),
        notConnected: target - connected,
      };
      const errorCount = sum(Object.values(errors));
      const ok = acks.count > 0 && acks.p99 < P99_LIMIT_MS && errorCount === 0;
      const lastWarning = measured.map((part) => part.lastWarning).find(Boolean);
      rows.push({
        database: dialect,
        agents: target,
        'heartbeat s': heartbeatIntervalSeconds,
        'enroll /s': fixed(adding / enrollSeconds, 0),
        'started+connected s': fixed(connectSeconds, 1),
        'acks /s': fixed(acks.count / stepSeconds, 0),
        'ack p50 ms': fixed(acks.p50, 1),
        'ack p99 ms': fixed(acks.p99, 1),
        'ack max ms': fixed(acks.max, 0),
        'probe ack p50 / p99 ms': `${fixed(probeAcks.p50, 1)} / ${fixed(probeAcks.p99, 1)}`,
        errors: errorCount === 0 ? 0 : Object.entries(errors).filter(([, count]) => count > 0).map(([name, count]) => `${name} ${count}`).join(', '),
        'server CPU %': fixed(serverUsage.cpuPercentOfOneCore, 0),
        'server RSS MiB': fixed(serverUsage.rssMiB, 0),
        'server JS heap MiB': fixed(serverMemory.heapUsed / 2 ** 20, 0),
        'server loop delay p99 / max ms': `${fixed(serverLoopDelay.p99Ms, 0)} / ${fixed(serverLoopDelay.maxMs, 0)}`,
        'simulators loop delay p99 / max ms': `${fixed(Math.max(...measured.map((part) => part.loopDelay.p99Ms)), 0)} / ${fixed(Math.max(...measured.map((part) => part.loopDelay.maxMs)), 0)}`,
        'simulators CPU %': fixed(sum(simUsages.map((usage) => usage.cpuPercentOfOneCore)), 0),
        'simulators RSS MiB': fixed(sum(simUsages.map((usage) => usage.rssMiB)), 0),
        sustained: ok ? 'yes' : 'no',
      });
      log(`${dialect}: ${target} agents: ack p50 ${fixed(acks.p50)} ms, p99 ${fixed(acks.p99)} ms, errors ${errorCount}${lastWarning ? ` (${lastWarning})` : ''}`);
      if (!ok) {
        stopReason = acks.count === 0 ? `no heartbeat acknowledged at ${target}` : errorCount > 0 ? `errors at ${target}` : `ack p99 ≥ ${P99_LIMIT_MS} ms at ${target}`;
        // Quick runs every step (a short step holds few heartbeats: one stall is its p99).
        if (settings.stopAtFailure) break;
        continue;
      }
      sustained = { agents: target, acks, probeAcks, serverUsage, serverMemory, serverLoopDelay, enrollPerSecond: adding / enrollSeconds };
      const next = steps.find((step) => step > target);
      if (next !== undefined && ((next - target) * enrollSeconds) / adding > maxEnrollSeconds) {
        stopReason = `enrollment is the bottleneck: ${next - target} more agents would take over ${maxEnrollSeconds} s at ${fixed(adding / enrollSeconds, 0)}/s`;
        break;
      }
    }
  } finally {
    await probe?.stop().catch(() => undefined);
    await Promise.all(sims.map((sim) => sim.stop().catch(() => undefined)));
    await server?.stop().catch(() => undefined);
    await database?.drop().catch((error) => log(`could not drop ${database.name}: ${error.message}`));
  }
  return { rows, sustained, stopReason, enrollPerSecond: enrollSecondsTotal > 0 ? enrolled / enrollSecondsTotal : null, largestTried: rows.at(-1)?.agents ?? 0 };
}

function settingsFrom(quick, overrides = {}) {
  const env = process.env;
  const base = quick ? QUICK : FULL;
  const list = (text) => text?.split(',').map((part) => Number(part.trim())).filter((value) => Number.isInteger(value) && value > 0);
  return {
    ...base,
    steps: overrides.steps ?? list(env.BENCH_FANIN_STEPS) ?? base.steps,
    stepSeconds: overrides.stepSeconds ?? (Number(env.BENCH_FANIN_STEP_SECONDS) || base.stepSeconds),
    simulators: overrides.simulators ?? (Number(env.BENCH_FANIN_SIMULATORS) || (quick ? 1 : 2)),
    // Per simulator. Enrollment is mostly waiting on the server (about 40 ms each alone).
    enrollConcurrency: 32,
    stopAtFailure: !quick,
    dialects: overrides.dialects ?? (env.BENCH_FANIN_DIALECT && env.BENCH_FANIN_DIALECT !== 'both' ? [env.BENCH_FANIN_DIALECT] : Object.keys(DIALECTS)),
  };
}

/** @param {{ quick?: boolean, references?: Record<string, number>, log?: (line: string) => void, steps?: number[], stepSeconds?: number, simulators?: number, dialects?: string[] }} options */
export async function run({ quick = false, references = {}, log = (line) => console.error(`[fan-in] ${line}`), ...overrides } = {}) {
  const settings = settingsFrom(quick, overrides);
  const rows = [];
  const figures = {};
  const ratios = {};
  const goals = [];
  for (const dialect of settings.dialects) {
    const name = DIALECTS[dialect];
    if (!name) throw new Error(`unknown database "${dialect}" (sqlite or postgres)`);
    const result = await ramp(dialect, settings, log);
    rows.push(...result.rows, { database: dialect, agents: `sustained: ${result.sustained?.agents ?? 0}`, errors: `stopped: ${result.stopReason}` });
    const at = result.sustained;
    figures[`fleetSustained${name}`] = at?.agents ?? 0;
    figures[`fleetLargestTried${name}`] = result.largestTried;
    figures[`heartbeatAckP50Ms${name}`] = round(at?.acks.p50 ?? null, 2);
    figures[`heartbeatAckP99Ms${name}`] = round(at?.acks.p99 ?? null, 2);
    figures[`serverCpuPercent${name}`] = round(at?.serverUsage.cpuPercentOfOneCore ?? null, 1);
    figures[`serverRssMiB${name}`] = round(at?.serverUsage.rssMiB ?? null, 0);
    figures[`serverJsHeapMiB${name}`] = round(at ? at.serverMemory.heapUsed / 2 ** 20 : null, 0);
    figures[`serverLoopDelayP99Ms${name}`] = round(at?.serverLoopDelay.p99Ms ?? null, 1);
    figures[`probeAckP50Ms${name}`] = round(at?.probeAcks.p50 ?? null, 2);
    figures[`probeAckP99Ms${name}`] = round(at?.probeAcks.p99 ?? null, 2);
    figures[`enrollPerSecond${name}`] = round(result.enrollPerSecond, 1);
    const echo = references.connectEchoP50MsConcurrency64;
    if (at && typeof echo === 'number' && echo > 0) ratios[`heartbeatAckP50${name}ToConnectEchoP50Concurrency64`] = round(at.acks.p50 / echo, 2);
    goals.push(
      { figure: `fleetSustained${name}`, target: '≥ 5000', met: (at?.agents ?? 0) >= 5000 },
      { figure: `heartbeatAckP99Ms${name}`, target: '< 50', met: at !== undefined && at.acks.p99 < 50 },
    );
  }
  return { rows, figures, ratios, goals };
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] === here) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      dialect: { type: 'string' },
      steps: { type: 'string' },
      'step-seconds': { type: 'string' },
      simulators: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  let references = {};
  try {
    const { measureReferences } = await import(pathToFileURL(new URL('./references.mjs', import.meta.url).pathname).href);
    references = await measureReferences({ quick: values.quick });
  } catch (error) {
    console.error(`[fan-in] no references (${error.message}); ratios left out`);
  }
  const started = performance.now();
  const result = await run({
    quick: values.quick,
    references,
    ...(values.dialect && values.dialect !== 'both' ? { dialects: [values.dialect] } : {}),
    ...(values.steps ? { steps: values.steps.split(',').map(Number) } : {}),
    ...(values['step-seconds'] ? { stepSeconds: Number(values['step-seconds']) } : {}),
    ...(values.simulators ? { simulators: Number(values.simulators) } : {}),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.table(result.rows);
    console.log(result.figures, result.ratios);
    console.table(result.goals);
  }
  console.error(`[fan-in] took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
