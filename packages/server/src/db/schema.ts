import type { ColumnType } from 'kysely';

/**
 * Table types for Kysely. Column types are chosen to behave the same on SQLite and
 * PostgreSQL: ids are UUIDv7 text, timestamps are ISO-8601 UTC text (sortable),
 * booleans are 0/1 integers, JSON is text.
 */

export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  created_at: string;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  /** AES-GCM sealed TOTP secret once MFA is enabled. */
  mfa_secret: string | null;
  /** Sealed secret from setup, waiting for its first valid code. */
  mfa_pending_secret: string | null;
  mfa_enabled: number;
  /** Last TOTP time step accepted, so a code cannot be replayed. */
  mfa_last_step: number | null;
  disabled_at: string | null;
  created_at: string;
  last_login_at: string | null;
  password_changed_at: string;
}

export interface MembershipsTable {
  id: string;
  org_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
  ip_address: string | null;
  user_agent: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  rotated_at: string | null;
}

export interface MfaRecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: string | null;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface AuditLogsTable {
  id: string;
  org_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
  agent_id: string | null;
  actor_label: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  request_body: string | null;
  response_status: number;
  created_at: string;
}

export interface AgentsTable {
  id: string;
  org_id: string;
  name: string;
  hostname: string | null;
  fingerprint: string | null;
  status: string;
  version: string | null;
  last_seen_at: string | null;
  created_at: string;
  os_name: string | null;
  kernel: string | null;
  architecture: string | null;
  platform: string | null;
  protocol_version: number | null;
  /** JSON array of the command names the agent announced. */
  capabilities: string | null;
  certificate_expires_at: string | null;
  /** JSON of the last heartbeat's figures, per-mount disks included. */
  latest_metrics: string | null;
  revoked_at: string | null;
}

export interface EnrollmentTokensTable {
  id: string;
  org_id: string;
  agent_id: string | null;
  token_hash: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  agent_name: string | null;
  revoked_at: string | null;
}

export interface AgentCertificatesTable {
  id: string;
  agent_id: string;
  fingerprint: string;
  serial_number: string;
  not_before: string;
  not_after: string;
  issued_at: string;
  revoked_at: string | null;
}

/** One heartbeat's figures. pg returns bigint as text, hence the read type. */
export interface AgentMetricSamplesTable {
  agent_id: string;
  collected_at_ms: ColumnType<string | number, number, number>;
  cpu_percent: number;
  memory_used_bytes: number;
  memory_total_bytes: number;
  disk_used_bytes: number;
  disk_total_bytes: number;
  load_average_1m: number;
  load_average_5m: number;
  load_average_15m: number;
  network_receive_bytes_per_second: number;
  network_transmit_bytes_per_second: number;
  uptime_seconds: number;
}

/** A container as its agent last reported it; one row per (agent, Docker id). */
export interface ContainersTable {
  id: string;
  agent_id: string;
  container_id: string;
  name: string;
  image: string;
  image_id: string;
  state: string;
  status_text: string;
  health: string | null;
  stack_name: string | null;
  stack_service: string | null;
  cpu_percent: number | null;
  memory_bytes: number | null;
  memory_limit_bytes: number | null;
  restart_count: number;
  exit_code: number | null;
  /** JSON array of PortBinding. */
  ports: string;
  created_at: string | null;
  started_at: string | null;
  last_synced_at: string;
}

/** Whether a host's Docker Engine answered at its last report. */
export interface DockerEnginesTable {
  agent_id: string;
  available: number;
  problem: string | null;
  endpoint: string | null;
  version: string | null;
  reported_at: string;
}

/** A TLS certificate of an org; the private key is sealed with the master key (SecretBox). */
export interface CertificatesTable {
  id: string;
  org_id: string;
  name: string;
  /** JSON array of ASCII domain names. */
  domains: string;
  source: 'acme' | 'uploaded' | 'self_signed';
  status: 'pending' | 'valid' | 'failed';
  /** The leaf followed by its chain. */
  certificate_pem: string | null;
  private_key_sealed: string | null;
  issuer: string | null;
  serial_number: string | null;
  not_before: string | null;
  expires_at: string | null;
  auto_renew: number;
  acme_directory_url: string | null;
  agent_id: string | null;
  last_error: string | null;
  renewal_attempted_at: string | null;
  created_at: string;
  updated_at: string;
}

/** An org's account at one ACME directory; the account key is sealed. */
export interface AcmeAccountsTable {
  id: string;
  org_id: string;
  directory_url: string;
  email: string | null;
  account_key_sealed: string;
  account_url: string | null;
  created_at: string;
}

export interface ProxyHostsTable {
  id: string;
  agent_id: string;
  domain: string;
  upstream_kind: 'address' | 'container';
  upstream_scheme: 'http' | 'https';
  upstream_target: string;
  upstream_host: string | null;
  upstream_container: string | null;
  upstream_port: number;
  certificate_id: string | null;
  /** The certificate deployed now; differs from certificate_id while a newly attached one is pending. */
  deployed_certificate_id: string | null;
  ssl_enabled: number;
  ssl_cert_path: string | null;
  ssl_key_path: string | null;
  ssl_expires_at: string | null;
  force_ssl: number;
  http2_enabled: number;
  websockets_enabled: number;
  client_max_body_size_mb: number;
  config_hash: string | null;
  config_path: string | null;
  upstream_address: string | null;
  status: 'active' | 'error' | 'drift';
  last_error: string | null;
  drift_reason: 'modified' | 'missing' | null;
  drift_path: string | null;
  drift_detected_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProxySecurityHeadersTable {
  id: string;
  proxy_host_id: string;
  hsts_enabled: number;
  hsts_max_age: number;
  hsts_include_subdomains: number;
  x_frame_options: string | null;
  x_content_type_options: number;
  x_xss_protection: number;
  content_security_policy: string | null;
  created_at: string;
}

export interface RateLimitsTable {
  id: string;
  proxy_host_id: string;
  zone_name: string;
  requests_per: number;
  /** "1s" or "1m". */
  time_window: string;
  burst: number;
  enabled: number;
  position: number;
  created_at: string;
}

export interface IpRulesTable {
  id: string;
  proxy_host_id: string;
  ip_cidr: string;
  action: 'allow' | 'deny';
  priority: number;
  position: number;
  created_at: string;
}

export interface ContainerUpstreamsTable {
  id: string;
  proxy_host_id: string;
  /** containers.id (our row), not Docker's id. */
  container_id: string;
  container_port: number;
  created_at: string;
}

/** The reverse proxy of a host as its agent last reported it. */
export interface ProxyServersTable {
  agent_id: string;
  available: number;
  problem: string | null;
  server: string | null;
  version: string | null;
  running: number;
  config_directory: string | null;
  http_port: number | null;
  https_port: number | null;
  reported_at: string;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  api_keys: ApiKeysTable;
  audit_logs: AuditLogsTable;
  agents: AgentsTable;
  enrollment_tokens: EnrollmentTokensTable;
  agent_certificates: AgentCertificatesTable;
  agent_metric_samples: AgentMetricSamplesTable;
  containers: ContainersTable;
  docker_engines: DockerEnginesTable;
  certificates: CertificatesTable;
  acme_accounts: AcmeAccountsTable;
  proxy_hosts: ProxyHostsTable;
  proxy_security_headers: ProxySecurityHeadersTable;
  rate_limits: RateLimitsTable;
  ip_rules: IpRulesTable;
  container_upstreams: ContainerUpstreamsTable;
  proxy_servers: ProxyServersTable;
}
