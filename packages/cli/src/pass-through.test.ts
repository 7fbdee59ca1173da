import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliRuntime } from './cli-runtime.js';
import { createCliHome } from './test-helpers/run-cli.js';
import { buildProgram } from './program.js';
import { passedThrough, separatePassThroughArguments } from './pass-through.js';

class Parsed extends Error {}

interface ParsedCommand {
  name: string;
  args: unknown[];
  options: Record<string, unknown>;
  globals: Record<string, unknown>;
}

/** Parses `args` the way runCli does, stopping before the action runs (so no server is needed). */
async function parse(args: string[]): Promise<ParsedCommand> {
  let output = '';
  const cli = new CliRuntime({
    stdout: { write: (text: string) => (output += text) },
    stderr: { write: (text: string) => (output += text) },
    stdin: Readable.from([]),
    stdinIsTTY: false,
    env: { INFRAPILOT_CONFIG: '/nonexistent/config.json' },
    homeDir: '/nonexistent',
  });
  const program = buildProgram(cli);
  let parsed: ParsedCommand | undefined;
  program.hook('preAction', (_root: Command, action: Command) => {
    parsed = { name: action.name(), args: action.processedArgs, options: action.opts(), globals: action.optsWithGlobals() };
    throw new Parsed();
  });
  try {
    await program.parseAsync(separatePassThroughArguments(program, args), { from: 'user' });
  } catch (error) {
    if (!(error instanceof Parsed)) throw new Error(`${String(error)}\n${output}`);
  }
  if (!parsed) throw new Error(`no action ran:\n${output}`);
  return parsed;
}

/** The command line `containers exec` would run. */
async function execArgv(args: string[]): Promise<{ argv: string[]; options: Record<string, unknown>; globals: Record<string, unknown>; host: unknown; container: unknown }> {
  const parsed = await parse(['containers', 'exec', ...args]);
  expect(parsed.name).toBe('exec');
  return { host: parsed.args[0], container: parsed.args[1], argv: passedThrough(parsed.args[2] as string[]), options: parsed.options, globals: parsed.globals };
}

describe('containers exec argument parsing', () => {
  it('hands every word after CONTAINER to the command, its options included', async () => {
    expect(await execArgv(['web-1', 'app', 'sh', '-c', 'ls -l'])).toMatchObject({ host: 'web-1', container: 'app', argv: ['sh', '-c', 'ls -l'], options: {} });
    expect((await execArgv(['web-1', 'app', 'echo', 'hi'])).argv).toEqual(['echo', 'hi']);
  });

  it('does not read our own flags out of the command: grep -i, ls -t, df -h', async () => {
    const grep = await execArgv(['web-1', 'app', 'grep', '-i', 'needle', 'file']);
    expect(grep.argv).toEqual(['grep', '-i', 'needle', 'file']);
    expect(grep.options.interactive).toBeUndefined();
    expect((await execArgv(['web-1', 'app', 'ls', '-t'])).options.tty).toBeUndefined();
    // -h would otherwise print the help instead of running df.
    expect((await execArgv(['web-1', 'app', 'df', '-h'])).argv).toEqual(['df', '-h']);
  });

  it('leaves global options after CONTAINER to the command: --json, -V, --server', async () => {
    const run = await execArgv(['web-1', 'app', 'tool', '--json', '-V', '--server', 'x']);
    expect(run.argv).toEqual(['tool', '--json', '-V', '--server', 'x']);
    expect(run.globals.json).toBeUndefined();
    expect(run.globals.server).toBeUndefined();
  });

  it('reads -i, -t, -it, -u and global options before HOST', async () => {
    const interactive = await execArgv(['-it', 'web-1', 'app', 'sh', '-c', 'exit 4']);
    expect(interactive).toMatchObject({ host: 'web-1', container: 'app', argv: ['sh', '-c', 'exit 4'], options: { interactive: true, tty: true } });
    const user = await execArgv(['--json', '-iu', 'root', 'web-1', 'app', 'id', '-u']);
    expect(user).toMatchObject({ argv: ['id', '-u'], options: { interactive: true, user: 'root' }, globals: { json: true } });
    const separate = await execArgv(['-i', '-t', '--user=nobody', 'web-1', 'app', 'sh']);
    expect(separate).toMatchObject({ argv: ['sh'], options: { interactive: true, tty: true, user: 'nobody' } });
  });

  it('accepts the `--` people type out of habit, in either position of our options', async () => {
    expect((await execArgv(['web-1', 'app', '--', 'ls', '-la'])).argv).toEqual(['ls', '-la']);
    expect((await execArgv(['-i', 'web-1', 'app', '--', 'sh', '-c', 'cat'])).argv).toEqual(['sh', '-c', 'cat']);
  });

  it('leaves other commands alone', () => {
    const program = buildProgram(
      new CliRuntime({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]), stdinIsTTY: false, env: {}, homeDir: '/nonexistent' }),
    );
    const args = ['containers', 'logs', 'web-1', 'app', '--tail', '5'];
    expect(separatePassThroughArguments(program, args)).toBe(args);
    expect(separatePassThroughArguments(program, ['containers', 'exec', 'web-1', 'app'])).toEqual(['containers', 'exec', 'web-1', 'app']);
  });

  it('reports a missing command and a bad container name as usage errors', async () => {
    const home = createCliHome();
    try {
      const missing = await home.run(['containers', 'exec', 'web-1', 'app']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("error: missing required argument 'command'");
      const bad = await home.run(['containers', 'exec', 'web-1', '../etc', 'sh']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/value '\.\.\/etc' is invalid for argument 'container'\. A container id, id prefix or name/);
    } finally {
      home.remove();
    }
  });
});

