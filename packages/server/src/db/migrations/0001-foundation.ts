import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Organizations, people, sessions, API keys, audit, and the agent tables the next issue fills. */
export const foundation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('organizations')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('slug', 'varchar(100)', (c) => c.notNull().unique())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
      .addColumn('mfa_secret', 'text')
      .addColumn('mfa_pending_secret', 'text')
      .addColumn('mfa_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('mfa_last_step', 'integer')
      .addColumn('disabled_at', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('last_login_at', 'varchar(32)')
      .addColumn('password_changed_at', 'varchar(32)', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('memberships')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'varchar(20)', (c) => c.notNull().check(sqlRoleCheck()))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('memberships_org_user_unique', ['org_id', 'user_id'])
      .execute();
    await db.schema.createIndex('memberships_user_idx').on('memberships').columns(['user_id', 'created_at']).execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('last_used_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('revoked_at', 'varchar(32)')
      .addColumn('revoked_reason', 'varchar(50)')
      .addColumn('ip_address', 'varchar(64)')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('session_id', 'varchar(36)', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('rotated_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute();

    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('used_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('mfa_recovery_codes_user_idx').on('mfa_recovery_codes').column('user_id').execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('prefix', 'varchar(20)', (c) => c.notNull())
      .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('role', 'varchar(20)', (c) => c.notNull().check(sqlRoleCheck()))
      .addColumn('created_by', 'varchar(36)', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('last_used_at', 'varchar(32)')
      .addColumn('expires_at', 'varchar(32)')
      .addColumn('revoked_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('api_keys_org_idx').on('api_keys').column('org_id').execute();

    await db.schema
      .createTable('agents')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('hostname', 'varchar(255)')
      .addColumn('fingerprint', 'varchar(64)', (c) => c.unique())
      .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('pending'))
      .addColumn('version', 'varchar(50)')
      .addColumn('last_seen_at', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('agents_org_idx').on('agents').column('org_id').execute();

    await db.schema
      .createTable('enrollment_tokens')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
      .addColumn('agent_id', 'varchar(36)', (c) => c.references('agents.id').onDelete('cascade'))
      .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('created_by', 'varchar(36)', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('used_at', 'varchar(32)')
      .execute();

    // Audit rows outlive what they describe, so no foreign keys here.
    await db.schema
      .createTable('audit_logs')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('org_id', 'varchar(36)')
      .addColumn('user_id', 'varchar(36)')
      .addColumn('api_key_id', 'varchar(36)')
      .addColumn('agent_id', 'varchar(36)')
      .addColumn('actor_label', 'varchar(255)')
      .addColumn('action', 'varchar(100)', (c) => c.notNull())
      .addColumn('resource_type', 'varchar(100)')
      .addColumn('resource_id', 'varchar(100)')
      .addColumn('ip_address', 'varchar(64)')
      .addColumn('user_agent', 'text')
      .addColumn('request_body', 'text')
      .addColumn('response_status', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_logs_org_id_idx').on('audit_logs').columns(['org_id', 'id']).execute();
    await db.schema.createIndex('audit_logs_user_idx').on('audit_logs').columns(['user_id', 'id']).execute();
  },
};

function sqlRoleCheck() {
  return sql`role in ('super_admin', 'operator', 'viewer')`;
}
