import type { Permission, Role } from '@infrapilot/protocol';

/** Who is calling: a person through an access token, or an API key. */
export type Identity =
  | { kind: 'user'; userId: string; sessionId: string; email: string }
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

/** The caller's user id, if the caller is a person. */
export function userIdOf(identity: Identity): string | null {
  return identity.kind === 'user' ? identity.userId : null;
}

/** The person a caller acts for: the user, or the creator of an API key (null if gone). */
export function personBehind(identity: Identity): string | null {
  return identity.kind === 'user' ? identity.userId : identity.createdBy;
}
