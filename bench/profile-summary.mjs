// Where a CPU profile's time went (or, for a sampling heap profile from --heap-prof, where
// the allocated bytes came from): by package, by function (self) and, for the functions
// matching a pattern, inclusive (the function and what it called).
//   node bench/profile-summary.mjs <file.cpuprofile|file.heapprofile> [--top 30] [--inclusive <regexp>]
// Packages are node_modules/<package>, packages/<package>/<dir> for InfraPilot's own code
// and node:<module> for Node's; "(idle)" is the event loop waiting.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, inclusive: { type: 'string' } },
});
if (positionals.length !== 1) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top 30] [--inclusive <regexp>]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map();
const parents = new Map();
/** Per node: microseconds of samples whose top frame it is (CPU), or bytes it allocated (heap). */
const selfTime = new Map();
const isHeapProfile = profile.head !== undefined;
if (isHeapProfile) {
  // A tree of { callFrame, selfSize, id, children } (sampled allocations still live or not).
  const walk = (node, parent) => {
    nodes.set(node.id, node);
    if (parent !== undefined) parents.set(node.id, parent.id);
    if (node.selfSize > 0) selfTime.set(node.id, node.selfSize);
    for (const child of node.children) walk(child, node);
  };
  walk(profile.head, undefined);
} else {
  for (const node of profile.nodes) nodes.set(node.id, node);
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
}
const total = [...selfTime.values()].reduce((sum, time) => sum + time, 0);
/** Microseconds as ms, or bytes as KiB. */
const amount = (value) => (isHeapProfile ? `${(value / 1024).toFixed(0).padStart(8)} KiB` : `${(value / 1000).toFixed(0).padStart(8)} ms`);

function shortUrl(url) {
  return url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/packages\//, 'packages/');
}
function frameName(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
}
function packageOf(node) {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName || '(native)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1];
  const own = /\/packages\/([^/]+\/[^/]+)/.exec(url);
  if (own) return `packages/${own[1]}`;
  const builtin = /^node:([^/]+)/.exec(url);
  return builtin ? `node:${builtin[1]}` : shortUrl(url);
}
function add(map, key, time) {
  map.set(key, (map.get(key) ?? 0) + time);
}
function print(title, map) {
  console.log(`\n${title}`);
  for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${amount(time)} ${((100 * time) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}

const byPackage = new Map();
const byFunction = new Map();
for (const [id, time] of selfTime) {
  const node = nodes.get(id);
  add(byPackage, packageOf(node), time);
  add(byFunction, frameName(node), time);
}
console.log(`${positionals[0]}: ${isHeapProfile ? `${(total / 2 ** 20).toFixed(1)} MiB allocated (sampled)` : `${(total / 1000).toFixed(0)} ms sampled`}`);
print(isHeapProfile ? 'Allocated by package' : 'Self time by package', byPackage);
print(isHeapProfile ? 'Allocated by function' : 'Self time by function', byFunction);

if (values.inclusive) {
  const pattern = new RegExp(values.inclusive);
  const inclusive = new Map();
  for (const [id, time] of selfTime) {
    // A recursive function counts once per sample.
    const seen = new Set();
    for (let current = id; current !== undefined; current = parents.get(current)) {
      const name = frameName(nodes.get(current));
      if (!seen.has(name) && pattern.test(name)) add(inclusive, name, time);
      seen.add(name);
    }
  }
  print(`Inclusive ${isHeapProfile ? 'allocations' : 'time'} of functions matching /${values.inclusive}/`, inclusive);
}
