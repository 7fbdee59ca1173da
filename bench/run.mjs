// The benchmark runner, against the built packages (npm run bench, which builds first):
//   npm run bench [-- --quick] [name...]
// Measures the references once (bench/references.mjs), then runs each selected
// bench/<name>.bench.mjs in turn, each in a child process of its own so that one
// scenario's memory, handles and JIT state never show up in the next. Prints every
// scenario's rows and a Goals table, writes bench/results/<timestamp>.json and prints its
// path. A scenario that throws is recorded with its error and the run goes on; the exit
// code is 1 when any scenario (or the references) failed. Figures, not assertions: a goal
// not met does not fail the run.
//   --quick       the short variant of every scenario (a smoke run)
//   --list        the scenarios and their titles, nothing run
//   --cpu-prof    CPU profiles of every scenario process and the servers, agents and fleet
//                 simulators it starts, in bench/results/<timestamp>-profiles/ (see
//                 bench/lib/profiling.mjs; summarise one with bench/profile-summary.mjs)
//   name...       only the scenarios whose file name starts with one of these
// BENCH_SCENARIO_TIMEOUT_MINUTES (default 60, 15 with --quick) bounds each scenario.
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/machine.mjs';
import { profileExecArgv } from './lib/profiling.mjs';
import { fixed } from './lib/stats.mjs';
import { measureReferences, referenceRows } from './references.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const SUFFIX = '.bench.mjs';

/** A scenario's result in the contract's shape; an old-style array is its rows. */
function normalize(result) {
  if (Array.isArray(result)) return { rows: result, figures: {}, ratios: {}, goals: [] };
  if (!result || typeof result !== 'object') throw new Error(`run() returned ${typeof result}, not { rows, figures, ratios, goals }`);
  return {
    rows: Array.isArray(result.rows) ? result.rows : [],
    figures: result.figures ?? {},
    ratios: result.ratios ?? {},
    goals: Array.isArray(result.goals) ? result.goals : [],
  };
}

function describeError(error) {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

// ---------------------------------------------------------------------------- the child

/**
 * Child mode (`run.mjs --scenario <file>`): imports one scenario, waits for
 * { quick, references } over IPC, runs it and sends back { result } or { error }. Exits
 * once the answer is sent: lingering handles (HTTP/2 sessions) must not hold it open.
 */
async function child(file) {
  const { quick, references } = await new Promise((resolve) => process.once('message', resolve));
  let answer;
  try {
    const scenario = await import(pathToFileURL(join(here, file)).href);
    if (typeof scenario.run !== 'function') throw new Error(`${file} exports no run() function`);
    const result = normalize(await scenario.run({ quick, references }));
    // What crosses IPC (and lands in the JSON file) is JSON: NaN and Infinity become null.
    answer = JSON.parse(JSON.stringify({ title: scenario.title, result }));
  } catch (error) {
    answer = { error: describeError(error) };
  }
  process.send(answer, () => process.exit(0));
}

// ---------------------------------------------------------------------------- the parent

/** The process groups of running scenarios, killed if the runner is interrupted. */
const running = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Ctrl-C (or a kill) stops the running scenario and everything it started, then the runner. */
function stopScenariosOnSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      for (const pid of running) killGroup(pid, 'SIGTERM');
      console.error(`\n${signal}: stopped the running scenario`);
      process.exit(130);
    });
  }
}

/**
 * Runs one scenario file in a child process (its own process group, so that on a timeout
 * or an interruption everything it started goes too). Resolves with the child's answer.
 */
function runScenario(file, { quick, references, timeoutMinutes }) {
  return new Promise((resolve) => {
    const scenario = fork(self, ['--scenario', file], {
      cwd: join(here, '..'),
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: profileExecArgv(`scenario-${file.slice(0, -SUFFIX.length)}`),
    });
    running.add(scenario.pid);
    let answer;
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      running.delete(scenario.pid);
      // Anything the scenario left running in its group (a server it forked) goes with it.
      killGroup(scenario.pid, 'SIGKILL');
      resolve(value);
    };
    const timer = setTimeout(() => {
      killGroup(scenario.pid, 'SIGKILL');
      finish({ error: `timed out after ${timeoutMinutes} minutes (BENCH_SCENARIO_TIMEOUT_MINUTES)` });
    }, timeoutMinutes * 60_000);
    scenario.on('message', (message) => {
      answer = message;
    });
    scenario.once('error', (error) => finish({ error: describeError(error) }));
    scenario.once('exit', (code, signal) => {
      finish(answer ?? { error: `the scenario process exited (${signal ?? `code ${code}`}) without a result` });
    });
    scenario.send({ quick, references });
  });
}

/** Wide tables stay readable: console.table of the rows, or a note when there are none. */
function printRows(rows) {
  if (rows.length > 0) console.table(rows);
  else console.log('(no rows)');
}

