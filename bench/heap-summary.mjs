// What a V8 heap snapshot holds, by constructor: object count and self size, largest first.
//   node bench/heap-summary.mjs <file.heapsnapshot> [--top 40]
// Self size only (not what an object keeps alive): enough to see which kind of object
// grows with the fleet when two snapshots at different sizes are compared.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' } } });
if (positionals.length !== 1) {
  console.error('usage: node bench/heap-summary.mjs <file.heapsnapshot> [--top 40]');
  process.exit(2);
}
const snapshot = JSON.parse(readFileSync(positionals[0], 'utf8'));
const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
const width = fields.length;
const typeField = fields.indexOf('type');
const nameField = fields.indexOf('name');
const sizeField = fields.indexOf('self_size');
const { nodes, strings } = snapshot;

const byKind = new Map();
let total = 0;
for (let index = 0; index < nodes.length; index += width) {
  const type = types[nodes[index + typeField]];
  // Objects by constructor name; everything else (strings, code, arrays, closures…) by its type.
  const kind = type === 'object' || type === 'native' ? `${strings[nodes[index + nameField]]}${type === 'native' ? ' (native)' : ''}` : `(${type})`;
  const size = nodes[index + sizeField];
  total += size;
  const entry = byKind.get(kind) ?? { count: 0, size: 0 };
  entry.count += 1;
  entry.size += size;
  byKind.set(kind, entry);
}
console.log(`${positionals[0]}: ${(total / 2 ** 20).toFixed(1)} MiB in ${(nodes.length / width).toLocaleString('en-US')} objects`);
for (const [kind, { count, size }] of [...byKind].sort((a, b) => b[1].size - a[1].size).slice(0, Number(values.top))) {
  console.log(`${(size / 2 ** 20).toFixed(2).padStart(9)} MiB ${String(count).padStart(9)}  ${kind}`);
}
