import { ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeySchema, IdParamsSchema, PaginationQuerySchema, pageSchema } from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

/** /api-keys: keys for scripts, each acting in this org with one role. */
export const apiKeysRoutes: FastifyPluginAsyncZod<{ apiKeys: ApiKeysService }> = async (app, { apiKeys }) => {
  const tags = ['api-keys'];

  app.get('/api-keys', {
    config: { access: 'apikeys:read' },
    schema: { tags, summary: 'API keys of this org (super_admin: all; others: their own)', querystring: PaginationQuerySchema, response: replies({ 200: pageSchema(ApiKeySchema) }) },
    handler: async (request) => apiKeys.listKeys(actorOf(request), request.query),
  });

  app.post('/api-keys', {
    config: { access: 'apikeys:manage', audit: { action: 'api_key.create', resourceType: 'api_key' } },
    schema: { tags, summary: 'Create an API key; the secret is shown once', body: ApiKeyCreateSchema, response: replies({ 201: ApiKeyCreatedSchema }) },
    handler: async (request, response) => {
      const created = await apiKeys.createKey(actorOf(request), request.body);
      request.auditFacts.resourceId = created.apiKey.id;
      return response.status(201).send(created);
    },
  });

  app.delete('/api-keys/:id', {
    config: { access: 'apikeys:manage', audit: { action: 'api_key.revoke', resourceType: 'api_key' } },
    schema: { tags, summary: 'Revoke an API key; it stops working at once', params: IdParamsSchema, response: replies({ 200: ApiKeySchema }) },
    handler: async (request) => apiKeys.revokeKey(actorOf(request), request.params.id),
  });
};
