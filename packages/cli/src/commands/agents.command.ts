import { type Agent, formatBytes, formatDuration } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { formatTime, type Output } from '../output.js';
import { integerIn, isoTimestamp, withPageOptions, type PageOptions } from '../option-parsers.js';

interface MetricsOptions {
  from?: string;
  to?: string;
  step?: number;
}

/** `agents add|list|show|remove|ping|info|metrics|tokens|revoke-token`: the hosts of the current org. */
export function registerAgentsCommands(program: Command, cli: CliRuntime): void {
  const agents = program.command('agents').description('hosts of the current org and how they join');

  agents
    .command('add')
    .description('create a single-use enrollment token and print the lines that bring a host in')
    .argument('<name>', 'what the host will be called, e.g. web-1')
    .option('--expires-in <minutes>', 'how long the token stays valid (5-10080, server default 60)', integerIn(5, 7 * 24 * 60))
    .action(async (name: string, options: { expiresIn?: number }, command: Command) => {
      const enrollment = await cli.client(command).agents.create({ name, expiresInMinutes: options.expiresIn });
      const output = cli.output(command);
      output.result(enrollment, () => {
        output.line(`Enrollment token for "${enrollment.enrollmentToken.name}" (id ${enrollment.enrollmentToken.id}).`);
        output.line();
        output.line('On a host with the infrapilot CLI:');
        output.line(`  ${enrollment.joinCommand}`);
        output.line();
        output.line('Or install the agent with one line (needs Node.js 22 or newer; adds a systemd unit when systemd is present):');
        output.line(`  ${enrollment.installCommand}`);
        output.line();
        output.line(`Expires: ${formatTime(enrollment.enrollmentToken.expiresAt)}`);
        output.note('warning: the token works once and is shown only now; it is stored only as a hash.');
      });
    });

  withPageOptions(agents.command('list', { isDefault: true }).description('list the hosts with status and live figures')).action(
    async (options: PageOptions, command: Command) => {
      const page = await cli.client(command).agents.list(options);
      const output = cli.output(command);
      output.result(page, () => {
        output.table(
          ['id', 'name', 'hostname', 'status', 'connected', 'version', 'last seen', 'CPU %', 'memory'],
          page.items.map((agent) => [
            agent.id,
            agent.name,
            agent.hostname,
            agent.status,
            agent.connected ? 'yes' : 'no',
            agent.version,
            formatTime(agent.lastSeenAt) || 'never',
            agent.live ? agent.live.cpuPercent.toFixed(1) : '',
            agent.live ? usedOfTotal(agent.live.memoryUsedBytes, agent.live.memoryTotalBytes) : '',
          ]),
        );
        output.nextPage(page.nextCursor);
      });
    },
  );

  agents
    .command('show')
    .description('one host: status, OS, capabilities, certificate and live figures')
    .argument('<id>', 'the agent id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const agent = await cli.client(command).agents.get(id);
      const output = cli.output(command);
      output.result(agent, () => printAgent(output, agent));
    });

  agents
    .command('remove')
    .description('remove a host: revokes its certificate and closes its connection at once')
    .argument('<id>', 'the agent id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const agent = await cli.client(command).agents.remove(id);
      const output = cli.output(command);
      output.result(agent, () => output.line(`Removed agent ${agent.name} (${agent.id}); its certificate is revoked.`));
    });

  agents
    .command('ping')
    .description('send a ping over the command stream and print the round trip')
    .argument('<id>', 'the agent id')
    .option('--timeout <ms>', 'how long to wait for the answer (100–60000 ms; 10000)', integerIn(100, 60_000))
    .action(async (id: string, options: { timeout?: number }, command: Command) => {
      const ping = await cli.client(command).agents.ping(id, options.timeout === undefined ? {} : { timeoutMs: options.timeout });
      const output = cli.output(command);
      output.result(ping, () => output.line(`Reply from ${ping.agentId} in ${ping.roundTripMs.toFixed(1)} ms.`));
    });

  agents
    .command('info')
    .description('what the host reports about itself (system.info)')
    .argument('<id>', 'the agent id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const info = await cli.client(command).agents.systemInfo(id);
      const output = cli.output(command);
      output.result(info, () =>
        output.fields([
          ['Hostname', info.hostname],
          ['OS', `${info.os.name} (${info.os.platform}/${info.os.architecture}, kernel ${info.os.kernel})`],
          ['CPUs', `${info.cpuCount} × ${info.cpuModel}`],
          ['Memory', formatBytes(info.memoryTotalBytes)],
          ['Uptime', formatDuration(info.uptimeSeconds)],
          ['Agent', info.agentVersion],
          ['Runtime', info.runtimeVersion],
          ['Capabilities', info.capabilities.join(', ')],
        ]),
      );
    });

  agents
    .command('metrics')
    .description('figures over time, averaged per step')
    .argument('<id>', 'the agent id')
    .option('--from <time>', 'start (ISO-8601; an hour before --to by default)', isoTimestamp)
    .option('--to <time>', 'end (ISO-8601; now by default)', isoTimestamp)
    .option('--step <seconds>', 'seconds per point (about 300 points by default)', integerIn(1, 86_400))
    .action(async (id: string, options: MetricsOptions, command: Command) => {
      const metrics = await cli.client(command).agents.metrics(id, options);
      const output = cli.output(command);
      output.result(metrics, () => {
        output.note(`${formatTime(metrics.from)} to ${formatTime(metrics.to)}, ${metrics.stepSeconds} s per point`);
        output.table(
          ['time', 'samples', 'CPU %', 'memory', 'disk', 'load 1m', 'net in/s', 'net out/s'],
          metrics.points.map((point) => [
            formatTime(point.at),
            point.samples,
            point.cpuPercent.toFixed(1),
            usedOfTotal(point.memoryUsedBytes, point.memoryTotalBytes),
            usedOfTotal(point.diskUsedBytes, point.diskTotalBytes),
            point.loadAverage1m.toFixed(2),
            formatBytes(point.networkReceiveBytesPerSecond),
            formatBytes(point.networkTransmitBytesPerSecond),
          ]),
        );
      });
    });

  agents
    .command('tokens')
    .description('enrollment tokens not used yet and not expired')
    .action(async (_options: unknown, command: Command) => {
      const tokens = await cli.client(command).agents.enrollmentTokens();
      const output = cli.output(command);
      output.result(tokens, () =>
        output.table(
          ['id', 'name', 'created', 'expires'],
          tokens.items.map((token) => [token.id, token.name, formatTime(token.createdAt), formatTime(token.expiresAt)]),
        ),
      );
    });

  agents
    .command('revoke-token')
    .description('revoke an unused enrollment token')
    .argument('<id>', 'the enrollment token id (see `agents tokens`)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const reply = await cli.client(command).agents.revokeEnrollmentToken(id);
      const output = cli.output(command);
      output.result(reply, () => output.line(`Revoked enrollment token ${id}; it can no longer enroll a host.`));
    });
}

