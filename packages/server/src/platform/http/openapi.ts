import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The OpenAPI document, generated from the routes' zod schemas, and its UI at /api/docs. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string, extraPaths: Record<string, object> = {}): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'InfraPilot API', version: '0.1.0', description: 'Control plane REST API. Errors: docs/errors.md.' },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An access token from /auth/login, or an API key (ipk_...)' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Routes the generator cannot see (WebSocket routes) are described by hand.
    transformObject: (documentObject) => {
      const document = jsonSchemaTransformObject(documentObject) as { paths?: Record<string, object> };
      return { ...document, paths: { ...document.paths, ...extraPaths } } as ReturnType<typeof jsonSchemaTransformObject>;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
}
