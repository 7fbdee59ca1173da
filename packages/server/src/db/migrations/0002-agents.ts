import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Agent enrollment, mTLS certificates, what a connected agent announces, and its metric samples. */
export const agents: Migration = {
  async up(db: Kysely<unknown>) {
    // SQLite adds one column per ALTER TABLE.
    for (const [column, type] of [
      ['os_name', 'varchar(255)'],
      ['kernel', 'varchar(255)'],
      ['architecture', 'varchar(50)'],
      ['platform', 'varchar(50)'],
      ['protocol_version', 'integer'],
      ['capabilities', 'text'],
      ['certificate_expires_at', 'varchar(32)'],
      ['latest_metrics', 'text'],
      ['revoked_at', 'varchar(32)'],
    ] as const) {
      await db.schema.alterTable('agents').addColumn(column, type).execute();
    }
    await db.schema.alterTable('enrollment_tokens').addColumn('agent_name', 'varchar(64)').execute();
    await db.schema.alterTable('enrollment_tokens').addColumn('revoked_at', 'varchar(32)').execute();
    await db.schema.createIndex('enrollment_tokens_org_idx').on('enrollment_tokens').column('org_id').execute();

    await db.schema
      .createTable('agent_certificates')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('serial_number', 'varchar(64)', (c) => c.notNull())
      .addColumn('not_before', 'varchar(32)', (c) => c.notNull())
      .addColumn('not_after', 'varchar(32)', (c) => c.notNull())
      .addColumn('issued_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('revoked_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('agent_certificates_agent_idx').on('agent_certificates').column('agent_id').execute();

    // Milliseconds since the epoch (not ISO text) so both dialects can bucket by integer division.
    await db.schema
      .createTable('agent_metric_samples')
      .addColumn('agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('collected_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('cpu_percent', 'double precision', (c) => c.notNull())
      .addColumn('memory_used_bytes', 'double precision', (c) => c.notNull())
      .addColumn('memory_total_bytes', 'double precision', (c) => c.notNull())
      .addColumn('disk_used_bytes', 'double precision', (c) => c.notNull())
      .addColumn('disk_total_bytes', 'double precision', (c) => c.notNull())
      .addColumn('load_average_1m', 'double precision', (c) => c.notNull())
      .addColumn('load_average_5m', 'double precision', (c) => c.notNull())
      .addColumn('load_average_15m', 'double precision', (c) => c.notNull())
      .addColumn('network_receive_bytes_per_second', 'double precision', (c) => c.notNull())
      .addColumn('network_transmit_bytes_per_second', 'double precision', (c) => c.notNull())
      .addColumn('uptime_seconds', 'double precision', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('agent_metric_samples_agent_time_idx').on('agent_metric_samples').columns(['agent_id', 'collected_at_ms']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('agent_metric_samples').execute();
    await db.schema.dropTable('agent_certificates').execute();
  },
};
