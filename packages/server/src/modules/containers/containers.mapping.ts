import { ContainerStateSchema, type Container, type ContainerState, type DockerEngine, type PortBinding } from '@infrapilot/protocol';
import type { ContainerState as ContainerStateMessage, DockerState } from '@infrapilot/protocol/agent';
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

/** The row for a container as the agent reported it; `id` is the existing row's, or a new one. */
export function rowOf(agentId: string, id: string, message: ContainerStateMessage, syncedAt: string): ContainersTable {
  const state = stateOf(message.state);
  // CPU and memory are only measured while the container has processes.
  const measured = state === 'running' || state === 'paused';
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
    cpu_percent: measured ? finiteOrNull(message.cpuPercent) : null,
    memory_bytes: measured ? Number(message.memoryBytes) : null,
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
  return (Object.keys(after) as (keyof ContainersTable)[]).some((key) => !VOLATILE.has(key) && before[key] !== after[key]);
}

export function toContainer(row: ContainersTable, agentName: string): Container {
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
    lastSyncedAt: row.last_synced_at,
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