function goalRows(scenarios) {
  const rows = [];
  for (const [name, scenario] of Object.entries(scenarios)) {
    for (const goal of scenario.goals ?? []) {
      const measured = scenario.figures?.[goal.figure] ?? scenario.ratios?.[goal.figure];
      rows.push({
        scenario: name,
        figure: goal.figure,
        target: goal.target,
        measured: typeof measured === 'number' ? Number(fixed(measured, Math.abs(measured) >= 100 ? 0 : Math.abs(measured) >= 0.1 ? 2 : 3)) : (measured ?? '—'),
        met: goal.met === true ? 'yes' : goal.met === false ? 'NO' : '—',
      });
    }
  }
  return rows;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      scenario: { type: 'string' },
    },
  });
  if (values.scenario) return child(values.scenario);
  stopScenariosOnSignals();

  const files = readdirSync(here)
    .filter((file) => file.endsWith(SUFFIX))
    .filter((file) => positionals.length === 0 || positionals.some((name) => file.startsWith(name)))
    .sort();
  if (files.length === 0) {
    console.error(`no bench/*${SUFFIX} matches ${positionals.join(', ')}`);
    process.exit(2);
  }
  if (values.list) {
    for (const file of files) {
      const { title } = await import(pathToFileURL(join(here, file)).href);
      console.log(`${file.slice(0, -SUFFIX.length).padEnd(24)} ${title ?? ''}`);
    }
    return;
  }

  const quick = values.quick;
  const timeoutMinutes = Number(process.env.BENCH_SCENARIO_TIMEOUT_MINUTES) || (quick ? 15 : 60);
  const startedAt = new Date();
  // The ISO timestamp with the colons made dashes, so the name is valid everywhere.
  const runName = `${startedAt.toISOString().replaceAll(':', '-')}${quick ? '-quick' : ''}`;
  const resultsDir = join(here, 'results');
  if (values['cpu-prof']) {
    process.env.BENCH_CPU_PROFILE_DIR = join(resultsDir, `${runName}-profiles`);
    console.log(`CPU profiles: ${relative(process.cwd(), process.env.BENCH_CPU_PROFILE_DIR)}/<scenario or role>/`);
  }
  const machine = machineInfo();
  console.log(`InfraPilot benchmarks${quick ? ' (quick)' : ''}: ${files.map((file) => file.slice(0, -SUFFIX.length)).join(', ')}`);
  console.log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, ${machine.kernel}, Node ${machine.node}`);

  console.log('\n## References (bare Fastify GET /hello; bare Connect AgentService.Heartbeat over h2c)');
  let references = {};
  let referencesError;
  const referencesStarted = performance.now();
  try {
    references = await measureReferences({ quick });
    console.table(referenceRows(references));
  } catch (error) {
    referencesError = describeError(error);
    console.error(`references failed: ${referencesError}`);
  }
  const referencesSeconds = (performance.now() - referencesStarted) / 1000;
  console.log(`(${referencesSeconds.toFixed(1)} s)`);

  const scenarios = {};
  for (const file of files) {
    const name = file.slice(0, -SUFFIX.length);
    console.log(`\n## ${name}`);
    const started = performance.now();
    const answer = await runScenario(file, { quick, references, timeoutMinutes });
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    if (answer.error) {
      scenarios[name] = { title: answer.title ?? null, figures: {}, ratios: {}, goals: [], rows: [], seconds, error: answer.error };
      console.error(`${name} FAILED: ${answer.error}`);
    } else {
      const { rows, figures, ratios, goals } = answer.result;
      scenarios[name] = { title: answer.title ?? null, figures, ratios, goals, rows, seconds };
      if (answer.title) console.log(answer.title);
      printRows(rows);
      if (Object.keys(ratios).length > 0) console.log(`ratios: ${Object.entries(ratios).map(([key, value]) => `${key} ${fixed(value, 2)}`).join(', ')}`);
    }
    console.log(`(${seconds.toFixed(1)} s)`);
  }

  const finishedAt = new Date();
  const goals = goalRows(scenarios);
  console.log('\n## Goals');
  if (goals.length > 0) console.table(goals);
  else console.log('(no scenario reported goals)');

  const failed = Object.entries(scenarios).filter(([, scenario]) => scenario.error).map(([name]) => name);
  const record = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    quick,
    machine,
    references,
    ...(referencesError ? { referencesError } : {}),
    scenarios,
  };
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${runName}.json`);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  const minutes = (finishedAt - startedAt) / 60_000;
  console.log(`\nResults: ${relative(process.cwd(), path) || path} (${minutes.toFixed(1)} min)`);
  if (failed.length > 0 || referencesError) {
    console.error(`failed: ${[...(referencesError ? ['references'] : []), ...failed].join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
