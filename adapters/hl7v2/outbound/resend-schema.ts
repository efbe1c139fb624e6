import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

const millis = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });

/**
 * Resends of dispenses to EHRs (resends.ts): who asked, why and for what, kept for as long as the ledger, and how far
 * each got — updated after every event, so that a resend outlives the gateway running it: another gateway (or the
 * same one started again) takes over a resend whose runner stopped beating (`heartbeat_at`) and goes on after
 * `after_position`. At most one resend runs per EHR (the partial unique index).
 */
export const outboundResends = pgTable(
  'outbound_resends',
  {
    id: uuid('id').primaryKey(),
    facility: text('facility').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    since: millis('since'),
    until: millis('until'),
    event_ids: jsonb('event_ids').$type<string[]>(),
    state: text('state').notNull(),
    started_at: millis('started_at').notNull(),
    finished_at: millis('finished_at'),
    found: integer('found').notNull().default(0),
    sent: integer('sent').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    refused: integer('refused').notNull().default(0),
    refused_ids: jsonb('refused_ids').$type<string[]>().notNull().default([]),
    stopped_reason: text('stopped_reason'),
    resume_since: millis('resume_since'),
    /** the ledger position of the last event handled: where a runner taking over goes on from */
    after_position: bigint('after_position', { mode: 'number' }),
    /** the runner (one per gateway process) working on it, and when it last said so */
    owner: text('owner'),
    heartbeat_at: millis('heartbeat_at'),
  },
  (t) => [
    uniqueIndex('outbound_resends_one_running_idx').on(t.facility).where(sql`${t.state} = 'running'`),
    index('outbound_resends_started_at_idx').on(t.started_at),
    check('outbound_resends_state_known', sql`${t.state} in ('running', 'done', 'stopped', 'cancelled')`),
  ],
);