describe('containers logs argument parsing', () => {
  it('turns --since 10m into an ISO time about ten minutes ago, and reads -f, -n and -t', async () => {
    const before = Date.now();
    const parsed = await parse(['containers', 'logs', 'web-1', 'app', '-f', '--since', '10m', '-n', '5', '-t']);
    const since = Date.parse(parsed.options.since as string);
    expect(since).toBeGreaterThanOrEqual(before - 600_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 600_000);
    expect(parsed.options).toMatchObject({ follow: true, tail: 5, timestamps: true });
  });

  it('refuses a --tail that is not a count and a --since that is not a time', async () => {
    const home = createCliHome();
    try {
      const tail = await home.run(['containers', 'logs', 'web-1', 'app', '--tail', 'all']);
      expect(tail.code).toBe(1);
      expect(tail.stderr).toMatch(/^error: option '-n, --tail <lines>' argument 'all' is invalid\./);
      const since = await home.run(['containers', 'logs', 'web-1', 'app', '--since', 'yesterday']);
      expect(since.stderr).toMatch(/argument 'yesterday' is invalid\. expected a duration such as 10m/);
    } finally {
      home.remove();
    }
  });
});

describe('resource commands', () => {
  it('make ls the default of images, volumes and networks, so `images HOST` lists', async () => {
    for (const group of ['images', 'volumes', 'networks']) {
      const parsed = await parse([group, 'web-1']);
      expect(parsed).toMatchObject({ name: 'ls', args: ['web-1'] });
      expect((await parse([group, 'ls', 'web-1', '--json'])).globals.json).toBe(true);
    }
  });

  it('parse stack actions and container actions with several containers', async () => {
    expect(await parse(['stacks', 'restart', 'web-1', 'shop'])).toMatchObject({ name: 'restart', args: ['web-1', 'shop'] });
    expect(await parse(['containers', 'stop', 'web-1', 'a', 'b', '--timeout', '3'])).toMatchObject({ args: ['web-1', ['a', 'b']], options: { timeout: 3 } });
    expect(await parse(['containers', 'rm', '-fv', 'web-1', 'a'])).toMatchObject({ options: { force: true, volumes: true } });
  });
});
