import {
  AgentCreateSchema,
  AgentEnrollmentSchema,
  AgentMetricsQuerySchema,
  AgentMetricsSchema,
  AgentPingQuerySchema,
  AgentPingSchema,
  AgentSchema,
  AgentSystemInfoSchema,
  EnrollmentTokenSchema,
  IdParamsSchema,
  OkSchema,
  PaginationQuerySchema,
  pageSchema,
} from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { AgentsService } from './agents.service.js';

/** /agents: hosts, how they enroll, their figures, and commands sent to them. */
export const agentsRoutes: FastifyPluginAsyncZod<{ agents: AgentsService }> = async (app, { agents }) => {
  const tags = ['agents'];

  app.get('/agents', {
    config: { access: 'agents:read' },
    schema: { tags, summary: 'Hosts of this org with status and live figures', querystring: PaginationQuerySchema, response: replies({ 200: pageSchema(AgentSchema) }) },
    handler: async (request) => agents.listAgents(actorOf(request), request.query),
  });

  app.post('/agents', {
    config: { access: 'agents:manage', audit: { action: 'agent.enrollment_create', resourceType: 'enrollment_token' } },
    schema: {
      tags,
      summary: 'Create a single-use enrollment token; the reply holds the join command and the one-line installer (shown once)',
      body: AgentCreateSchema,
      response: replies({ 201: AgentEnrollmentSchema }),
    },
    handler: async (request, response) => {
      const enrollment = await agents.createEnrollment(actorOf(request), request.body);
      request.auditFacts.resourceId = enrollment.enrollmentToken.id;
      return response.status(201).send(enrollment);
    },
  });

  app.get('/agents/enrollment-tokens', {
    config: { access: 'agents:manage' },
    schema: { tags, summary: 'Enrollment tokens not used yet and not expired', response: replies({ 200: z.object({ items: z.array(EnrollmentTokenSchema) }) }) },
    handler: async (request) => ({ items: await agents.listEnrollmentTokens(actorOf(request)) }),
  });

  app.delete('/agents/enrollment-tokens/:id', {
    config: { access: 'agents:manage', audit: { action: 'agent.enrollment_revoke', resourceType: 'enrollment_token' } },
    schema: { tags, summary: 'Revoke an unused enrollment token', params: IdParamsSchema, response: replies({ 200: OkSchema }) },
    handler: async (request) => {
      await agents.revokeEnrollmentToken(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  });

  app.get('/agents/:id', {
    config: { access: 'agents:read' },
    schema: { tags, summary: 'One host: status, version, OS, last seen, live figures', params: IdParamsSchema, response: replies({ 200: AgentSchema }) },
    handler: async (request) => agents.getAgent(actorOf(request), request.params.id),
  });

  app.delete('/agents/:id', {
    config: { access: 'agents:manage', audit: { action: 'agent.remove', resourceType: 'agent' } },
    schema: { tags, summary: 'Remove a host: revokes its certificate and closes its connection at once', params: IdParamsSchema, response: replies({ 200: AgentSchema }) },
    handler: async (request) => agents.removeAgent(actorOf(request), request.params.id),
  });

  app.get('/agents/:id/metrics', {
    config: { access: 'agents:read' },
    schema: {
      tags,
      summary: 'CPU, memory, disk, load and network over time, averaged per step',
      params: IdParamsSchema,
      querystring: AgentMetricsQuerySchema,
      response: replies({ 200: AgentMetricsSchema }),
    },
    handler: async (request) => agents.metrics(actorOf(request), request.params.id, request.query),
  });

  app.post('/agents/:id/ping', {
    config: { access: 'agents:read', audit: { action: 'agent.ping', resourceType: 'agent' } },
    schema: { tags, summary: 'Round trip over the command stream', params: IdParamsSchema, querystring: AgentPingQuerySchema, response: replies({ 200: AgentPingSchema }) },
    handler: async (request) => agents.ping(actorOf(request), request.params.id, request.query.timeoutMs),
  });

  app.get('/agents/:id/system-info', {
    config: { access: 'agents:read' },
    schema: { tags, summary: 'What the host reports about itself (system.info command)', params: IdParamsSchema, response: replies({ 200: AgentSystemInfoSchema }) },
    handler: async (request) => agents.systemInfo(actorOf(request), request.params.id),
  });
};
