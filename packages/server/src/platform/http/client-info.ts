import type { FastifyRequest } from 'fastify';

/** Where the request came from, for sessions and throttling. */
export function clientInfoOf(request: FastifyRequest): { ip: string; userAgent: string | null } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}
