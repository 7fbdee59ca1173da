import {
  ContainerDetailSchema,
  ContainerExecResultSchema,
  ContainerExecSchema,
  ContainerListQuerySchema,
  ContainerListSchema,
  ContainerLogsQuerySchema,
  ContainerLogsSchema,
  ContainerParamsSchema,
  ContainerRemoveQuerySchema,
  ContainerSchema,
  ContainerStatsSchema,
  ContainerStopQuerySchema,
  DockerEngineSchema,
  IdParamsSchema,
  IdSchema,
  ImageSchema,
  NetworkSchema,
  OkSchema,
  StackActionReplySchema,
  StackParamsSchema,
  StackSchema,
  VolumeSchema,
  pageSchema,
} from '@infrapilot/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { ContainerSessionsService } from './container-sessions.service.js';
import type { ContainersService, TargetListener } from './containers.service.js';

const StackListQuerySchema = z.strictObject({ agentId: IdSchema.optional().describe('Only this host') });
const HostContainerListQuerySchema = ContainerListQuerySchema.omit({ agentId: true });

/**
 * Starts the audit row of an action: the resource as the caller named it, the host's id
 * and the options (which are in the query, not the body). The returned listener adds
 * the host's name, and the container's when our rows know it, once the service has
 * resolved them, so a refused or failed action is recorded with them too.
 */
function auditAction(request: FastifyRequest, resource: string, options: Record<string, unknown> = {}): TargetListener {
  const { id } = request.params as { id: string };
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  request.auditFacts.resourceId = resource;
  request.auditFacts.details = { agentId: id, ...given };
  return ({ host, containerName }) => {
    request.auditFacts.details = { agentId: host.id, host: host.name, ...given };
    if (containerName) request.auditFacts.resourceId = containerName;
  };
}

/** Fires when the HTTP client goes away before the reply is written (not when the reply is done). */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClose);
  if (reply.raw.destroyed) onClose();
  return controller.signal;
}

/**
 * Containers, compose stacks and Docker resources of the org's hosts. Reading needs
 * containers:read; acting containers:operate; exec containers:exec. Every action is
 * audited with the container's name (or the reference given, when our rows do not know
 * it), the host (`agentId`, and `host` by name once found) and the options given.
 */
