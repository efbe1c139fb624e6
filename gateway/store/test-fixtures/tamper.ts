import { sql, type SQL } from 'drizzle-orm';
import type { Store } from '../db.ts';

/**
 * What a database owner can do and the append-only triggers exist to stop by accident: switch the triggers of a
 * table off, change history, switch them back on. Tests use it to show what verification catches.
 */
export async function asOwnerWithoutTriggers(store: Store, table: 'ledger' | 'ledger_checkpoint', change: SQL): Promise<void> {
  await store.rows(sql`alter table ${sql.identifier(table)} disable trigger user`);
  try {
    await store.rows(change);
  } finally {
    await store.rows(sql`alter table ${sql.identifier(table)} enable trigger user`);
  }
}
