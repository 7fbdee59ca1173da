import { z } from 'zod';
import { IdSchema, PaginationQuerySchema, TimestampSchema } from './common.js';

/** Docker's container states. */
export const ContainerStateSchema = z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);
export type ContainerState = z.infer<typeof ContainerStateSchema>;

/**
 * How a container is named in a path: its full id, an id prefix (at least 4 hex digits)
 * or its name. The grammar is Docker's own name grammar, so nothing else reaches the agent.
 */
export const ContainerRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'A container id, id prefix or name: letters, digits, "_", "." or "-", up to 128 characters');

/** A compose project name as Docker Compose allows it. */
export const StackNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'A compose project name: lowercase letters, digits, "_" or "-", starting with a letter or digit');

/** Path of a route about one container of one host. */
export const ContainerParamsSchema = z.strictObject({ id: IdSchema.describe('The host (agent) id'), cid: ContainerRefSchema });
/** Path of a route about one compose stack of one host. */
export const StackParamsSchema = z.strictObject({ id: IdSchema.describe('The host (agent) id'), stack: StackNameSchema });

export const PortBindingSchema = z.object({
  ip: z.string(),
  privatePort: z.number().int(),
  publicPort: z.number().int().nullable().describe('null when the port is not published'),
  protocol: z.string(),
});
export type PortBinding = z.infer<typeof PortBindingSchema>;

/** A container as the control plane last saw it (kept current by heartbeats and Docker events). */
export const ContainerSchema = z.object({
  id: IdSchema.describe("The control plane's id of this row"),
  agentId: IdSchema,
  agentName: z.string(),
  containerId: z.string().describe("Docker's full id"),
  name: z.string(),
  image: z.string(),
  state: ContainerStateSchema,
  statusText: z.string().describe('Docker\'s own words, e.g. "Up 5 minutes"'),
  health: z.string().nullable(),
  stack: z.string().nullable().describe('The compose project'),
  stackService: z.string().nullable(),
  cpuPercent: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  memoryLimitBytes: z.number().nullable(),
  restartCount: z.number().int(),
  exitCode: z.number().int().nullable(),
  ports: z.array(PortBindingSchema),
  createdAt: TimestampSchema.nullable().describe('When Docker created it'),
  startedAt: TimestampSchema.nullable(),
  lastSyncedAt: TimestampSchema,
});
export type Container = z.infer<typeof ContainerSchema>;

/** Whether a host's Docker Engine answers, as its agent last reported. */
export const DockerEngineSchema = z.object({
  agentId: IdSchema,
  agentName: z.string(),
  available: z.boolean(),
  problem: z.string().nullable().describe('Why Docker is unavailable, naming the socket'),
  endpoint: z.string().nullable(),
  version: z.string().nullable(),
  reportedAt: TimestampSchema,
});
export type DockerEngine = z.infer<typeof DockerEngineSchema>;

export const ContainerListQuerySchema = PaginationQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  agentId: IdSchema.optional().describe('Only this host'),
  stack: StackNameSchema.optional(),
  state: ContainerStateSchema.optional(),
  name: z.string().max(128).optional().describe('Part of the name, case-insensitive'),
});
export type ContainerListQuery = z.input<typeof ContainerListQuerySchema>;

/** GET /containers: a page of containers plus each host's Docker status. */
export const ContainerListSchema = z.object({
  items: z.array(ContainerSchema),
  nextCursor: z.string().nullable(),
  engines: z.array(DockerEngineSchema).describe('Every host that reports Docker, with whether it answers'),
});
export type ContainerList = z.infer<typeof ContainerListSchema>;

export const EnvironmentVariableSchema = z.object({
  name: z.string(),
  value: z.string().nullable().describe('null when your role may not read values (viewer)'),
});

export const MountSchema = z.object({
  type: z.string(),
  name: z.string().nullable(),
  source: z.string(),
  destination: z.string(),
  mode: z.string(),
  readOnly: z.boolean(),
});

export const ContainerNetworkSchema = z.object({
  name: z.string(),
  ipAddress: z.string(),
  gateway: z.string(),
  macAddress: z.string(),
  aliases: z.array(z.string()),
});

