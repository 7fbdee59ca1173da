import { z } from 'zod';
import { IdSchema, TimestampSchema } from './common.js';

/** Enrollment tokens start with this, so a leaked one is recognisable. */
export const ENROLLMENT_TOKEN_PREFIX = 'ipe_';

/** pending: enrolled, no heartbeat yet · active: heartbeats arrive · offline: three missed. */
export const AgentStatusSchema = z.enum(['pending', 'active', 'offline']);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

/** A name for a host: letters, digits, dot, dash and underscore, starting with a letter or digit. */
export const AgentNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'Use 1–63 letters, digits, ".", "-" or "_", starting with a letter or digit');

export const AgentCreateSchema = z.strictObject({
  name: AgentNameSchema.describe('What the host will be called, e.g. "web-1"'),
  expiresInMinutes: z.number().int().min(5).max(7 * 24 * 60).default(60).describe('How long the enrollment token stays valid'),
});
export type AgentCreate = z.input<typeof AgentCreateSchema>;

export const EnrollmentTokenSchema = z.object({
  id: IdSchema,
  name: z.string().describe('The name the agent will get'),
  createdBy: IdSchema.nullable(),
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
});
export type EnrollmentToken = z.infer<typeof EnrollmentTokenSchema>;

/** The reply to POST /agents: everything needed to bring a host in. The token is shown once. */
export const AgentEnrollmentSchema = z.object({
  enrollmentToken: EnrollmentTokenSchema,
  token: z.string().describe('Single use; shown once, stored only as a hash'),
  serverUrl: z.string().describe('The gRPC endpoint agents dial'),
  caHash: z.string().describe('sha256 of the internal CA certificate, pinned by the agent'),
  joinCommand: z.string(),
  installCommand: z.string(),
});
export type AgentEnrollment = z.infer<typeof AgentEnrollmentSchema>;

export const DiskFiguresSchema = z.object({
  mountPoint: z.string(),
  filesystem: z.string(),
  usedBytes: z.number(),
  totalBytes: z.number(),
});

/** A host's figures at one instant, from its last heartbeat. */
export const AgentLiveFiguresSchema = z.object({
  collectedAt: TimestampSchema,
  cpuPercent: z.number(),
  memoryUsedBytes: z.number(),
  memoryTotalBytes: z.number(),
  disks: z.array(DiskFiguresSchema),
  loadAverage1m: z.number(),
  loadAverage5m: z.number(),
  loadAverage15m: z.number(),
  networkReceiveBytesPerSecond: z.number(),
  networkTransmitBytesPerSecond: z.number(),
  uptimeSeconds: z.number(),
});
export type AgentLiveFigures = z.infer<typeof AgentLiveFiguresSchema>;

export const AgentOsSchema = z.object({
  name: z.string(),
  kernel: z.string(),
  architecture: z.string(),
  platform: z.string(),
});

export const AgentSchema = z.object({
  id: IdSchema,
  name: z.string(),
  hostname: z.string().nullable(),
  status: AgentStatusSchema,
  connected: z.boolean().describe('A CommandStream is open right now'),
  version: z.string().nullable(),
  protocolVersion: z.number().int().nullable(),
  os: AgentOsSchema.nullable(),
  capabilities: z.array(z.string()),
  lastSeenAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  certificateExpiresAt: TimestampSchema.nullable(),
  certificateFingerprint: z.string().nullable(),
  live: AgentLiveFiguresSchema.nullable(),
});
export type Agent = z.infer<typeof AgentSchema>;

export const AgentMetricsQuerySchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional().describe('Default: an hour before `to`'),
    to: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
    step: z.coerce.number().int().min(1).max(86_400).optional().describe('Seconds per point; default: the range divided into about 300 points'),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), { message: '`from` must be before `to`', path: ['from'] });
export type AgentMetricsQuery = z.infer<typeof AgentMetricsQuerySchema>;

/** Averages over one step; `samples` says how many heartbeats it summarises. */
export const AgentMetricsPointSchema = z.object({
  at: TimestampSchema.describe('Start of the step'),
  samples: z.number().int(),
  cpuPercent: z.number(),
  memoryUsedBytes: z.number(),
  memoryTotalBytes: z.number(),
  diskUsedBytes: z.number(),
  diskTotalBytes: z.number(),
  loadAverage1m: z.number(),
  networkReceiveBytesPerSecond: z.number(),
  networkTransmitBytesPerSecond: z.number(),
});
export type AgentMetricsPoint = z.infer<typeof AgentMetricsPointSchema>;

export const AgentMetricsSchema = z.object({
  agentId: IdSchema,
  from: TimestampSchema,
  to: TimestampSchema,
  stepSeconds: z.number().int(),
  points: z.array(AgentMetricsPointSchema),
});
export type AgentMetrics = z.infer<typeof AgentMetricsSchema>;

export const AgentPingQuerySchema = z.strictObject({
  timeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000).describe('How long to wait for the answer'),
});
export type AgentPingQuery = { timeoutMs?: number };

export const AgentPingSchema = z.object({
  agentId: IdSchema,
  roundTripMs: z.number().describe('From sending the command to reading the answer, in the control plane'),
  agentTime: TimestampSchema.describe("The agent's clock when it answered"),
});
export type AgentPing = z.infer<typeof AgentPingSchema>;

export const AgentSystemInfoSchema = z.object({
  hostname: z.string(),
  os: AgentOsSchema,
  cpuCount: z.number().int(),
  cpuModel: z.string(),
  memoryTotalBytes: z.number(),
  uptimeSeconds: z.number(),
  agentVersion: z.string(),
  runtimeVersion: z.string(),
  capabilities: z.array(z.string()),
});
export type AgentSystemInfo = z.infer<typeof AgentSystemInfoSchema>;
