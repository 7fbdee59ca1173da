import { AuditEntrySchema, AuditQuerySchema, pageSchema } from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { actorOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import type { AuditService } from './audit.service.js';

/** /audit: the org's audit log, newest first. */
export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditService }> = async (app, { audit }) => {
  app.get('/audit', {
    config: { access: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'Query the audit log by actor, action, resource and time',
      querystring: AuditQuerySchema,
      response: replies({ 200: pageSchema(AuditEntrySchema) }),
    },
    handler: async (request) => audit.list(actorOf(request), request.query),
  });
};
