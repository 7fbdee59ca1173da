import { followLiveEvents, type InfraPilotClient } from '@infrapilot/client';
import { type LiveEvent, LiveEventSchema } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { CliError } from '../errors.js';
import { listHosts } from '../hosts.js';
import { integerIn } from '../option-parsers.js';
import type { Output } from '../output.js';
import { containerState, shortId } from './docker.render.js';

/** Every event but the connection's own `ready`. */
type HostEvent = Exclude<LiveEvent, { type: 'ready' }>;
type HostEventType = HostEvent['type'];
const EVENT_TYPES = LiveEventSchema.options.map((option) => option.shape.type.value).filter((type) => type !== 'ready') as HostEventType[];

interface EventsOptions {
  type?: HostEventType[];
  samples?: boolean;
  limit?: number;
}

/**
 * `events`: follows the current org's live events (the WebSocket the dashboard uses)
 * until Ctrl-C, or until `--limit` events have been printed — so a script can wait for
 * "web-1 became active" with `events --type agent.status_changed --limit 1`.
 */
export function registerEventsCommand(program: Command, cli: CliRuntime): void {
  program
    .command('events')
    .description('follow live events of the current org: host status changes, enrollments, removals, container changes (and samples with --samples)')
    .option('--type <type...>', `only these event types (${EVENT_TYPES.join(', ')})`, collectEventType)
    .option('--samples', 'also print each heartbeat sample (noisy: one per host per interval)')
    .option('--limit <count>', 'exit after printing this many events', integerIn(1, 1_000_000))
    .action(async (options: EventsOptions, command: Command) => {
      const client = cli.client(command);
      const output = cli.output(command);
      const names = await hostNames(client);
      // Removal events carry only Docker's id; the name is known if the container changed before.
      const containerNames = new Map<string, string>();
      const wanted = (event: HostEvent) => (options.type ? options.type.includes(event.type) : event.type !== 'agent.sample' || options.samples === true);

      await new Promise<void>((resolve, reject) => {
        let printed = 0;
        const finish = (error?: Error) => {
          follower.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          if (error) reject(error);
          else resolve();
        };
        const onSignal = () => finish();
        const follower = followLiveEvents(client, {
          onStateChange: (state) => {
            if (state === 'live') output.note('Following live events (Ctrl-C to stop)…');
            else if (state === 'reconnecting') output.note('Connection lost; reconnecting…');
          },
          onUnauthorized: () => finish(new CliError('the server refused the credentials; run `infrapilot login` again')),
          onEvent: (event) => {
            if (event.type === 'ready') return;
            if (event.type === 'agent.enrolled') names.set(event.agentId, event.name);
            if (event.type === 'container.changed') containerNames.set(event.container.containerId, event.container.name);
            if (!wanted(event)) return;
            // Certificates belong to the org, not to one host.
            const agentId = 'agentId' in event ? event.agentId : undefined;
            printEvent(output, event, agentId ? (names.get(agentId) ?? agentId) : '-', containerNames);
            printed += 1;
            if (options.limit !== undefined && printed >= options.limit) finish();
          },
        });
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}

function collectEventType(value: string, previous: HostEventType[] = []): HostEventType[] {
  if (!EVENT_TYPES.includes(value as HostEventType)) throw new CliError(`unknown event type "${value}"; one of: ${EVENT_TYPES.join(', ')}`);
  return [...previous, value as HostEventType];
}

/** Every host's name by id, to print names rather than ids. */
async function hostNames(client: InfraPilotClient): Promise<Map<string, string>> {
  return new Map((await listHosts(client)).map((host) => [host.id, host.name]));
}

/** One line per event for people; one JSON object per line (NDJSON) with --json. */
function printEvent(output: Output, event: HostEvent, host: string, containerNames: Map<string, string>): void {
  if (output.json) return output.line(JSON.stringify(event));
  switch (event.type) {
    case 'agent.enrolled':
      return output.line(`${event.at}  ${host}  enrolled`);
    case 'agent.status_changed':
      return output.line(`${event.at}  ${host}  ${event.from} → ${event.to}`);
    case 'agent.removed':
      return output.line(`${event.at}  ${host}  removed`);
    case 'agent.sample':
      return output.line(
        `${event.live.collectedAt}  ${host}  CPU ${event.live.cpuPercent.toFixed(1)}%  memory ${((event.live.memoryUsedBytes / Math.max(1, event.live.memoryTotalBytes)) * 100).toFixed(1)}%  load ${event.live.loadAverage1m.toFixed(2)}`,
      );
    case 'container.changed':
      // Docker's own verb (start, die, kill…) and the state the agent read with it.
      return output.line(`${event.container.lastSyncedAt}  ${host}  container ${event.container.name}: ${event.event} → ${containerState(event.container)}`);
    case 'container.removed':
      return output.line(`${event.at}  ${host}  container ${containerNames.get(event.containerId) ?? shortId(event.containerId)}: removed`);
    case 'containers.synced':
      return output.line(`${event.at}  ${host}  containers synced`);
    case 'proxy.changed':
      return output.line(`${event.at}  ${host}  proxy host ${event.proxyHostId}: changed`);
    case 'proxy.drift_detected':
      return output.line(`${event.at}  ${host}  proxy host ${event.domain}: ${event.path} ${event.reason === 'missing' ? 'is missing' : 'was changed by hand'} (drift)`);
    case 'proxy.drift_resolved':
      return output.line(`${event.at}  ${host}  proxy host ${event.domain}: drift resolved`);
    case 'certificate.issued':
      return output.line(`${event.at}  -  certificate ${event.certificateId}: issued`);
    case 'certificate.failed':
      return output.line(`${event.at}  -  certificate ${event.certificateId}: failed: ${event.error}`);
  }
}