export const containersRoutes: FastifyPluginAsyncZod<{ containers: ContainersService; sessions: ContainerSessionsService }> = async (app, { containers, sessions }) => {
  const tags = ['containers'];

  app.get('/containers', {
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: "Every host's containers in name order, filtered; with each host's Docker status",
      querystring: ContainerListQuerySchema,
      response: replies({ 200: ContainerListSchema }),
    },
    handler: async (request) => containers.list(actorOf(request), request.query),
  });

  app.get('/agents/:id/containers', {
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: "One host's containers, as its agent last reported them",
      params: IdParamsSchema,
      querystring: HostContainerListQuerySchema,
      response: replies({ 200: pageSchema(ContainerSchema) }),
    },
    handler: async (request) => containers.listOnHost(actorOf(request), request.params.id, request.query),
  });

  app.get('/agents/:id/containers/:cid', {
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: 'Inspect a container through its agent: config, environment (values only for roles that may operate), ports, mounts, networks',
      params: ContainerParamsSchema,
      response: replies({ 200: ContainerDetailSchema }),
    },
    handler: async (request) => containers.inspect(actorOf(request), request.params.id, request.params.cid),
  });

  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post(`/agents/:id/containers/:cid/${action}`, {
      config: { access: 'containers:operate', audit: { action: `container.${action}`, resourceType: 'container' } },
      schema: {
        tags,
        summary: `${action[0]!.toUpperCase()}${action.slice(1)} a container; replies with its state afterwards`,
        params: ContainerParamsSchema,
        querystring: ContainerStopQuerySchema,
        response: replies({ 200: ContainerSchema }),
      },
      handler: async (request) => {
        const { timeoutSeconds } = request.query;
        const onTarget = auditAction(request, request.params.cid, { timeoutSeconds });
        const container = await containers.act(actorOf(request), request.params.id, request.params.cid, action, { timeoutSeconds, onTarget });
        request.auditFacts.resourceId = container.name;
        return container;
      },
    });
  }

  app.delete('/agents/:id/containers/:cid', {
    config: { access: 'containers:operate', audit: { action: 'container.remove', resourceType: 'container' } },
    schema: {
      tags,
      summary: 'Remove a container (force: even when running; volumes: its anonymous volumes too)',
      params: ContainerParamsSchema,
      querystring: ContainerRemoveQuerySchema,
      response: replies({ 200: OkSchema }),
    },
    handler: async (request) => {
      const { force, volumes } = request.query;
      const onTarget = auditAction(request, request.params.cid, { force, volumes });
      await containers.remove(actorOf(request), request.params.id, request.params.cid, { force, volumes, onTarget });
      return { ok: true as const };
    },
  });

  app.get('/agents/:id/containers/:cid/logs', {
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: 'A page of log lines, newest last; pass nextCursor as `before` for the page before it',
      params: ContainerParamsSchema,
      querystring: ContainerLogsQuerySchema,
      response: replies({ 200: ContainerLogsSchema }),
    },
    handler: async (request) => containers.logs(actorOf(request), request.params.id, request.params.cid, request.query),
  });

  app.get('/agents/:id/containers/:cid/stats', {
    config: { access: 'containers:read' },
    schema: { tags, summary: 'One reading of CPU, memory, network and block I/O', params: ContainerParamsSchema, response: replies({ 200: ContainerStatsSchema }) },
    handler: async (request) => containers.stats(actorOf(request), request.params.id, request.params.cid),
  });

  app.post('/agents/:id/containers/:cid/exec', {
    config: { access: 'containers:exec', audit: { action: 'container.exec', resourceType: 'container' } },
    schema: {
      tags,
      summary: 'Run a command in a container without a terminal and collect its exit code and output (1 MiB per stream); 504 after timeoutSeconds',
      params: ContainerParamsSchema,
      body: ContainerExecSchema,
      response: replies({ 200: ContainerExecResultSchema }),
    },
    handler: async (request, reply) => {
      const onTarget = auditAction(request, request.params.cid);
      // A client that gives up (closes the connection) must not leave the command running for nobody.
      return sessions.exec(actorOf(request), request.params.id, request.params.cid, request.body, { signal: clientGone(reply), onTarget });
    },
  });

  app.get('/stacks', {
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: "Compose stacks of every host, from their containers' com.docker.compose.project label",
      querystring: StackListQuerySchema,
      response: replies({ 200: z.object({ items: z.array(StackSchema) }) }),
    },
    handler: async (request) => ({ items: await containers.listStacks(actorOf(request), request.query.agentId) }),
  });

  app.get('/agents/:id/stacks', {
    config: { access: 'containers:read' },
    schema: { tags, summary: "One host's compose stacks", params: IdParamsSchema, response: replies({ 200: z.object({ items: z.array(StackSchema) }) }) },
    handler: async (request) => ({ items: await containers.listStacks(actorOf(request), request.params.id) }),
  });

  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post(`/agents/:id/stacks/:stack/${action}`, {
      config: { access: 'containers:operate', audit: { action: `stack.${action}`, resourceType: 'stack' } },
      schema: {
        tags,
        summary: `${action[0]!.toUpperCase()}${action.slice(1)} every container of a compose stack`,
        params: StackParamsSchema,
        response: replies({ 200: StackActionReplySchema }),
      },
      handler: async (request) => {
        const onTarget = auditAction(request, request.params.stack);
        return containers.stackAction(actorOf(request), request.params.id, request.params.stack, action, onTarget);
      },
    });
  }

  app.get('/agents/:id/docker', {
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: "Whether the host's Docker Engine answered at its agent's last heartbeat, where, and which version; 404 if it never reported Docker",
      params: IdParamsSchema,
      response: replies({ 200: DockerEngineSchema }),
    },
    handler: async (request) => containers.engine(actorOf(request), request.params.id),
  });

  app.get('/agents/:id/images', {
    config: { access: 'containers:read' },
    schema: { tags, summary: "The host's Docker images", params: IdParamsSchema, response: replies({ 200: z.object({ items: z.array(ImageSchema) }) }) },
    handler: async (request) => ({ items: await containers.images(actorOf(request), request.params.id) }),
  });

  app.get('/agents/:id/volumes', {
    config: { access: 'containers:read' },
    schema: { tags, summary: "The host's Docker volumes", params: IdParamsSchema, response: replies({ 200: z.object({ items: z.array(VolumeSchema) }) }) },
    handler: async (request) => ({ items: await containers.volumes(actorOf(request), request.params.id) }),
  });

  app.get('/agents/:id/networks', {
    config: { access: 'containers:read' },
    schema: { tags, summary: "The host's Docker networks", params: IdParamsSchema, response: replies({ 200: z.object({ items: z.array(NetworkSchema) }) }) },
    handler: async (request) => ({ items: await containers.networks(actorOf(request), request.params.id) }),
  });
};
