import {
  type Container,
  type ContainerDetail,
  type ContainerStats,
  formatBytes,
  type Image,
  type Network,
  type PortBinding,
  type Stack,
  type Volume,
} from '@infrapilot/protocol';
import { formatTime } from '../output.js';

/**
 * How Docker things read in the CLI's tables: pure functions from API replies to cells,
 * kept apart from the commands so the shapes can be tested without a server.
 */

type Cell = string | number | null;

export interface Rendered {
  head: string[];
  rows: Cell[][];
}

/** Docker's short id: 12 hex digits without the "sha256:" prefix. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** "running (healthy)", "exited (1)": the state with what explains it. */
export function containerState(container: Pick<Container, 'state' | 'health' | 'exitCode'>): string {
  // Docker keeps the last health status after a container stops; only a live one means anything.
  if (container.health && (container.state === 'running' || container.state === 'restarting')) return `${container.state} (${container.health})`;
  if ((container.state === 'exited' || container.state === 'dead') && container.exitCode !== null) return `${container.state} (${container.exitCode})`;
  return container.state;
}

/** Ports as `docker ps` prints them: 0.0.0.0:8080->80/tcp, 443/tcp. */
export function portsText(ports: PortBinding[]): string {
  const seen = new Set<string>();
  for (const port of ports) {
    const target = `${port.privatePort}/${port.protocol}`;
    if (port.publicPort === null) seen.add(target);
    else seen.add(`${port.ip.includes(':') ? `[${port.ip}]` : port.ip}:${port.publicPort}->${target}`);
  }
  return [...seen].join(', ');
}

/** The `containers ls` table; the host column only when the list spans hosts. */
export function containerTable(containers: Container[], showHost: boolean): Rendered {
  const head = ['name', 'image', 'state', 'stack', 'CPU %', 'memory', 'restarts', 'ports', 'status'];
  return {
    head: showHost ? ['host', ...head] : head,
    rows: containers.map((container) => {
      const row: Cell[] = [
        container.name,
        container.image,
        containerState(container),
        container.stack,
        container.cpuPercent === null ? '' : container.cpuPercent.toFixed(1),
        container.memoryBytes === null ? '' : formatBytes(container.memoryBytes),
        container.restartCount,
        portsText(container.ports),
        container.statusText,
      ];
      return showHost ? [container.agentName, ...row] : row;
    }),
  };
}

/** What `containers start|stop|restart` and stack actions leave behind, one row per container. */
export function containerStateTable(containers: Container[]): Rendered {
  return {
    head: ['name', 'state', 'status'],
    rows: containers.map((container) => [container.name, containerState(container), container.statusText]),
  };
}

/** A word as a shell would need it quoted, to show a command line unambiguously. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Label/value pairs of `containers inspect`. */
export function inspectFields(detail: ContainerDetail): [string, Cell][] {
  const commandLine = [...detail.entrypoint, ...detail.command].map(shellQuote).join(' ');
  const state = detail.state === 'running' || detail.exitCode === null ? detail.state : `${detail.state} (exit code ${detail.exitCode})`;
  const fields: [string, Cell][] = [
    ['Name', detail.name],
    ['Id', detail.containerId],
    ['Host', detail.agentName],
    ['Image', `${detail.image} (${shortId(detail.imageId)})`],
    ['State', state],
  ];
  if (detail.health) {
    fields.push(['Health', `${detail.health.status}${detail.health.failingStreak > 0 ? `, failing ${detail.health.failingStreak} times in a row` : ''}`]);
    if (detail.health.lastOutput) fields.push(['Last check', detail.health.lastOutput.trim()]);
  }
  fields.push(
    ['Created', formatTime(detail.createdAt)],
    ['Started', formatTime(detail.startedAt)],
    ...(detail.state === 'running' ? [] : ([['Finished', formatTime(detail.finishedAt)]] as [string, Cell][])),
    ['Restarts', `${detail.restartCount} (policy: ${detail.restartPolicy || 'no'})`],
    ['Command', commandLine],
    // Empty when the image sets none, which means the root directory.
    ['Working dir', detail.workingDir || '/'],
    ['User', detail.user || '(image default)'],
    ['Hostname', detail.hostname],
    ['TTY', detail.tty ? 'yes' : 'no'],
    ['Stack', detail.stack ? `${detail.stack}${detail.stackService ? ` (service ${detail.stackService})` : ''}` : ''],
  );
  return fields;
}

