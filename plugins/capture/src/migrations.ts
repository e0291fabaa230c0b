import { type Migrations, autoIdColumn, columnTypes, dialectOf } from '@tollgate/store';

/** Namespace of the capture plugin's migrations (and prefix of its tables). */
export const CAPTURE_NAMESPACE = 'capture';

/** The capture schema, versioned; run by `store.migrate('capture', CAPTURE_MIGRATIONS)` at start-up. */
export const CAPTURE_MIGRATIONS: Migrations = {
  '0001-capture': {
    async up(db) {
      const d = dialectOf(db);
      const t = columnTypes(d);
      await db.schema
        .createTable('capture_exchanges')
        .addColumn('id', ...autoIdColumn(d))
        .addColumn('request_id', 'text', (c) => c.notNull().unique())
        .addColumn('time_ms', t.bigint, (c) => c.notNull())
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('tags', t.json)
        .addColumn('node', 'text')
        .addColumn('session_id', 'text')
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('provider', 'text')
        .addColumn('model_requested', 'text')
        .addColumn('model', 'text')
        .addColumn('path', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('streamed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('aborted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('duration_ms', 'double precision')
        .addColumn('ttfb_ms', 'double precision')
        .addColumn('input_tokens', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('output_tokens', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('cached_tokens', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('reasoning_tokens', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('cost_dollars', 'double precision')
        .addColumn('cost_basis', 'text')
        .addColumn('tool_calls', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tools_allowed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tools_blocked', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tools_stripped', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('decisions', t.json)
        .execute();
      // The read API's orders and filters: newest first overall, per user, per session, per model.
      await db.schema.createIndex('capture_exchanges_time').on('capture_exchanges').columns(['time_ms', 'id']).execute();
      await db.schema.createIndex('capture_exchanges_login_time').on('capture_exchanges').columns(['login', 'time_ms']).execute();
      await db.schema.createIndex('capture_exchanges_session_time').on('capture_exchanges').columns(['session_id', 'time_ms']).execute();
      await db.schema.createIndex('capture_exchanges_model_time').on('capture_exchanges').columns(['model', 'time_ms']).execute();

      await db.schema
        .createTable('capture_tool_calls')
        .addColumn('exchange_id', t.bigint, (c) => c.notNull().references('capture_exchanges.id').onDelete('cascade'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('time_ms', t.bigint, (c) => c.notNull())
        .addColumn('call_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('arguments', t.json)
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('reason', 'text')
        .addColumn('decision_ms', 'double precision')
        .addPrimaryKeyConstraint('capture_tool_calls_pk', ['exchange_id', 'idx'])
        .execute();
      await db.schema.createIndex('capture_tool_calls_name').on('capture_tool_calls').columns(['name', 'exchange_id']).execute();
      await db.schema.createIndex('capture_tool_calls_time').on('capture_tool_calls').column('time_ms').execute();

      await db.schema
        .createTable('capture_payloads')
        .addColumn('exchange_id', t.bigint, (c) => c.primaryKey().references('capture_exchanges.id').onDelete('cascade'))
        .addColumn('time_ms', t.bigint, (c) => c.notNull())
        .addColumn('user_message', 'text')
        .addColumn('request_headers', t.json)
        .addColumn('response_headers', t.json)
        .addColumn('request_body', t.json)
        .addColumn('response_body', t.json)
        .addColumn('client_response_body', t.json)
        .addColumn('raw_responses', t.json)
        .execute();
      await db.schema.createIndex('capture_payloads_time').on('capture_payloads').column('time_ms').execute();
    },
  },
};
