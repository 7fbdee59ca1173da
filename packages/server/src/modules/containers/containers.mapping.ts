import { ContainerStateSchema, type Container, type ContainerState, type DockerEngine, type LogLine, type PortBinding } from '@infrapilot/protocol';
import type { ContainerState as ContainerStateMessage, DockerState, LogLine as LogLineMessage } from '@infrapilot/protocol/agent';
import type { ContainersTable, DockerEnginesTable } from '../../db/schema.js';

// Pure translations between the agent's protobuf messages, the rows and the API shapes.

function cut(value: string, length: number): string {
  return value.length > length ? value.slice(0, length) : value;
}

function orNull(value: string, length: number): string | null {
  return value ? cut(value, length) : null;
}

/** An epoch-milliseconds field as ISO text; 0 (Docker's "never") as null. */
function instantOf(unixMs: bigint): string | null {
  const ms = Number(unixMs);
  return ms > 0 ? new Date(ms).toISOString() : null;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Docker's seven states; anything else (a newer Engine's word) shows as dead rather than breaking the list. */
function stateOf(state: string): ContainerState {
  const parsed = ContainerStateSchema.safeParse(state);
  return parsed.success ? parsed.data : 'dead';
}

function portsOf(message: ContainerStateMessage): PortBinding[] {
  return message.ports.map((port) => ({
    ip: port.ip,
    privatePort: port.privatePort,
    publicPort: port.publicPort > 0 ? port.publicPort : null,
    protocol: port.protocol,
  }));
}

/** CPU and memory are only measured while the container has processes. */
function measured(state: string): boolean {
  return state === 'running' || state === 'paused';
}

/** The row for a container as the agent reported it; `id` is the existing row's, or a new one. */
export function rowOf(agentId: string, id: string, message: ContainerStateMessage, syncedAt: string): ContainersTable {
  const state = stateOf(message.state);
  return {
    id,
    agent_id: agentId,
    container_id: cut(message.containerId, 64),
    name: cut(message.name, 255),
    image: cut(message.image, 500),
    image_id: cut(message.imageId, 100),
    state,
    status_text: cut(message.statusText, 255),
    health: orNull(message.health, 20),
    stack_name: orNull(message.stackName, 255),
    stack_service: orNull(message.stackService, 255),
    cpu_percent: measured(state) ? finiteOrNull(message.cpuPercent) : null,
    memory_bytes: measured(state) ? Number(message.memoryBytes) : null,
    memory_limit_bytes: message.memoryLimitBytes > 0n ? Number(message.memoryLimitBytes) : null,
    restart_count: message.restartCount,
    // A running container's exit code is that of a previous run, or Docker's 0: not worth showing.
    exit_code: state === 'exited' || state === 'dead' ? message.exitCode : null,
    ports: JSON.stringify(portsOf(message)),
    created_at: instantOf(message.createdAtUnixMs),
    started_at: instantOf(message.startedAtUnixMs),
    last_synced_at: syncedAt,
  };
}

// Change every heartbeat without anything happening: CPU and memory move, and Docker's
// status text counts the minutes ("Up 5 minutes"). Neither is worth a refetch by every tab.
const VOLATILE = new Set<keyof ContainersTable>(['cpu_percent', 'memory_bytes', 'status_text', 'last_synced_at', 'id']);

/** Whether two rows of the same container differ in anything a list shows besides the volatile figures. */
export function differsBeyondFigures(before: ContainersTable, after: ContainersTable): boolean {
  return (Object.keys(after) as (keyof ContainersTable)[]).some((key) => !VOLATILE.has(key) && !sameValue(before[key], after[key]));
}

// What a heartbeat compares to decide whether a row needs writing: everything but the row's
// id (kept) and when it was written (the host's report time stands in for it, see lastSyncedAtOf).
const NOT_COMPARED = new Set<keyof ContainersTable>(['id', 'last_synced_at']);

/** Whether a heartbeat's row for a container says anything the stored row does not (figures included). */
export function rowDiffers(stored: ContainersTable, reported: ContainersTable): boolean {
  return (Object.keys(reported) as (keyof ContainersTable)[]).some((key) => !NOT_COMPARED.has(key) && !sameValue(stored[key], reported[key]));
}