/** What the agent's inspect reports (the JSON in ContainerInspectResult.detail_json). */
export const ContainerInspectSchema = z.object({
  containerId: z.string(),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  state: ContainerStateSchema,
  createdAt: TimestampSchema.nullable(),
  startedAt: TimestampSchema.nullable(),
  finishedAt: TimestampSchema.nullable(),
  exitCode: z.number().int().nullable(),
  restartCount: z.number().int(),
  restartPolicy: z.string(),
  health: z.object({ status: z.string(), failingStreak: z.number().int(), lastOutput: z.string().nullable() }).nullable(),
  command: z.array(z.string()),
  entrypoint: z.array(z.string()),
  workingDir: z.string(),
  user: z.string(),
  hostname: z.string(),
  tty: z.boolean(),
  env: z.array(EnvironmentVariableSchema),
  labels: z.record(z.string(), z.string()),
  ports: z.array(PortBindingSchema),
  mounts: z.array(MountSchema),
  networks: z.array(ContainerNetworkSchema),
  stack: z.string().nullable(),
  stackService: z.string().nullable(),
});
export type ContainerInspect = z.infer<typeof ContainerInspectSchema>;

/** GET /agents/:id/containers/:cid: inspect, plus which host it is on. */
export const ContainerDetailSchema = ContainerInspectSchema.extend({
  agentId: IdSchema,
  agentName: z.string(),
});
export type ContainerDetail = z.infer<typeof ContainerDetailSchema>;

export const ContainerStopQuerySchema = z.strictObject({
  timeoutSeconds: z.coerce.number().int().min(0).max(600).optional().describe("Seconds before SIGKILL; default Docker's (10)"),
});

export const ContainerRemoveQuerySchema = z.strictObject({
  force: z.enum(['true', 'false']).default('false').transform((value) => value === 'true').describe('Remove even when running (kills it)'),
  volumes: z.enum(['true', 'false']).default('false').transform((value) => value === 'true').describe('Also remove its anonymous volumes'),
});

export const LogStreamNameSchema = z.enum(['stdout', 'stderr']);

/** One log line. */
export const LogLineSchema = z.object({
  stream: LogStreamNameSchema,
  timestamp: z.string().describe('RFC 3339 with nanoseconds, as Docker gives it'),
  text: z.string(),
  // Optional in the type only so that clients built before it compile; this server always sends it.
  truncated: z.boolean().optional().describe('true when the line was longer than the agent sends (64 KiB) and was cut; always present in replies of this server'),
});
export type LogLine = z.infer<typeof LogLineSchema>;

/** Paging and bounds of GET .../logs; `before` is a nextCursor from the previous (newer) page. */
export const ContainerLogsQuerySchema = z.strictObject({
  tail: z.coerce.number().int().min(1).max(10_000).default(200).describe('Lines per page, newest last'),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  before: z.string().max(200).optional().describe('Cursor: lines older than the previous page'),
});
export type ContainerLogsQuery = z.input<typeof ContainerLogsQuerySchema>;

export const ContainerLogsSchema = z.object({
  lines: z.array(LogLineSchema),
  nextCursor: z.string().nullable().describe('Pass as `before` for the older page; null at the beginning'),
});
export type ContainerLogs = z.infer<typeof ContainerLogsSchema>;

export const ContainerStatsSchema = z.object({
  readAt: TimestampSchema,
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryLimitBytes: z.number(),
  networkReceiveBytes: z.number(),
  networkTransmitBytes: z.number(),
  blockReadBytes: z.number(),
  blockWriteBytes: z.number(),
  pids: z.number().int(),
});
export type ContainerStats = z.infer<typeof ContainerStatsSchema>;

const ArgumentSchema = z
  .string()
  .max(4096)
  .refine((value) => !value.includes('\0'), 'must not contain a NUL byte');

/** A command as an argv array; never a shell string. */
export const ExecCommandSchema = z.array(ArgumentSchema).min(1, 'Name a program to run').max(64);

const EnvAssignmentSchema = z.string().max(4096).regex(/^[A-Za-z_][A-Za-z0-9_]*=[^\0]*$/, 'Use NAME=value');

