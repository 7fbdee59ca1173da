import { LIVE_BEARER_PREFIX, ORG_HEADER, roleAllows } from '@infrapilot/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../../errors.js';
import type { Identity, OrgContext, RouteAccess } from './request-context.js';


/** What the guard needs from the auth, API key and org services. */
export interface AuthenticationDeps {
  authenticateAccessToken(token: string): Promise<Identity | null>;
  authenticateApiKey(key: string): Promise<Identity | null>;
  resolveOrg(identity: Identity, requested: string | undefined): Promise<OrgContext | null>;
  /** Whether the session (person) or API key behind an identity is still valid, whatever its access token's expiry. */
  identityStillValid(identity: Identity): Promise<boolean>;
}

/**
 * For sockets that outlive their access token: whether the caller may still do `access`
 * in the org the socket was opened in — session or key not revoked, account enabled,
 * still a member with a role that allows it.
 */
export async function stillEntitled(deps: AuthenticationDeps, identity: Identity, orgId: string, access: Exclude<RouteAccess, 'public' | 'authenticated'>): Promise<boolean> {
  if (!(await deps.identityStillValid(identity))) return false;
  let org: OrgContext | null;
  try {
    org = await deps.resolveOrg(identity, orgId);
  } catch (error) {
    // No longer a member: the org is "not found" for them. Anything else is a hiccup for the caller to weigh.
    if (error instanceof NotFoundError) return false;
    throw error;
  }
  return org !== null && org.id === orgId && roleAllows(org.role, access);
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade?.toLowerCase() === 'websocket';
}

/** A browser's WebSocket cannot send headers: its credential is the offered subprotocol `bearer.<token>`. */
function webSocketBearerOf(request: FastifyRequest): string | null {
  const offered = request.headers['sec-websocket-protocol'];
  if (!offered) return null;
  const bearer = offered.split(',').map((protocol) => protocol.trim()).find((protocol) => protocol.startsWith(LIVE_BEARER_PREFIX));
  return bearer ? bearer.slice(LIVE_BEARER_PREFIX.length) || null : null;
}

/** The org a WebSocket acts in comes from `?org=`, for the same reason. */
function orgQueryOf(request: FastifyRequest): string | undefined {
  const org = (request.query as Record<string, unknown> | undefined)?.org;
  return typeof org === 'string' && org ? org : undefined;
}

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return isWebSocketUpgrade(request) ? webSocketBearerOf(request) : null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthenticatedError('Send credentials as "Authorization: Bearer <token or API key>"');
  return match[1]!;
}

/**
 * The one guard every route passes: who is calling (access token or API key), which
 * org the request acts in, and whether the caller's role there grants the route's
 * permission (the matrix in @infrapilot/protocol). Runs before the body is parsed,
 * so an unauthenticated caller learns nothing from validation errors.
 */
export function registerAuthentication(app: FastifyInstance, deps: AuthenticationDeps): void {
  app.decorateRequest('identity', null);
  app.decorateRequest('org', null);
  app.decorateRequest('auditFacts', null as never);

  app.addHook('onRequest', async (request) => {
    request.auditFacts = {};
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    await authenticateRequest(deps, request, access);
  });
}

/**
 * Who is calling and in which org, checked against the route's access; sets them on the
 * request and throws the 401/403/404 the guard answers. Long-lived connections (the live socket) call it
 * again later with their original request, so a revoked credential or a removed
 * member does not keep receiving events.
 */
export async function authenticateRequest(
  deps: AuthenticationDeps,
  request: FastifyRequest,
  access: Exclude<RouteAccess, 'public'>,
): Promise<{ identity: Identity; org: OrgContext | null }> {
  const credential = bearerOf(request);
  if (!credential) throw new UnauthenticatedError();
  const identity = credential.startsWith('ipk_') ? await deps.authenticateApiKey(credential) : await deps.authenticateAccessToken(credential);
  if (!identity) throw new UnauthenticatedError('Invalid, expired or revoked credentials');
  // Set as soon as known: the audit log attributes a refused attempt to whoever made it.
  request.identity = identity;

  const header = request.headers[ORG_HEADER.toLowerCase()];
  const requested = (Array.isArray(header) ? header[0] : header) ?? (isWebSocketUpgrade(request) ? orgQueryOf(request) : undefined);
  const org = await deps.resolveOrg(identity, requested);
  request.org = org;
  if (access === 'authenticated') return { identity, org };
  if (!org) throw new NotFoundError('Organization', 'You are not a member of any organization');
  if (!roleAllows(org.role, access)) {
    throw new ForbiddenError(`Your role (${org.role}) does not allow ${access}`);
  }
  return { identity, org };
}