function printAgent(output: Output, agent: Agent): void {
  const os = agent.os ? `${agent.os.name} (${agent.os.platform}/${agent.os.architecture}, kernel ${agent.os.kernel})` : '';
  const live = agent.live;
  output.fields([
    ['Id', agent.id],
    ['Name', agent.name],
    ['Hostname', agent.hostname],
    ['Status', `${agent.status}${agent.connected ? ', connected' : ', not connected'}`],
    ['Version', agent.protocolVersion === null ? agent.version : `${agent.version ?? ''} (protocol ${agent.protocolVersion})`],
    ['OS', os],
    ['Capabilities', agent.capabilities.join(', ')],
    ['Last seen', formatTime(agent.lastSeenAt) || 'never'],
    ['Enrolled', formatTime(agent.createdAt)],
    ['Certificate', agent.certificateExpiresAt ? `expires ${formatTime(agent.certificateExpiresAt)}` : ''],
    ['Fingerprint', agent.certificateFingerprint],
    ...(live
      ? ([
          ['Figures at', formatTime(live.collectedAt)],
          ['CPU', `${live.cpuPercent.toFixed(1)} %`],
          ['Memory', usedOfTotal(live.memoryUsedBytes, live.memoryTotalBytes)],
          ['Load', [live.loadAverage1m, live.loadAverage5m, live.loadAverage15m].map((load) => load.toFixed(2)).join(' ')],
          ['Network', `${formatBytes(live.networkReceiveBytesPerSecond)}/s in, ${formatBytes(live.networkTransmitBytesPerSecond)}/s out`],
          ['Uptime', formatDuration(live.uptimeSeconds)],
        ] as [string, string][])
      : []),
  ]);
  if (!live) {
    output.note('No figures yet: the host has not sent a heartbeat.');
    return;
  }
  output.line();
  output.table(
    ['mount', 'filesystem', 'used', 'total', 'use %'],
    live.disks.map((disk) => [
      disk.mountPoint,
      disk.filesystem,
      formatBytes(disk.usedBytes),
      formatBytes(disk.totalBytes),
      disk.totalBytes > 0 ? ((disk.usedBytes / disk.totalBytes) * 100).toFixed(1) : '',
    ]),
  );
}

function usedOfTotal(used: number, total: number): string {
  return `${formatBytes(used)} / ${formatBytes(total)}`;
}

