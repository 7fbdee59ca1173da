import { randomBytes } from 'node:crypto';
import type { Role } from '@infrapilot/protocol';
import type { AgentsTable, CertificatesTable, MembershipsTable, OrganizationsTable, ProxyHostsTable, UsersTable } from '../db/schema.js';
import type { DatabaseHandle } from '../db/transactions.js';
import { newId } from '../platform/ids.js';

/** The timestamp fixture rows are created at unless a test says otherwise. */
export const FIXTURE_CREATED_AT = '2025-01-01T00:00:00.000Z';

/** A complete users row: a new id, an e-mail made from it, no MFA, never signed in. */
export function userRow(overrides: Partial<UsersTable> = {}): UsersTable {
  const id = overrides.id ?? newId();
  return {
    id,
    email: `${id}@example.com`,
    name: 'Someone',
    password_hash: 'not-a-real-hash',
    mfa_secret: null,
    mfa_pending_secret: null,
    mfa_enabled: 0,
    mfa_last_step: null,
    disabled_at: null,
    created_at: FIXTURE_CREATED_AT,
    last_login_at: null,
    password_changed_at: FIXTURE_CREATED_AT,
    ...overrides,
  };
}

/** A complete organizations row with a slug made from its id. */
export function orgRow(overrides: Partial<OrganizationsTable> = {}): OrganizationsTable {
  const id = overrides.id ?? newId();
  return { id, name: 'Org', slug: `org-${id.slice(-12)}`, created_at: FIXTURE_CREATED_AT, ...overrides };
}

/** A complete memberships row giving the user the role in the org. */
export function membershipRow(orgId: string, userId: string, role: Role, overrides: Partial<MembershipsTable> = {}): MembershipsTable {
  return { id: newId(), org_id: orgId, user_id: userId, role, created_at: FIXTURE_CREATED_AT, ...overrides };
}

/** Inserts a userRow and returns its id. */
export async function insertUser(handle: DatabaseHandle, overrides: Partial<UsersTable> = {}): Promise<string> {
  const row = userRow(overrides);
  await handle.root.insertInto('users').values(row).execute();
  return row.id;
}

/** Inserts an orgRow and returns its id. */
export async function insertOrg(handle: DatabaseHandle, overrides: Partial<OrganizationsTable> = {}): Promise<string> {
  const row = orgRow(overrides);
  await handle.root.insertInto('organizations').values(row).execute();
  return row.id;
}

/** Inserts a membershipRow and returns its id. */
export async function insertMembership(
  handle: DatabaseHandle,
  orgId: string,
  userId: string,
  role: Role,
  overrides: Partial<MembershipsTable> = {},
): Promise<string> {
  const row = membershipRow(orgId, userId, role, overrides);
  await handle.root.insertInto('memberships').values(row).execute();
  return row.id;
}

/** A complete agents row of the org: active, never seen, not revoked. */
export function agentRow(orgId: string, overrides: Partial<AgentsTable> = {}): AgentsTable {
  const id = overrides.id ?? newId();
  return {
    id,
    org_id: orgId,
    name: `host-${id.slice(-6)}`,
    hostname: 'host.test',
    fingerprint: null,
    status: 'active',
    version: '0.1.0',
    last_seen_at: null,
    created_at: FIXTURE_CREATED_AT,
    os_name: null,
    kernel: null,
    architecture: null,
    platform: null,
    protocol_version: 1,
    capabilities: null,
    certificate_expires_at: null,
    latest_metrics: null,
    revoked_at: null,
    ...overrides,
  };
}

/** Inserts an agentRow and returns it. */
export async function insertAgent(handle: DatabaseHandle, orgId: string, overrides: Partial<AgentsTable> = {}): Promise<AgentsTable> {
  const row = agentRow(orgId, overrides);
  await handle.root.insertInto('agents').values(row).execute();
  return row;
}

/** A complete certificates row of the org: an uploaded, valid certificate of app.example.com (placeholder PEM, no key). */
export function certificateRow(orgId: string, overrides: Partial<CertificatesTable> = {}): CertificatesTable {
  return {
    id: newId(),
    org_id: orgId,
    name: `cert-${randomBytes(3).toString('hex')}`,
    domains: '["app.example.com"]',
    source: 'uploaded',
    status: 'valid',
    certificate_pem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    private_key_sealed: null,
    issuer: 'CN=Test',
    serial_number: '01',
    not_before: '2025-01-01T00:00:00.000Z',
    expires_at: '2026-01-01T00:00:00.000Z',
    auto_renew: 0,
    acme_directory_url: null,
    agent_id: null,
    last_error: null,
    renewal_attempted_at: null,
    created_at: FIXTURE_CREATED_AT,
    updated_at: FIXTURE_CREATED_AT,
    ...overrides,
  };
}

/** A complete proxy_hosts row on the agent: a fresh domain to 127.0.0.1:8080 over HTTP, no certificate, active, never applied. */
export function proxyHostRow(agentId: string, overrides: Partial<ProxyHostsTable> = {}): ProxyHostsTable {
  return {
    id: newId(),
    agent_id: agentId,
    domain: `site-${randomBytes(3).toString('hex')}.example.com`,
    upstream_kind: 'address',
    upstream_scheme: 'http',
    upstream_target: '127.0.0.1:8080',
    upstream_host: '127.0.0.1',
    upstream_container: null,
    upstream_port: 8080,
    certificate_id: null,
    deployed_certificate_id: null,
    ssl_enabled: 0,
    ssl_cert_path: null,
    ssl_key_path: null,
    ssl_expires_at: null,
    force_ssl: 0,
    http2_enabled: 1,
    websockets_enabled: 1,
    client_max_body_size_mb: 100,
    config_hash: null,
    config_path: null,
    upstream_address: null,
    status: 'active',
    last_error: null,
    drift_reason: null,
    drift_path: null,
    drift_detected_at: null,
    created_at: FIXTURE_CREATED_AT,
    updated_at: FIXTURE_CREATED_AT,
    ...overrides,
  };
}
