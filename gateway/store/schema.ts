import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { canonicalEventColumn } from './canonical-event-column.ts';

/**
 * The relational schema of the store (drizzle pg-core). Migrations in migrations/ are generated from this file with
 * `npx drizzle-kit generate`; the append-only triggers live in a hand-written (custom) migration beside them.
 */

/**
 * DESIGN §4: one row per accepted event, chained per facility. `position` is the global insertion order and the
 * paging cursor; `(chain, seq)` is gapless per chain and unique, which is the last guard against two writers on a
 * chain. Only `chain`, `seq`, `recorded_at`, `event` and `prev_hash` feed the hash; the other columns are copies of
 * event fields kept for indexing, and verifyLedger checks them against the event.
 */
export const ledger = pgTable(
  'ledger',
  {
    position: bigint('position', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    chain: text('chain').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    eventId: uuid('event_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    type: text('type').notNull(),
    class: text('class').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'string' }).notNull(),
    // Milliseconds, because the hash covers recorded_at as an ISO string with milliseconds: a finer column would
    // hold digits the hash never saw.
    recordedAt: timestamp('recorded_at', { withTimezone: true, precision: 3, mode: 'string' }).notNull(),
    event: canonicalEventColumn('event').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    unique('ledger_idempotency_key_key').on(t.idempotencyKey),
    unique('ledger_chain_seq_key').on(t.chain, t.seq),
    index('ledger_chain_position_idx').on(t.chain, t.position),
    index('ledger_type_position_idx').on(t.type, t.position),
    index('ledger_recorded_at_idx').on(t.recordedAt),
    index('ledger_event_id_idx').on(t.eventId),
    // A message trace (GET /api/trace) finds the events of a sender's message by the id the sender gave it.
    index('ledger_source_message_id_idx').on(sql`(${t.event}->'source'->>'message_id')`),
    // A patient's or a stay's history (GET /api/ledger?patient_ref= / ?encounter_ref=), in ledger order.
    index('ledger_patient_ref_position_idx').on(sql`(${t.event}->>'patient_ref')`, t.position),
    index('ledger_encounter_ref_position_idx').on(sql`(${t.event}->'payload'->>'encounter_ref')`, t.position),
    check('ledger_seq_positive', sql`${t.seq} >= 1`),
    check('ledger_class_known', sql`${t.class} in ('ctl', 'gen', 'unm')`),
    check('ledger_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$' and ${t.prevHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

/**
 * DESIGN §4: signed checkpoints of the heads of all chains (gateway/checkpoints/). Each is numbered without gaps and
 * names the digest of the one before, and its Ed25519 signature covers the RFC 8785 text of
 * { number, created_at, key_id, previous, heads }. A chain rewritten and rehashed, or cut short, no longer holds the
 * head a checkpoint signed. Append-only like the ledger (triggers in a custom migration).
 */
export const ledgerCheckpoint = pgTable(
  'ledger_checkpoint',
  {
    number: bigint('number', { mode: 'number' }).primaryKey(),
    // Milliseconds, as in the signed text.
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'string' }).notNull(),
    keyId: text('key_id').notNull(),
    /** sha256 (hex) of the previous checkpoint's signed text and signature; 64 zeros for the first */
    previous: text('previous').notNull(),
    /** [{ chain, seq, hash }] ordered by chain */
    heads: jsonb('heads').$type<{ chain: string; seq: number; hash: string }[]>().notNull(),
    /** base64 Ed25519 signature of the signed text */
    signature: text('signature').notNull(),
  },
  (t) => [check('ledger_checkpoint_number_positive', sql`${t.number} >= 1`)],
);
