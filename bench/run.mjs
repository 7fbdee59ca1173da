// The benchmark runner (npm run bench [name...]): runs each bench/*.bench.mjs in turn,
// against the built packages, and prints what each measured. Figures, not assertions.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.mjs'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort();

for (const file of files) {
  const { run, title } = await import(pathToFileURL(join(here, file)).href);
  console.log(`\n## ${title ?? file}`);
  const started = performance.now();
  const rows = await run();
  console.table(rows);
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