/** Stored numbers may come back from a driver as another type; compare them as numbers. */
function sameValue(stored: unknown, reported: unknown): boolean {
  if (stored === reported) return true;
  if (stored === null || reported === null || stored === undefined || reported === undefined) return false;
  return (typeof stored === 'number' || typeof reported === 'number') && Number(stored) === Number(reported);
}

/**
 * The stored row with the CPU and memory a (stale) heartbeat measured, when both agree the
 * container runs and the figures moved; undefined when there is nothing to write. Its
 * state fields stay as the newer event left them.
 */
export function freshFigures(stored: ContainersTable, reported: ContainersTable): ContainersTable | undefined {
  if (!measured(stored.state) || !measured(reported.state)) return undefined;
  if (sameValue(stored.cpu_percent, reported.cpu_percent) && sameValue(stored.memory_bytes, reported.memory_bytes)) return undefined;
  return { ...stored, cpu_percent: reported.cpu_percent, memory_bytes: reported.memory_bytes };
}

/**
 * When the control plane last had this container's state confirmed by its agent: the
 * later of the row's own last write (a Docker event, an action's answer, or a heartbeat
 * that changed it) and the host's last heartbeat that listed its containers
 * (`hostListedAt`: the engine's report time while it answers; a heartbeat writes only
 * rows that changed). ISO timestamps of one format compare as text.
 */
export function lastSyncedAtOf(row: ContainersTable, hostListedAt: string | null | undefined): string {
  return hostListedAt && hostListedAt > row.last_synced_at ? hostListedAt : row.last_synced_at;
}

/** The engine's report time when it answered: the moment it last listed the host's containers (null: none, or it does not answer). */
export function hostListedAtOf(available: number | null | undefined, reportedAt: string | null | undefined): string | null {
  return reportedAt && Number(available) === 1 ? reportedAt : null;
}

/** A row as the API shows it; `hostListedAt` as lastSyncedAtOf takes it (omit for a row just written). */
export function toContainer(row: ContainersTable, agentName: string, hostListedAt?: string | null): Container {
  return {
    id: row.id,
    agentId: row.agent_id,
    agentName,
    containerId: row.container_id,
    name: row.name,
    image: row.image,
    state: stateOf(row.state),
    statusText: row.status_text,
    health: row.health,
    stack: row.stack_name,
    stackService: row.stack_service,
    cpuPercent: row.cpu_percent === null ? null : Number(row.cpu_percent),
    memoryBytes: row.memory_bytes === null ? null : Number(row.memory_bytes),
    memoryLimitBytes: row.memory_limit_bytes === null ? null : Number(row.memory_limit_bytes),
    restartCount: Number(row.restart_count),
    exitCode: row.exit_code === null ? null : Number(row.exit_code),
    ports: JSON.parse(row.ports) as PortBinding[],
    createdAt: row.created_at,
    startedAt: row.started_at,
    lastSyncedAt: lastSyncedAtOf(row, hostListedAt),
  };
}

export function engineRowOf(agentId: string, state: DockerState, reportedAt: string): DockerEnginesTable {
  return {
    agent_id: agentId,
    available: state.available ? 1 : 0,
    problem: state.available ? null : cut(state.problem || 'The agent did not say why', 2000),
    endpoint: orNull(state.endpoint, 255),
    version: orNull(state.engineVersion, 50),
    reported_at: reportedAt,
  };
}

export function toDockerEngine(row: DockerEnginesTable, agentName: string): DockerEngine {
  return {
    agentId: row.agent_id,
    agentName,
    available: Number(row.available) === 1,
    problem: row.problem,
    endpoint: row.endpoint,
    version: row.version,
    reportedAt: row.reported_at,
  };
}

/** A log line as the agent sent it, as the API shows it. */
export function logLineOf(line: LogLineMessage): LogLine {
  return { stream: line.stream === 'stderr' ? 'stderr' : 'stdout', timestamp: line.timestamp, text: line.text, truncated: line.truncated };
}