/** POST .../exec: run a command to completion and collect its output. */
export const ContainerExecSchema = z.strictObject({
  command: ExecCommandSchema.describe('argv, e.g. ["sh", "-c", "echo hi"]'),
  user: z.string().regex(/^[A-Za-z0-9_.-]{1,64}(:[A-Za-z0-9_.-]{1,64})?$/).optional(),
  workingDir: z.string().max(1024).regex(/^\/[^\0]*$/, 'An absolute path').optional(),
  env: z.array(EnvAssignmentSchema).max(64).optional(),
  timeoutSeconds: z.number().int().min(1).max(600).default(60),
});
export type ContainerExecInput = z.input<typeof ContainerExecSchema>;

export const ContainerExecResultSchema = z.object({
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean().describe('Output beyond 1 MiB per stream was dropped'),
  durationMs: z.number(),
});
export type ContainerExecResult = z.infer<typeof ContainerExecResultSchema>;

/** Query of the exec WebSocket: the command (repeat `command` per argument), terminal size. */
export const ContainerExecSocketQuerySchema = z.strictObject({
  command: z
    .union([ArgumentSchema, z.array(ArgumentSchema)])
    .default(['sh'])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .pipe(ExecCommandSchema),
  tty: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
  columns: z.coerce.number().int().min(1).max(1000).default(80),
  rows: z.coerce.number().int().min(1).max(1000).default(24),
  user: z.string().regex(/^[A-Za-z0-9_.-]{1,64}(:[A-Za-z0-9_.-]{1,64})?$/).optional(),
  org: z.string().max(100).optional(),
});

/**
 * Exec socket frames. Binary frames carry bytes with one leading channel byte (as
 * Kubernetes' channel.k8s.io): client→server 0 = stdin; server→client 1 = stdout,
 * 2 = stderr. Text frames are JSON control messages.
 */
export const EXEC_CHANNEL = { stdin: 0, stdout: 1, stderr: 2 } as const;

/** Client → server control frames on the exec socket. */
export const ExecClientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('resize'), columns: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) }),
  z.object({ type: z.literal('close_stdin') }),
]);
export type ExecClientFrame = z.infer<typeof ExecClientFrameSchema>;

/** Server → client control frames on the exec socket. */
export const ExecServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), sessionId: z.string() }),
  z.object({ type: z.literal('exit'), exitCode: z.number().int(), durationMs: z.number() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ExecServerFrame = z.infer<typeof ExecServerFrameSchema>;

/** Query of the log-stream WebSocket: how much history before following. */
export const ContainerLogStreamQuerySchema = z.strictObject({
  tail: z.coerce.number().int().min(0).max(10_000).default(100),
  since: z.iso.datetime({ offset: true }).optional(),
  org: z.string().max(100).optional(),
});

/** Server → client frames on the log-stream socket (all JSON). */
export const LogStreamFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('lines'), lines: z.array(LogLineSchema) }),
  z.object({ type: z.literal('end'), reason: z.string().describe('e.g. "the container stopped"') }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type LogStreamFrame = z.infer<typeof LogStreamFrameSchema>;

/** A compose project on one host, from its containers' labels. */
export const StackSchema = z.object({
  agentId: IdSchema,
  agentName: z.string(),
  name: z.string(),
  services: z.array(z.string()),
  containers: z.number().int(),
  running: z.number().int(),
  states: z.record(z.string(), z.number().int()).describe('How many containers are in each state'),
});
export type Stack = z.infer<typeof StackSchema>;

export const StackActionReplySchema = z.object({
  stack: z.string(),
  containers: z.array(ContainerSchema),
});
export type StackActionReply = z.infer<typeof StackActionReplySchema>;

export const ImageSchema = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  sizeBytes: z.number(),
  createdAt: TimestampSchema.nullable(),
  containers: z.number().int().nullable(),
});
export type Image = z.infer<typeof ImageSchema>;

export const VolumeSchema = z.object({
  name: z.string(),
  driver: z.string(),
  mountpoint: z.string(),
  createdAt: TimestampSchema.nullable(),
  stack: z.string().nullable(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const NetworkSchema = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  scope: z.string(),
  internal: z.boolean(),
  subnets: z.array(z.string()),
  containers: z.number().int(),
  stack: z.string().nullable(),
});
export type Network = z.infer<typeof NetworkSchema>;

/** Path suffixes of the two container sockets (under /api/v1/agents/:id/containers/:cid). */
export const CONTAINER_LOG_STREAM_SUFFIX = '/logs/stream';
export const CONTAINER_EXEC_SUFFIX = '/exec';
