import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../errors.js';
import type { Actor } from './request-context.js';

/** Where the request came from, for sessions and throttling. */
export function clientInfoOf(request: FastifyRequest): { ip: string; userAgent: string | null } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

/**
 * The caller of a route that required a permission. The guard has already resolved
 * identity and org; this only narrows the types for the handler.
 */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.identity || !request.org) throw new ForbiddenError('No organization context');
  return { identity: request.identity, org: request.org };
}

export function identityOf(request: FastifyRequest) {
  if (!request.identity) throw new ForbiddenError('Not signed in');
  return request.identity;
}
