import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Reverse proxy hosts (the seed's proxy_hosts, proxy_security_headers, rate_limits,
 * ip_rules and container_upstreams, extended with what drift detection and the API
 * need), the reverse proxy each agent reports, TLS certificates (private keys sealed
 * with the master key) and each org's ACME accounts (account keys sealed too).
 */
export const proxies: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('certificates')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      // JSON array of ASCII domain names.
      .addColumn('domains', 'text', (c) => c.notNull())
      .addColumn('source', 'varchar(20)', (c) => c.notNull())
      .addColumn('status', 'varchar(20)', (c) => c.notNull())
      .addColumn('certificate_pem', 'text')
      .addColumn('private_key_sealed', 'text')
      .addColumn('issuer', 'varchar(500)')
      .addColumn('serial_number', 'varchar(100)')
      .addColumn('not_before', 'varchar(32)')
      .addColumn('expires_at', 'varchar(32)')
      .addColumn('auto_renew', 'integer', (c) => c.notNull())
      .addColumn('acme_directory_url', 'varchar(500)')
      // The host whose proxy answers HTTP-01 challenges for an ACME certificate.
      .addColumn('agent_id', 'varchar(36)', (c) => c.references('agents.id').onDelete('set null'))
      .addColumn('last_error', 'text')
      .addColumn('renewal_attempted_at', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('certificates_org_idx').on('certificates').column('org_id').execute();

    await db.schema
      .createTable('acme_accounts')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('directory_url', 'varchar(500)', (c) => c.notNull())
      .addColumn('email', 'varchar(254)')
      .addColumn('account_key_sealed', 'text', (c) => c.notNull())
      .addColumn('account_url', 'varchar(500)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('acme_accounts_org_directory_unique', ['org_id', 'directory_url'])
      .execute();

    await db.schema
      .createTable('proxy_hosts')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('domain', 'varchar(255)', (c) => c.notNull())
      .addColumn('upstream_kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('upstream_scheme', 'varchar(8)', (c) => c.notNull())
      // "host:port" or "container:port", as the seed's upstream_target; the parts below are what is used.
      .addColumn('upstream_target', 'varchar(255)', (c) => c.notNull())
      .addColumn('upstream_host', 'varchar(255)')
      .addColumn('upstream_container', 'varchar(128)')
      .addColumn('upstream_port', 'integer', (c) => c.notNull())
      .addColumn('certificate_id', 'varchar(36)', (c) => c.references('certificates.id').onDelete('set null'))
      // The certificate the host's nginx serves now: it keeps serving while a newly attached one is still being issued.
      .addColumn('deployed_certificate_id', 'varchar(36)', (c) => c.references('certificates.id').onDelete('set null'))
      .addColumn('ssl_enabled', 'integer', (c) => c.notNull())
      .addColumn('ssl_cert_path', 'varchar(500)')
      .addColumn('ssl_key_path', 'varchar(500)')
      .addColumn('ssl_expires_at', 'varchar(32)')
      .addColumn('force_ssl', 'integer', (c) => c.notNull())
      .addColumn('http2_enabled', 'integer', (c) => c.notNull())
      .addColumn('websockets_enabled', 'integer', (c) => c.notNull())
      .addColumn('client_max_body_size_mb', 'integer', (c) => c.notNull())
      .addColumn('config_hash', 'varchar(64)')
      .addColumn('config_path', 'varchar(500)')
      .addColumn('upstream_address', 'varchar(300)')
      .addColumn('status', 'varchar(20)', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('drift_reason', 'varchar(20)')
      .addColumn('drift_path', 'varchar(500)')
      .addColumn('drift_detected_at', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('proxy_hosts_agent_domain_unique', ['agent_id', 'domain'])
      .execute();
    await db.schema.createIndex('proxy_hosts_agent_idx').on('proxy_hosts').column('agent_id').execute();
    await db.schema.createIndex('proxy_hosts_certificate_idx').on('proxy_hosts').column('certificate_id').execute();

    await db.schema
      .createTable('proxy_security_headers')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('proxy_host_id', 'varchar(36)', (c) => c.notNull().unique().references('proxy_hosts.id').onDelete('cascade'))
      .addColumn('hsts_enabled', 'integer', (c) => c.notNull())
      .addColumn('hsts_max_age', 'integer', (c) => c.notNull())
      .addColumn('hsts_include_subdomains', 'integer', (c) => c.notNull())
      .addColumn('x_frame_options', 'varchar(50)')
      .addColumn('x_content_type_options', 'integer', (c) => c.notNull())
      .addColumn('x_xss_protection', 'integer', (c) => c.notNull())
      .addColumn('content_security_policy', 'text')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('rate_limits')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('proxy_host_id', 'varchar(36)', (c) => c.notNull().references('proxy_hosts.id').onDelete('cascade'))
      // The nginx zone, generated from the host id and position (never typed by a user).
      .addColumn('zone_name', 'varchar(100)', (c) => c.notNull())
      .addColumn('requests_per', 'integer', (c) => c.notNull())
      // "1s" or "1m", as the seed spells it.
      .addColumn('time_window', 'varchar(10)', (c) => c.notNull())
      .addColumn('burst', 'integer', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_limits_proxy_host_idx').on('rate_limits').column('proxy_host_id').execute();

    await db.schema
      .createTable('ip_rules')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('proxy_host_id', 'varchar(36)', (c) => c.notNull().references('proxy_hosts.id').onDelete('cascade'))
      .addColumn('ip_cidr', 'varchar(64)', (c) => c.notNull())
      .addColumn('action', 'varchar(10)', (c) => c.notNull().check(sql`action in ('allow', 'deny')`))
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ip_rules_proxy_host_idx').on('ip_rules').column('proxy_host_id').execute();

    await db.schema
      .createTable('container_upstreams')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('proxy_host_id', 'varchar(36)', (c) => c.notNull().references('proxy_hosts.id').onDelete('cascade'))
      .addColumn('container_id', 'varchar(36)', (c) => c.notNull().references('containers.id').onDelete('cascade'))
      .addColumn('container_port', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('container_upstreams_unique', ['proxy_host_id', 'container_id', 'container_port'])
      .execute();

    await db.schema
      .createTable('proxy_servers')
      .addColumn('agent_id', 'varchar(36)', (c) => c.primaryKey().references('agents.id').onDelete('cascade'))
      .addColumn('available', 'integer', (c) => c.notNull())
      .addColumn('problem', 'text')
      .addColumn('server', 'varchar(20)')
      .addColumn('version', 'varchar(50)')
      .addColumn('running', 'integer', (c) => c.notNull())
      .addColumn('config_directory', 'varchar(500)')
      .addColumn('http_port', 'integer')
      .addColumn('https_port', 'integer')
      .addColumn('reported_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['proxy_servers', 'container_upstreams', 'ip_rules', 'rate_limits', 'proxy_security_headers', 'proxy_hosts', 'acme_accounts', 'certificates']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
