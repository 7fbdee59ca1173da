import type { Permission, Role } from '@infrapilot/protocol';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../errors.js';

/** Who is calling: a person through an access token, or an API key. */
export type Identity =
  | { kind: 'user'; userId: string; sessionId: string; email: string; /** When the access token used expires (epoch ms); long-lived sockets close then. */ expiresAtMs?: number }
  | { kind: 'api_key'; apiKeyId: string; name: string; prefix: string; orgId: string; role: Role; createdBy: string | null };

/** The org a request acts in, and the caller's role there. */
export interface OrgContext {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

/** An authenticated caller acting in an org: what services receive to make decisions. */
export interface Actor {
  identity: Identity;
  org: OrgContext;
}

/**
 * Who may call a route: anyone (`public`), any signed-in caller whatever its org
 * (`authenticated`), or a caller whose role in the current org grants a permission.
 */
export type RouteAccess = 'public' | 'authenticated' | Permission;

/** What the audit row of a mutating route says it did. */
export interface RouteAudit {
  action: string;
  resourceType?: string;
}

/** Filled in while a request runs, written to the audit log when it answers. */
export interface AuditFacts {
  resourceId?: string;
  orgId?: string;
  userId?: string;
  actorLabel?: string;
  /**
   * What the row should say besides the request body: facts not in the body (the host a
   * container is on, options given in the query). Recorded as fields of the body, whose
   * own fields win on a clash; redacted like it.
   */
  details?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
    org: OrgContext | null;
    auditFacts: AuditFacts;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
    audit?: RouteAudit;
  }
}

/** The person a caller acts for: the user, or the creator of an API key (null if gone). */
export function personBehind(identity: Identity): string | null {
  return identity.kind === 'user' ? identity.userId : identity.createdBy;
}

/**
 * The caller of a route that required a permission. The guard has already resolved
 * identity and org; this only narrows the types for the handler.
 */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.identity || !request.org) throw new ForbiddenError('No organization context');
  return { identity: request.identity, org: request.org };
}

/** The caller of a route that required only a signed-in caller. */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw new ForbiddenError('Not signed in');
  return request.identity;
}
