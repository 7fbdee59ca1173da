import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Docker as each agent last reported it: every container (the seed's table, extended with
 * what the API shows) and whether each host's Docker Engine answers. Both are a view the
 * next heartbeat heals, never a source of truth.
 */
export const containers: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('containers')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('container_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('image', 'varchar(500)', (c) => c.notNull())
      .addColumn('image_id', 'varchar(100)', (c) => c.notNull())
      .addColumn('state', 'varchar(20)', (c) => c.notNull())
      .addColumn('status_text', 'varchar(255)', (c) => c.notNull())
      .addColumn('health', 'varchar(20)')
      .addColumn('stack_name', 'varchar(255)')
      .addColumn('stack_service', 'varchar(255)')
      // Floating point rather than DECIMAL/bigint: pg returns those as text, and bytes fit a double exactly up to 8 PiB.
      .addColumn('cpu_percent', 'double precision')
      .addColumn('memory_bytes', 'double precision')
      .addColumn('memory_limit_bytes', 'double precision')
      .addColumn('restart_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('exit_code', 'integer')
      // JSON array of port bindings.
      .addColumn('ports', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)')
      .addColumn('started_at', 'varchar(32)')
      .addColumn('last_synced_at', 'varchar(32)', (c) => c.notNull())
      .addUniqueConstraint('containers_agent_container_unique', ['agent_id', 'container_id'])
      .execute();
    await db.schema.createIndex('containers_agent_idx').on('containers').column('agent_id').execute();
    await db.schema.createIndex('containers_stack_idx').on('containers').column('stack_name').execute();

    await db.schema
      .createTable('docker_engines')
      .addColumn('agent_id', 'varchar(36)', (c) => c.primaryKey().references('agents.id').onDelete('cascade'))
      .addColumn('available', 'integer', (c) => c.notNull())
      .addColumn('problem', 'text')
      .addColumn('endpoint', 'varchar(255)')
      .addColumn('version', 'varchar(50)')
      .addColumn('reported_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('docker_engines').execute();
    await db.schema.dropTable('containers').execute();
  },
};
