import { followContainerLogs, type InfraPilotClient, openExecSession } from '@infrapilot/client';
import { type Container, type ContainerList, type ContainerListQuery, ContainerStateSchema, type LogLine } from '@infrapilot/protocol';
import { type Command, Option } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { CliError, describeError } from '../errors.js';
import { ExitStatus } from '../exit-status.js';
import { type HostRef, type HostScope, resolveHost, resolveHostScope } from '../hosts.js';
import { integerIn, sinceOption } from '../option-parsers.js';
import type { Output } from '../output.js';
import { passArgumentsThrough, passedThrough } from '../pass-through.js';
import { byteWriter, processTerminal } from '../terminal.js';
import { runStreamingExec } from './container-exec.js';
import { followLog } from './container-logs.js';
import { collect, containerReference, containerReferences, stackName } from './docker-arguments.js';
import { containerState, containerTable, inspectFields, inspectSections, statsFields, withoutEnvironmentValues } from './docker.render.js';

interface ListOptions {
  allHosts?: boolean;
  stack?: string;
  state?: Container['state'];
  name?: string;
}

interface LogsOptions {
  follow?: boolean;
  since?: string;
  until?: string;
  tail?: number;
  timestamps?: boolean;
}

interface ExecOptions {
  interactive?: boolean;
  tty?: boolean;
  user?: string;
  workdir?: string;
  env?: string[];
  timeout?: number;
}

/** Lines of history before following, and per page without -f. */
const DEFAULT_LOG_TAIL = 200;

