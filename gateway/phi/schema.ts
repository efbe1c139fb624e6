import { customType, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => Buffer.from(value),
});

/**
 * DESIGN §6: the PHI vault. One row per patient token; the identifiers and demographics behind it are one
 * AES-256-GCM ciphertext (nonce ‖ ciphertext ‖ tag) bound to its token as associated data, so a row cannot be
 * copied under another token. Unlike the ledger, rows change: a patient.update replaces what the vault knows.
 */
export const phiVault = pgTable('phi_vault', {
  token: text('token').primaryKey(),
  keyId: text('key_id').notNull(),
  sealed: bytea('sealed').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
});
