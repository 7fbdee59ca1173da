import {
  IdParamsSchema,
  OkSchema,
  ProxyConfigSchema,
  ProxyHostInputSchema,
  ProxyHostListQuerySchema,
  ProxyHostSchema,
  ProxyParamsSchema,
  ProxyRemoveQuerySchema,
  ProxyServerSchema,
  ProxySslRequestSchema,
  ProxyTestResultSchema,
  pageSchema,
} from '@infrapilot/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { ProxiesService, ProxyTargetListener } from './proxies.service.js';

const HostProxyListQuerySchema = ProxyHostListQuerySchema.omit({ agentId: true });

/**
 * Starts the audit row of a change: the proxy host's id (or, before it exists, the
 * domain), the host's id and any options given in the query. The returned listener adds
 * the host's name, the proxy host's id and its domain once the service has resolved
 * them, so a refused or failed change is recorded with them too.
 */
function auditChange(request: FastifyRequest, resource: string, domain?: string, options: Record<string, unknown> = {}): ProxyTargetListener {
  const { id } = request.params as { id: string };
  request.auditFacts.resourceId = resource;
  request.auditFacts.details = { agentId: id, ...(domain ? { domain } : {}), ...options };
  return ({ host, proxyHostId, domain: resolved }) => {
    if (proxyHostId) request.auditFacts.resourceId = proxyHostId;
    request.auditFacts.details = { agentId: host.id, host: host.name, ...(resolved ?? domain ? { domain: resolved ?? domain } : {}), ...options };
  };
}

/**
 * Proxy hosts (a domain forwarded by a host's nginx) and each host's reverse proxy.
 * Reading needs proxies:read; changing anything, and testing (it runs nginx -t on the
 * host), proxies:manage. Every change is audited with the proxy host, its domain and host.
 */
export const proxiesRoutes: FastifyPluginAsyncZod<{ proxies: ProxiesService }> = async (app, { proxies }) => {
  const tags = ['proxies'];

  app.get('/proxies', {
    config: { access: 'proxies:read' },
    schema: { tags, summary: "Every host's proxy hosts in domain order (agentId: only that host's; 404 if it is not one of the org's)", querystring: ProxyHostListQuerySchema, response: replies({ 200: pageSchema(ProxyHostSchema) }) },
    handler: async (request) => proxies.list(actorOf(request), request.query),
  });

  app.get('/agents/:id/proxies', {
    config: { access: 'proxies:read' },
    schema: { tags, summary: "One host's proxy hosts in domain order", params: IdParamsSchema, querystring: HostProxyListQuerySchema, response: replies({ 200: pageSchema(ProxyHostSchema) }) },
    handler: async (request) => proxies.listOnHost(actorOf(request), request.params.id, request.query),
  });

  app.post('/agents/:id/proxies', {
    config: { access: 'proxies:manage', audit: { action: 'proxy.create', resourceType: 'proxy_host' } },
    schema: {
      tags,
      summary: "Create a proxy host: the host's agent writes its nginx file, tests it with nginx -t and reloads; 422 proxy_config_invalid (with nginx's message) changes nothing",
      params: IdParamsSchema,
      body: ProxyHostInputSchema,
      response: replies({ 201: ProxyHostSchema }),
    },
    handler: async (request, reply) => {
      const created = await proxies.create(actorOf(request), request.params.id, request.body, auditChange(request, request.body.domain, request.body.domain));
      request.auditFacts.resourceId = created.id;
      return reply.status(201).send(created);
    },
  });

  app.get('/agents/:id/proxies/:pid', {
    config: { access: 'proxies:read' },
    schema: { tags, summary: 'A proxy host, with its certificate, status and drift', params: ProxyParamsSchema, response: replies({ 200: ProxyHostSchema }) },
    handler: async (request) => proxies.get(actorOf(request), request.params.id, request.params.pid),
  });

  app.put('/agents/:id/proxies/:pid', {
    config: { access: 'proxies:manage', audit: { action: 'proxy.update', resourceType: 'proxy_host' } },
    schema: {
      tags,
      summary: 'Replace a proxy host as a whole; a refused change (422 proxy_config_invalid) leaves the host and its file as they were',
      params: ProxyParamsSchema,
      body: ProxyHostInputSchema,
      response: replies({ 200: ProxyHostSchema }),
    },
    handler: async (request) => proxies.update(actorOf(request), request.params.id, request.params.pid, request.body, auditChange(request, request.params.pid, request.body.domain)),
  });

  app.delete('/agents/:id/proxies/:pid', {
    config: { access: 'proxies:manage', audit: { action: 'proxy.delete', resourceType: 'proxy_host' } },
    schema: {
      tags,
      summary:
        'Remove a proxy host: its file goes from the host, then its settings. With force=true, a host whose agent is offline or whose nginx is unavailable loses the settings anyway, and its agent removes the file when it reports it again',
      params: ProxyParamsSchema,
      querystring: ProxyRemoveQuerySchema,
      response: replies({ 200: OkSchema }),
    },
    handler: async (request) => {
      const { force } = request.query;
      await proxies.remove(actorOf(request), request.params.id, request.params.pid, { force }, auditChange(request, request.params.pid, undefined, { force }));
      return { ok: true as const };
    },
  });

  app.post('/agents/:id/proxies/:pid/ssl', {
    config: { access: 'proxies:manage', audit: { action: 'proxy.ssl', resourceType: 'proxy_host' } },
    schema: {
      tags,
      summary: 'Attach a certificate: a new ACME one (202: issued in the background, HTTPS starts once it is), a new self-signed one or an existing one (200: deployed now)',
      params: ProxyParamsSchema,
      body: ProxySslRequestSchema,
      response: replies({ 200: ProxyHostSchema, 202: ProxyHostSchema }),
    },
    handler: async (request, reply) => {
      const { status, host } = await proxies.requestSsl(actorOf(request), request.params.id, request.params.pid, request.body, auditChange(request, request.params.pid));
      return reply.status(status).send(host);
    },
  });

  app.get('/agents/:id/proxies/:pid/config', {
    config: { access: 'proxies:read' },
    schema: {
      tags,
      summary: "The proxy host's nginx file as its agent renders it now, the hash last written and the hash the host reported",
      params: ProxyParamsSchema,
      response: replies({ 200: ProxyConfigSchema }),
    },
    handler: async (request) => proxies.config(actorOf(request), request.params.id, request.params.pid),
  });

  app.post('/agents/:id/proxies/:pid/test', {
    // nginx -t runs on the host: operators only, and audited like a change.
    config: { access: 'proxies:manage', audit: { action: 'proxy.test', resourceType: 'proxy_host' } },
    schema: {
      tags,
      summary: 'nginx -t with the saved settings, or with the candidate in the body, in place; nothing goes live. ok: false carries what nginx said',
      params: ProxyParamsSchema,
      body: ProxyHostInputSchema.nullish(),
      response: replies({ 200: ProxyTestResultSchema }),
    },
    handler: async (request) => proxies.test(actorOf(request), request.params.id, request.params.pid, request.body ?? undefined, auditChange(request, request.params.pid)),
  });

  app.get('/agents/:id/proxy', {
    config: { access: 'proxies:read' },
    schema: {
      tags,
      summary: "The host's reverse proxy as its agent last reported it (installed, version, running, ports); 404 if it never reported one",
      params: IdParamsSchema,
      response: replies({ 200: ProxyServerSchema }),
    },
    handler: async (request) => proxies.server(actorOf(request), request.params.id),
  });
};