/** The tables under the inspect summary; empty sections are left out. */
export function inspectSections(detail: ContainerDetail, showEnv: boolean): { title: string; table: Rendered }[] {
  const sections: { title: string; table: Rendered }[] = [
    {
      title: 'Ports',
      table: {
        head: ['container port', 'published'],
        rows: detail.ports.map((port) => [`${port.privatePort}/${port.protocol}`, port.publicPort === null ? '' : `${port.ip}:${port.publicPort}`]),
      },
    },
    {
      title: 'Mounts',
      table: {
        head: ['type', 'source', 'destination', 'mode'],
        rows: detail.mounts.map((mount) => [mount.type, mount.name ?? mount.source, mount.destination, mount.readOnly ? 'ro' : 'rw']),
      },
    },
    {
      title: 'Networks',
      table: {
        head: ['network', 'IP address', 'gateway', 'MAC address', 'aliases'],
        rows: detail.networks.map((network) => [network.name, network.ipAddress, network.gateway, network.macAddress, network.aliases.join(', ')]),
      },
    },
    {
      title: 'Environment',
      table: { head: ['name', 'value'], rows: detail.env.map((variable) => [variable.name, environmentValue(variable.value, showEnv)]) },
    },
    {
      title: 'Labels',
      table: { head: ['label', 'value'], rows: Object.entries(detail.labels).sort(([a], [b]) => a.localeCompare(b)) },
    },
  ];
  return sections.filter((section) => section.table.rows.length > 0);
}

function environmentValue(value: string | null, showEnv: boolean): string {
  if (value === null) return '(your role may not read values)';
  return showEnv ? value : '(hidden; --show-env shows values)';
}

/** The inspect reply with environment values left out (null), as printed without --show-env. */
export function withoutEnvironmentValues(detail: ContainerDetail): ContainerDetail {
  return { ...detail, env: detail.env.map((variable) => ({ name: variable.name, value: null })) };
}

/** Label/value pairs of `containers stats`. */
export function statsFields(stats: ContainerStats): [string, Cell][] {
  const memoryShare = stats.memoryLimitBytes > 0 ? ` (${((stats.memoryBytes / stats.memoryLimitBytes) * 100).toFixed(1)} %)` : '';
  return [
    ['CPU', `${stats.cpuPercent.toFixed(1)} %`],
    ['Memory', `${formatBytes(stats.memoryBytes)} / ${formatBytes(stats.memoryLimitBytes)}${memoryShare}`],
    ['Network', `${formatBytes(stats.networkReceiveBytes)} in, ${formatBytes(stats.networkTransmitBytes)} out`],
    ['Block I/O', `${formatBytes(stats.blockReadBytes)} read, ${formatBytes(stats.blockWriteBytes)} written`],
    ['PIDs', stats.pids],
    ['Read at', formatTime(stats.readAt)],
  ];
}

/** The `stacks ls` table. */
export function stackTable(stacks: Stack[], showHost: boolean): Rendered {
  const head = ['stack', 'services', 'running', 'states'];
  return {
    head: showHost ? ['host', ...head] : head,
    rows: stacks.map((stack) => {
      const states = Object.entries(stack.states)
        .filter(([, count]) => count > 0)
        .map(([state, count]) => `${state} ${count}`)
        .join(', ');
      const row: Cell[] = [stack.name, stack.services.join(', '), `${stack.running}/${stack.containers}`, states];
      return showHost ? [stack.agentName, ...row] : row;
    }),
  };
}

/** The `images ls` table, newest first as `docker images` lists them. */
export function imageTable(images: Image[]): Rendered {
  const sorted = [...images].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  return {
    head: ['id', 'tags', 'size', 'created', 'containers'],
    rows: sorted.map((image) => [
      shortId(image.id),
      image.tags.length > 0 ? image.tags.join(', ') : '<none>',
      formatBytes(image.sizeBytes),
      formatTime(image.createdAt),
      image.containers,
    ]),
  };
}

/** The `volumes ls` table. */
export function volumeTable(volumes: Volume[]): Rendered {
  return {
    head: ['name', 'driver', 'stack', 'created', 'mountpoint'],
    rows: volumes.map((volume) => [volume.name, volume.driver, volume.stack, formatTime(volume.createdAt), volume.mountpoint]),
  };
}

/** The `networks ls` table. */
export function networkTable(networks: Network[]): Rendered {
  return {
    head: ['id', 'name', 'driver', 'scope', 'internal', 'subnets', 'containers', 'stack'],
    rows: networks.map((network) => [
      shortId(network.id),
      network.name,
      network.driver,
      network.scope,
      network.internal ? 'yes' : 'no',
      network.subnets.join(', '),
      network.containers,
      network.stack,
    ]),
  };
}
