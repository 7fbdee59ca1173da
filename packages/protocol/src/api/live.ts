import { z } from 'zod';
import { AgentLiveFiguresSchema, AgentMetricsPointSchema, AgentStatusSchema } from './agents.js';
import { IdSchema, TimestampSchema } from './common.js';
import { ContainerSchema } from './containers.js';

/** The WebSocket that pushes what changes in the current org (GET /ws). */
export const LIVE_PATH = '/ws';
/** The subprotocol a live socket speaks; the server picks it when offered. */
export const LIVE_SUBPROTOCOL = 'infrapilot.v1';
/**
 * Browsers cannot set headers on a WebSocket, so the credential travels as a second
 * offered subprotocol, `bearer.<access token or API key>`; the server never echoes it.
 */
export const LIVE_BEARER_PREFIX = 'bearer.';
/** Close code when the access token behind the socket expires: refresh and reconnect. */
export const LIVE_CLOSE_TOKEN_EXPIRED = 4401;

/** One frame the server sends on the live socket; `type` says which. */
export const LiveEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), orgId: IdSchema, at: TimestampSchema }),
  z.object({ type: z.literal('agent.enrolled'), agentId: IdSchema, name: z.string(), at: TimestampSchema }),
  z.object({ type: z.literal('agent.status_changed'), agentId: IdSchema, from: AgentStatusSchema, to: AgentStatusSchema, at: TimestampSchema }),
  z.object({ type: z.literal('agent.removed'), agentId: IdSchema, at: TimestampSchema }),
  z.object({
    type: z.literal('agent.sample'),
    agentId: IdSchema,
    live: AgentLiveFiguresSchema.describe('What the host list shows'),
    point: AgentMetricsPointSchema.describe('One new chart point (samples = 1)'),
  }),
  z.object({ type: z.literal('container.changed'), agentId: IdSchema, container: ContainerSchema, event: z.string().describe("Docker's action, e.g. start, die") }),
  z.object({ type: z.literal('container.removed'), agentId: IdSchema, containerId: z.string(), at: TimestampSchema }),
  z.object({ type: z.literal('containers.synced'), agentId: IdSchema, at: TimestampSchema }),
  z.object({ type: z.literal('proxy.changed'), agentId: IdSchema, proxyHostId: IdSchema, at: TimestampSchema }).describe('A proxy host was created, changed, re-applied or removed'),
  z
    .object({
      type: z.literal('proxy.drift_detected'),
      agentId: IdSchema,
      proxyHostId: IdSchema,
      domain: z.string(),
      reason: z.enum(['modified', 'missing']),
      path: z.string(),
      at: TimestampSchema,
    })
    .describe("A proxy host's managed file on its host was edited by hand or removed"),
  z.object({ type: z.literal('proxy.drift_resolved'), agentId: IdSchema, proxyHostId: IdSchema, domain: z.string(), at: TimestampSchema }),
  z.object({ type: z.literal('certificate.issued'), certificateId: IdSchema, at: TimestampSchema }),
  z.object({ type: z.literal('certificate.failed'), certificateId: IdSchema, error: z.string(), at: TimestampSchema }),
]);
export type LiveEvent = z.infer<typeof LiveEventSchema>;
