import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** /healthz (the process answers) and /readyz (its database answers). */
export const healthRoutes: FastifyPluginAsyncZod<{ checkDatabase: () => Promise<void> }> = async (app, { checkDatabase }) => {
  const tags = ['health'];
  app.get('/healthz', {
    config: { access: 'public' },
    schema: { tags, security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    config: { access: 'public' },
    schema: {
      tags,
      security: [],
      response: { 200: z.object({ status: z.literal('ready') }), 503: z.object({ status: z.literal('unavailable'), reason: z.string() }) },
    },
    handler: async (request, response) => {
      try {
        await checkDatabase();
        return { status: 'ready' as const };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return response.status(503).send({ status: 'unavailable' as const, reason: 'database unreachable' });
      }
    },
  });
};
