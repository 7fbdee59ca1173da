import type { FastifyInstance } from 'fastify';
import type { AuditRecord } from '../../modules/audit/audit.service.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The body to record: the request's, with the route's details as more fields (a body that is not an object goes under `body`). */
export function withDetails(body: unknown, details: Record<string, unknown> | undefined): unknown {
  if (!details || Object.keys(details).length === 0) return body;
  if (body === undefined || body === null) return { ...details };
  if (typeof body === 'object' && !Array.isArray(body)) return { ...details, ...(body as Record<string, unknown>) };
  return { ...details, body };
}

/**
 * Writes one audit row for every mutating request that reached a route, allowed or
 * not, before the reply leaves: when the caller sees the answer, the row exists.
 */
export function registerAuditHook(
  app: FastifyInstance,
  deps: {
    record: (entry: AuditRecord) => Promise<void>;
    /** The org a person's row belongs to when the request had none (sign-in): their first. */
    defaultOrgOf: (userId: string) => Promise<string | null>;
  },
): void {
  app.addHook('onSend', async (request, response, payload) => {
    const audit = request.routeOptions.config?.audit;
    if (!audit || !MUTATING.has(request.method)) return payload;
    const identity = request.identity;
    const facts = request.auditFacts ?? {};
    const params = request.params as Record<string, unknown> | undefined;
    const resourceIdFromPath = params && typeof params.id === 'string' ? params.id : params && typeof params.userId === 'string' ? params.userId : undefined;
    const userId = facts.userId ?? (identity?.kind === 'user' ? identity.userId : null);
    try {
      const orgId = facts.orgId ?? request.org?.id ?? (identity?.kind === 'api_key' ? identity.orgId : null) ?? (userId ? await deps.defaultOrgOf(userId) : null);
      await deps.record({
        orgId,
        userId,
        apiKeyId: identity?.kind === 'api_key' ? identity.apiKeyId : null,
        actorLabel: facts.actorLabel ?? (identity?.kind === 'user' ? identity.email : identity?.kind === 'api_key' ? `api key ${identity.name}` : null),
        action: audit.action,
        resourceType: audit.resourceType ?? null,
        resourceId: facts.resourceId ?? resourceIdFromPath ?? null,
        ipAddress: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        requestBody: withDetails(request.body, facts.details),
        responseStatus: response.statusCode,
      });
    } catch (error) {
      request.log.error({ err: error }, 'could not write the audit row');
    }
    return payload;
  });
}
