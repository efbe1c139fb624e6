import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openStore } from './db.ts';
import { MIGRATIONS_FOLDER, migrateStore } from './migrate.ts';
import { withTestStores } from './test-support.ts';

const stores = await withTestStores({ migrate: false });
const journal = JSON.parse(await readFile(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };

describe.each(stores)('migrateStore on $kind', ({ kind, store, databaseUrl }) => {
  it('applies every migration once, even when gateways start together, and again changes nothing', async () => {
    // On PostgreSQL, three stores (three gateways) race for real, each on its own connection; the advisory lock
    // makes them take turns. PGlite has one store per folder; its concurrent calls take turns in the process.
    const others = kind === 'postgres' ? await Promise.all([1, 2].map(() => openStore({ databaseUrl, dataDir: '/unused', poolSize: 1 }))) : [];
    try {
      await Promise.all([store, ...others, store].map((s) => migrateStore(s)));
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
    await migrateStore(store);
    const applied = await store.rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(applied).toEqual([{ n: journal.entries.length }]);
  });

  it('creates the ledger with its constraints, indexes and append-only triggers', async () => {
    const constraints = await store.rows<{ name: string }>(
      sql`select conname as name from pg_constraint where conrelid = 'ledger'::regclass and contype <> 'n' order by conname`,
    );
    expect(constraints.map((c) => c.name)).toEqual([
      'ledger_chain_seq_key',
      'ledger_class_known',
      'ledger_hash_hex',
      'ledger_idempotency_key_key',
      'ledger_pkey',
      'ledger_seq_positive',
    ]);
    const indexes = await store.rows<{ name: string }>(sql`select indexname as name from pg_indexes where tablename = 'ledger' order by indexname`);
    expect(indexes.map((i) => i.name)).toEqual([
      'ledger_chain_position_idx',
      'ledger_chain_seq_key',
      'ledger_encounter_ref_position_idx',
      'ledger_event_id_idx',
      'ledger_idempotency_key_key',
      'ledger_patient_ref_position_idx',
      'ledger_pkey',
      'ledger_recorded_at_idx',
      'ledger_source_message_id_idx',
      'ledger_type_position_idx',
    ]);
    const triggers = await store.rows<{ name: string }>(
      sql`select tgname as name from pg_trigger where tgrelid = 'ledger'::regclass and not tgisinternal order by tgname`,
    );
    expect(triggers.map((t) => t.name)).toEqual(['ledger_refuse_truncate', 'ledger_refuse_update_delete']);
  });

  it('compresses large events with lz4 where the server has it (PostgreSQL), and keeps the default where not (PGlite)', async () => {
    const [column] = await store.rows<{ compression: string }>(
      sql`select attcompression::text as compression from pg_attribute where attrelid = 'ledger'::regclass and attname = 'event'`,
    );
    // pg_attribute.attcompression: 'l' lz4, 'p' pglz, '' the server's default_toast_compression (pglz)
    expect(column!.compression).toBe(kind === 'postgres' ? 'l' : '');
  });
});