/** `containers ls|inspect|start|stop|restart|rm|stats|logs|exec`: Docker containers on the org's hosts. */
export function registerContainersCommands(program: Command, cli: CliRuntime): void {
  const containers = program
    .command('containers')
    .description('Docker containers on your hosts: list, inspect, start/stop, logs and exec')
    // Lets `exec` hand everything after CONTAINER to the command it runs.
    .enablePositionalOptions();

  containers
    .command('ls')
    .alias('list')
    .description('list containers with state, stack, CPU, memory and restarts')
    .argument('[host]', 'a host name or id; may be left out when the org has one host')
    .option('--all-hosts', 'containers of every host')
    .option('--stack <stack>', 'only this compose stack', stackName)
    .addOption(new Option('--state <state>', 'only containers in this state').choices(ContainerStateSchema.options))
    .option('--name <text>', 'only names containing this text (any case)')
    .action(async (host: string | undefined, options: ListOptions, command: Command) => {
      const client = cli.client(command);
      const output = cli.output(command);
      const scope = await resolveHostScope(client, { host, allHosts: options.allHosts }, 'infrapilot containers ls');
      const list = await listContainers(client, {
        ...(scope.kind === 'one' ? { agentId: scope.host.id } : {}),
        stack: options.stack,
        state: options.state,
        name: options.name,
      });
      warnAboutEngines(output, list, scope);
      output.result(list, () => {
        const table = containerTable(list.items, scope.kind === 'all' && scope.hosts.length > 1);
        output.table(table.head, table.rows);
      });
    });

  containers
    .command('inspect')
    .description('one container: state, command, ports, mounts, networks, environment and labels')
    .argument('<host>', 'a host name or id')
    .argument('<container>', 'a container name, id or id prefix', containerReference)
    .option('--show-env', 'print environment values (hidden by default, in --json too, as they often hold secrets)')
    .action(async (host: string, container: string, options: { showEnv?: boolean }, command: Command) => {
      const client = cli.client(command);
      const target = await resolveHost(client, host);
      const detail = await client.containers.get(target.id, container);
      const output = cli.output(command);
      output.result(options.showEnv ? detail : withoutEnvironmentValues(detail), () => {
        output.fields(inspectFields(detail));
        for (const section of inspectSections(detail, options.showEnv === true)) {
          output.line();
          output.line(`${section.title}:`);
          output.table(section.table.head, section.table.rows);
        }
      });
    });

  const actions = [
    { name: 'start', done: 'Started', description: 'start stopped containers', timeout: false },
    { name: 'stop', done: 'Stopped', description: 'stop running containers (SIGTERM, then SIGKILL after the timeout)', timeout: true },
    { name: 'restart', done: 'Restarted', description: 'restart containers', timeout: true },
  ] as const;
  for (const action of actions) {
    const subcommand = containers
      .command(action.name)
      .description(action.description)
      .argument('<host>', 'a host name or id')
      .argument('<containers...>', 'container names, ids or id prefixes', containerReferences);
    if (action.timeout) subcommand.option('--timeout <seconds>', "seconds to wait before killing it (0-600; Docker's default 10)", integerIn(0, 600));
    subcommand.action(async (host: string, references: string[], options: { timeout?: number }, command: Command) => {
      const client = cli.client(command);
      const output = cli.output(command);
      const target = await resolveHost(client, host);
      const query = options.timeout === undefined ? {} : { timeoutSeconds: options.timeout };
      await forEachContainer(output, references, async (reference) => {
        const container =
          action.name === 'start'
            ? await client.containers.start(target.id, reference)
            : await client.containers[action.name](target.id, reference, query);
        if (!output.json) output.line(`${action.done} ${container.name} on ${target.name}: ${containerState(container)}.`);
        return container;
      });
    });
  }

  containers
    .command('rm')
    .alias('remove')
    .description('remove containers (like `docker rm`, without asking: --force removes running ones too)')
    .argument('<host>', 'a host name or id')
    .argument('<containers...>', 'container names, ids or id prefixes', containerReferences)
    .option('-f, --force', 'remove even when running (kills it)')
    .option('-v, --volumes', 'also remove its anonymous volumes')
    .action(async (host: string, references: string[], options: { force?: boolean; volumes?: boolean }, command: Command) => {
      const client = cli.client(command);
      const output = cli.output(command);
      const target = await resolveHost(client, host);
      await forEachContainer(output, references, async (reference) => {
        await client.containers.remove(target.id, reference, { force: options.force === true, volumes: options.volumes === true });
        if (!output.json) output.line(`Removed ${reference} from ${target.name}.`);
        return { container: reference, ok: true };
      });
    });

  containers
    .command('stats')
    .description("a container's CPU, memory, network and disk figures right now")
    .argument('<host>', 'a host name or id')
    .argument('<container>', 'a container name, id or id prefix', containerReference)
    .action(async (host: string, container: string, _options: unknown, command: Command) => {
      const client = cli.client(command);
      const target = await resolveHost(client, host);
      const stats = await client.containers.stats(target.id, container);
      const output = cli.output(command);
      output.result(stats, () => output.fields(statsFields(stats)));
    });

  containers
    .command('logs')
    .description("print a container's log (stdout lines to stdout, stderr lines to stderr); -f follows it until the container stops")
    .argument('<host>', 'a host name or id')
    .argument('<container>', 'a container name, id or id prefix', containerReference)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C or the container stops')
    .option('--since <time>', 'lines since a duration ago (10m, 1h30m, 2d) or an ISO-8601 time', sinceOption)
    .option('--until <time>', 'lines before a duration ago or an ISO-8601 time (not with -f)', sinceOption)
    .option('-n, --tail <lines>', `how many of the last lines (0-10000; ${DEFAULT_LOG_TAIL})`, integerIn(0, 10_000))
    .option('-t, --timestamps', "start each line with Docker's timestamp")
    .action(async (host: string, container: string, options: LogsOptions, command: Command) => {
      if (options.follow && options.until) throw new CliError('--until cannot be combined with --follow');
      const client = cli.client(command);
      const output = cli.output(command);
      const target = await resolveHost(client, host);
      const print = logPrinter(cli, output, options.timestamps === true);
      const tail = options.tail ?? DEFAULT_LOG_TAIL;
      if (!options.follow) {
        // The API pages at least one line; --tail 0 asks for none, as with `docker logs`.
        const logs = tail === 0 ? { lines: [], nextCursor: null } : await client.containers.logs(target.id, container, { tail, since: options.since, until: options.until });
        output.result(logs, () => logs.lines.forEach(print));
        return;
      }
      const end = await followLog(
        (handlers) => followContainerLogs(client, target.id, container, { tail, ...(options.since ? { since: options.since } : {}) }, handlers),
        print,
        processTerminal(cli.context),
      );
      if (end.kind === 'stopped') output.note(`Log ended: ${end.reason}`);
    });

  const exec = containers
    .command('exec')
    .description('run a command in a container, like `docker exec`; -it for an interactive shell')
    .usage('[options] <host> <container> <command> [args...]')
    .option('-i, --interactive', 'send stdin to the command (its end closes the command\'s stdin)')
    .option('-t, --tty', 'run it in a terminal; with -i, your terminal goes raw so every key reaches it')
    .option('-u, --user <user>', 'run as this user (name or uid, optionally :group)')
    .option('-w, --workdir <path>', 'working directory (not with -i/-t)')
    .option('-e, --env <NAME=value>', 'set a variable, repeatable (not with -i/-t)', collect)
    .option('--timeout <seconds>', 'give up after this long (1-600; 60; not with -i/-t)', integerIn(1, 600))
    .argument('<host>', 'a host name or id')
    .argument('<container>', 'a container name, id or id prefix', containerReference)
    .argument('<command...>', 'the program and its arguments; every word after CONTAINER belongs to it');
  passArgumentsThrough(exec).action(async (host: string, container: string, words: string[], options: ExecOptions, command: Command) => {
    const argv = passedThrough(words);
    if (argv.length === 0) throw new CliError('name the command to run, e.g. `infrapilot containers exec web-1 app sh`');
    const streaming = options.interactive === true || options.tty === true;
    if (streaming && (options.workdir || options.env || options.timeout !== undefined)) {
      throw new CliError('--workdir, --env and --timeout apply only without -i/-t');
    }
    const client = cli.client(command);
    const target = await resolveHost(client, host);
    const status = streaming ? await execStreaming(cli, client, target, container, argv, options) : await execOnce(cli, command, client, target, container, argv, options);
    if (status !== 0) throw new ExitStatus(status);
  });
}

