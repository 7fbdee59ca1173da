// A results file as Markdown, for docs/benchmarks.md: the machine, the references, the
// goals and every scenario's rows, as tables.
//   node bench/report.mjs bench/results/<run>.json > /tmp/figures.md
import { readFileSync } from 'node:fs';
import { fixed } from './lib/stats.mjs';

const [path] = process.argv.slice(2);
if (!path) {
  console.error('usage: node bench/report.mjs bench/results/<run>.json');
  process.exit(2);
}
const run = JSON.parse(readFileSync(path, 'utf8'));

/** A figure as the docs print it: whole numbers as they are, others to 2 decimals (3 below 0.1). */
const figure = (value) => (typeof value !== 'number' ? value : Number.isInteger(value) ? value : fixed(value, Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 0.1 ? 2 : 3));

/** A table cell: pipes escaped, empty for nothing. */
const cell = (value) => (value === undefined || value === null ? '' : String(value).replaceAll('|', '\\|'));

function table(rows) {
  if (rows.length === 0) return '(no rows)\n';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${columns.map((column) => cell(row[column])).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

const minutes = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 60_000;
const { machine } = run;
const out = [];
out.push(`Run of ${run.startedAt} → ${run.finishedAt} (${minutes.toFixed(1)} min${run.quick ? ', --quick' : ''}), \`${path.split('/').pop()}\`:`);
out.push(`**${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}, ${machine.kernel}, Node ${machine.node}**.\n`);
out.push('### References\n');
out.push(table(Object.entries(run.references).map(([name, value]) => ({ figure: name, value: figure(value) }))));
out.push('### Goals\n');
const goals = [];
for (const [name, scenario] of Object.entries(run.scenarios)) {
  for (const goal of scenario.goals ?? []) {
    const measured = scenario.figures?.[goal.figure] ?? scenario.ratios?.[goal.figure];
    goals.push({ scenario: name, figure: `\`${goal.figure}\``, target: goal.target, measured: figure(measured), met: goal.met ? 'yes' : '**no**' });
  }
}
out.push(table(goals));
for (const [name, scenario] of Object.entries(run.scenarios)) {
  out.push(`### ${name}\n`);
  if (scenario.error) {
    out.push(`Failed: \`${scenario.error.split('\n')[0]}\`\n`);
    continue;
  }
  out.push(`${scenario.title} (${fixed(scenario.seconds, 0)} s)\n`);
  out.push(table(scenario.rows));
  const ratios = Object.entries(scenario.ratios ?? {});
  if (ratios.length > 0) out.push(`Ratios: ${ratios.map(([key, value]) => `\`${key}\` ${figure(value)}`).join(', ')}.\n`);
}
process.stdout.write(out.join('\n'));
