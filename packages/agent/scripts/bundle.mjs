// Builds the single-file agent the control plane serves at /downloads/agent.js: every
// dependency inlined, so a host needs only Node.js >= 22 and this one file.
// Usage: node packages/agent/scripts/bundle.mjs [--outfile <path>]
// (default packages/agent/dist/agent.bundle.js, which `npm run build` makes and the
// server serves; tests pass --outfile to build a private copy).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
const outfile = values.outfile ? resolve(values.outfile) : join(packageDir, 'dist', 'agent.bundle.js');

// dockerode can also reach Docker over SSH (ssh2, whose optional native addons esbuild
// cannot inline) and build images through BuildKit sessions (gRPC, protobufjs). The agent
// does neither: it talks to the local Engine over its unix socket. Those modules are
// replaced by stubs that throw a plain error if anything ever calls into them, which also
// keeps several megabytes out of the download.
const NOT_BUNDLED = /^(ssh2|cpu-features|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/;
const notBundled = {
  name: 'infrapilot-not-bundled',
  setup(build) {
    build.onResolve({ filter: NOT_BUNDLED }, (args) => ({ path: args.path, namespace: 'not-bundled' }));
    build.onLoad({ filter: /.*/, namespace: 'not-bundled' }, (args) => ({
      loader: 'js',
      contents: `
const unavailable = function () {
  throw new Error(${JSON.stringify(`${args.path} is not part of the InfraPilot agent bundle: the agent reaches Docker only through its unix socket`)});
};
// Any property (ssh2's Client, grpc's Server...) is a function that throws when used.
module.exports = new Proxy(unavailable, { get: (_target, key) => (key === '__esModule' || key === 'then' ? undefined : unavailable) });
`,
    }));
  },
};

const result = await build({
  // From sources (the workspace's "@infrapilot/source" condition), so the bundle does
  // not depend on `tsc -b` having run first; `npm run build` type-checks before this.
  entryPoints: [join(packageDir, 'src', 'main.ts')],
  conditions: ['@infrapilot/source'],
  tsconfig: join(packageDir, 'tsconfig.json'),
  outfile,
  bundle: true,
  platform: 'node',
  // ESM keeps main.ts's top-level await. The installer puts a {"type":"module"}
  // package.json beside the file, so every Node >= 22 loads it as ESM.
  format: 'esm',
  target: 'node22',
  // CommonJS dependencies call require() for Node built-ins; ESM has no require.
  banner: { js: "import { createRequire as __infrapilotCreateRequire } from 'node:module';\nconst require = __infrapilotCreateRequire(import.meta.url);" },
  // Readable stack traces from hosts matter more than a smaller download.
  minifySyntax: true,
  minifyWhitespace: false,
  minifyIdentifiers: false,
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
  plugins: [notBundled],
});

// esbuild escapes every non-ASCII character in code (its default charset), but the
// comments it keeps may still hold some (an em dash, a zod locale's note). One is enough
// for V8 to hold the whole 2.5 MB source as a two-byte string, twice the memory in every
// agent: such characters, only ever in comments, become '?'.
const source = readFileSync(outfile, 'utf8');
// eslint-disable-next-line no-control-regex
const asciiSource = source.replace(/[^\x00-\x7f]/g, '?');
if (asciiSource !== source) writeFileSync(outfile, asciiSource);

const bundle = readFileSync(outfile);
const sha256 = createHash('sha256').update(bundle).digest('hex');
// sha256sum's format, so `sha256sum -c agent.bundle.js.sha256` works beside the file.
writeFileSync(`${outfile}.sha256`, `${sha256}  ${basename(outfile)}\n`);

const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(
  `${relative(process.cwd(), outfile)}: ${(bundle.length / 1024).toFixed(0)} KiB from ${inputs} files, sha256 ${sha256}\n`,
);