/** Every page of the list, so a host with many containers is shown whole, as `docker ps` does. */
async function listContainers(client: InfraPilotClient, query: ContainerListQuery): Promise<ContainerList> {
  const first = await client.containers.list({ ...query, limit: 500 });
  const items = [...first.items];
  let cursor = first.nextCursor;
  while (cursor) {
    const page = await client.containers.list({ ...query, limit: 500, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  }
  return { items, nextCursor: null, engines: first.engines };
}

/** Says on stderr which hosts in scope cannot list containers, and why. */
function warnAboutEngines(output: Output, list: ContainerList, scope: HostScope): void {
  const engines = scope.kind === 'one' ? list.engines.filter((engine) => engine.agentId === scope.host.id) : list.engines;
  for (const engine of engines) {
    if (!engine.available) output.note(`warning: Docker is not available on ${engine.agentName}: ${engine.problem ?? 'the agent gave no reason'}`);
  }
  if (scope.kind === 'one' && engines.length === 0) {
    output.note(`note: ${scope.host.name} has not reported a Docker Engine (not connected yet, or Docker is off in its policy file)`);
  }
}

/**
 * Runs an action on each container named. With one, its error is the command's error;
 * with several, like `docker stop a b c`, each failure is reported and the rest still run.
 */
async function forEachContainer<T>(output: Output, references: string[], act: (reference: string) => Promise<T>): Promise<void> {
  if (references.length === 1) {
    const result = await act(references[0]!);
    if (output.json) output.line(JSON.stringify([result], null, 2));
    return;
  }
  const results: T[] = [];
  let failures = 0;
  for (const reference of references) {
    try {
      results.push(await act(reference));
    } catch (error) {
      failures += 1;
      output.note(`error: ${reference}: ${describeError(error)}`);
    }
  }
  if (output.json) output.line(JSON.stringify(results, null, 2));
  if (failures > 0) throw new ExitStatus(1);
}

/** Prints a log line to the stream Docker read it from. */
function logPrinter(cli: CliRuntime, output: Output, timestamps: boolean): (line: LogLine) => void {
  return (line) => {
    const text = `${timestamps ? `${line.timestamp} ` : ''}${line.text}\n`;
    if (output.json) output.line(JSON.stringify(line));
    else if (line.stream === 'stderr') cli.context.stderr.write(text);
    else cli.context.stdout.write(text);
  };
}

/** `exec` without -i/-t: one request, the output printed when the command is done. */
async function execOnce(
  cli: CliRuntime,
  command: Command,
  client: InfraPilotClient,
  host: HostRef,
  container: string,
  argv: string[],
  options: ExecOptions,
): Promise<number> {
  const result = await client.containers.exec(host.id, container, {
    command: argv,
    ...(options.user ? { user: options.user } : {}),
    ...(options.workdir ? { workingDir: options.workdir } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
  });
  const output = cli.output(command);
  output.result(result, () => {
    cli.context.stdout.write(result.stdout);
    cli.context.stderr.write(result.stderr);
    if (result.truncated) output.note('warning: the output was longer than 1 MiB per stream and was cut; use -i to stream it');
  });
  return result.exitCode;
}

/** `exec -i` / `-t`: the exec socket, stdin forwarded, the terminal raw for -it. */
function execStreaming(cli: CliRuntime, client: InfraPilotClient, host: HostRef, container: string, argv: string[], options: ExecOptions): Promise<number> {
  return runStreamingExec(
    (session, handlers) =>
      openExecSession(
        client,
        host.id,
        container,
        { command: argv, tty: session.tty, columns: session.columns, rows: session.rows, ...(options.user ? { user: options.user } : {}) },
        handlers,
      ),
    { interactive: options.interactive === true, tty: options.tty === true },
    { stdin: cli.context.stdin, stdout: byteWriter(cli.context.stdout), stderr: byteWriter(cli.context.stderr), terminal: processTerminal(cli.context) },
  );
}
