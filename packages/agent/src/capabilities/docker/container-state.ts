import { create } from '@bufbuild/protobuf';
import { ContainerInspectSchema, type ContainerInspect } from '@infrapilot/protocol';
import { ContainerStateSchema, PortBindingSchema, type ContainerState, type PortBinding } from '@infrapilot/protocol/agent';
import type Dockerode from 'dockerode';
import type { CallOptions, DockerEngine } from './docker-engine.js';

/** The labels Docker Compose puts on every container of a project. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** What only inspect knows, kept per container and refreshed on its events. */
export interface ContainerDetails {
  state: string;
  restartCount: number;
  startedAtUnixMs: number;
  exitCode: number;
  health: string;
}

/** CPU and memory from the last stats sample. */
export interface ContainerUsage {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

/** One container as both halves of the Engine API describe it. */
export interface ContainerReading {
  entry: Dockerode.ContainerInfo;
  details: ContainerDetails;
}

// Docker writes "0001-01-01T00:00:00Z" for a time that never happened (never started).
function isZeroTime(value: string | undefined): boolean {
  return !value || value.startsWith('0001-01-01');
}

/** A Docker timestamp (RFC 3339, nanoseconds) as unix ms; 0 when unset. */
export function unixMsOf(value: string | undefined): number {
  if (isZeroTime(value)) return 0;
  const ms = Date.parse(value!);
  return Number.isNaN(ms) ? 0 : ms;
}

function isoOf(value: string | undefined): string | null {
  const ms = unixMsOf(value);
  return ms === 0 ? null : new Date(ms).toISOString();
}

export function detailsFromInspect(info: Dockerode.ContainerInspectInfo): ContainerDetails {
  return {
    state: info.State.Status,
    restartCount: info.RestartCount ?? 0,
    startedAtUnixMs: unixMsOf(info.State.StartedAt),
    exitCode: info.State.ExitCode ?? 0,
    health: info.State.Health?.Status ?? '',
  };
}

function portsOf(entry: Dockerode.ContainerInfo): PortBinding[] {
  return (entry.Ports ?? []).map((port) =>
    create(PortBindingSchema, { ip: port.IP ?? '', privatePort: port.PrivatePort, publicPort: port.PublicPort ?? 0, protocol: port.Type }),
  );
}

/** The wire form of one container: the list entry, the inspect details, the last stats. */
export function toContainerState(entry: Dockerode.ContainerInfo, details: ContainerDetails, usage?: ContainerUsage): ContainerState {
  const labels = entry.Labels ?? {};
  return create(ContainerStateSchema, {
    containerId: entry.Id,
    name: (entry.Names?.[0] ?? '').replace(/^\//, ''),
    image: entry.Image,
    imageId: entry.ImageID,
    // inspect's word is the fresher of the two when they were read a moment apart.
    state: details.state || entry.State,
    stackName: labels[COMPOSE_PROJECT_LABEL] ?? '',
    stackService: labels[COMPOSE_SERVICE_LABEL] ?? '',
    cpuPercent: usage?.cpuPercent ?? 0,
    memoryBytes: BigInt(Math.max(0, Math.round(usage?.memoryBytes ?? 0))),
    memoryLimitBytes: BigInt(Math.max(0, Math.round(usage?.memoryLimitBytes ?? 0))),
    restartCount: details.restartCount,
    statusText: entry.Status ?? '',
    createdAtUnixMs: BigInt((entry.Created ?? 0) * 1000),
    startedAtUnixMs: BigInt(details.startedAtUnixMs),
    exitCode: details.exitCode,
    health: details.health,
    ports: portsOf(entry),
  });
}

/**
 * Reads one container afresh (inspect for what only it knows, a filtered list for the
 * status text and ports), or undefined when it does not exist (or vanished meanwhile).
 */
export async function readContainer(engine: DockerEngine, ref: string, options: CallOptions = {}): Promise<ContainerReading | undefined> {
  let info: Dockerode.ContainerInspectInfo;
  try {
    info = await engine.call((signal) => engine.client.getContainer(ref).inspect({ abortSignal: signal }), { ...options, container: ref });
  } catch (error) {
    if ((error as { code?: string }).code === 'not_found') return undefined;
    throw error;
  }
  const [entry] = await engine.call((signal) => engine.client.listContainers({ all: true, filters: { id: [info.Id] }, abortSignal: signal }), options);
  return entry ? { entry, details: detailsFromInspect(info) } : undefined;
}

function commandOf(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** inspect's answer in the shape the control plane stores (ContainerInspectSchema), checked against it. */
export function toContainerInspect(info: Dockerode.ContainerInspectInfo): ContainerInspect {
  const labels = info.Config.Labels ?? {};
  const health = info.State.Health;
  const ports = Object.entries(info.NetworkSettings?.Ports ?? {}).flatMap(([key, bindings]) => {
    const [port = '0', protocol = 'tcp'] = key.split('/');
    const privatePort = Number(port);
    if (!bindings || bindings.length === 0) return [{ ip: '', privatePort, publicPort: null, protocol }];
    return bindings.map((binding) => ({ ip: binding.HostIp ?? '', privatePort, publicPort: binding.HostPort ? Number(binding.HostPort) : null, protocol }));
  });
  const neverRan = isZeroTime(info.State.StartedAt) && info.State.Status === 'created';
  const detail = {
    containerId: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    state: info.State.Status,
    createdAt: isoOf(info.Created),
    startedAt: isoOf(info.State.StartedAt),
    finishedAt: isoOf(info.State.FinishedAt),
    exitCode: neverRan ? null : info.State.ExitCode,
    restartCount: info.RestartCount ?? 0,
    restartPolicy: info.HostConfig?.RestartPolicy?.Name || 'no',
    health: health
      ? { status: health.Status, failingStreak: health.FailingStreak ?? 0, lastOutput: health.Log?.at(-1)?.Output ?? null }
      : null,
    command: commandOf(info.Config.Cmd),
    entrypoint: commandOf(info.Config.Entrypoint),
    workingDir: info.Config.WorkingDir ?? '',
    user: info.Config.User ?? '',
    hostname: info.Config.Hostname ?? '',
    tty: info.Config.Tty === true,
    env: (info.Config.Env ?? []).map((assignment) => {
      const equals = assignment.indexOf('=');
      return equals < 0 ? { name: assignment, value: '' } : { name: assignment.slice(0, equals), value: assignment.slice(equals + 1) };
    }),
    labels,
    ports,
    mounts: (info.Mounts ?? []).map((mount) => ({
      type: mount.Type,
      name: mount.Name ?? null,
      source: mount.Source ?? '',
      destination: mount.Destination,
      mode: mount.Mode ?? '',
      readOnly: mount.RW === false,
    })),
    networks: Object.entries(info.NetworkSettings?.Networks ?? {}).map(([name, network]) => ({
      name,
      ipAddress: network.IPAddress ?? '',
      gateway: network.Gateway ?? '',
      macAddress: network.MacAddress ?? '',
      aliases: Array.isArray(network.Aliases) ? (network.Aliases as string[]) : [],
    })),
    stack: labels[COMPOSE_PROJECT_LABEL] ?? null,
    stackService: labels[COMPOSE_SERVICE_LABEL] ?? null,
  };
  // A shape the control plane would reject is our bug; fail here, where it is plain.
  return ContainerInspectSchema.parse(detail);
}
