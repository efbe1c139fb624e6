import { sql } from 'drizzle-orm';
import { canonicalJson } from '../gateway/events/canonical-json.ts';
import { idempotencyKey, sha256Hex, uuidv7 } from '../gateway/events/ids.ts';
import type { CanonicalEvent } from '../gateway/events/schema.ts';
import { SPECS } from './entities/index.ts';
import { toVersionRow } from './repository.ts';
import type { DeaSchedule } from './schedule.ts';
import { isoOf, query, type Executor } from './sql.ts';
import type { VersionRow } from './versioning.ts';

/**
 * A change of a drug's DEA schedule is a compliance event: every schedule version whose schedule differs from the
 * one before it (creation and removal included) becomes a canonical `mapping.change` event that goes through the
 * intake like any other event and so reaches the ledger. Its chain (facility_id) is MAPPINGS_CHAIN (default
 * `MAPPINGS`): mapping changes belong to no facility, and one chain keeps them in the order they were made.
 *
 * The event's id and idempotency key are chosen when the version is written and stored in the version row
 * (`change_event_id`, `change_event_key`), and the event is a function of that row: if publishing fails after the
 * commit, the sweeper finds versions whose key has no ledger row and publishes them again — JetStream and the
 * ledger drop the copies.
 */

export const MAPPINGS_SENDER = 'rxgate-mappings';

export function scheduleChanged(previous: VersionRow['previous'], next: { deleted: boolean; data: VersionRow['data'] }): boolean {
  const before = (previous?.schedule as DeaSchedule | undefined) ?? null;
  const after = next.deleted ? null : ((next.data.schedule as DeaSchedule | undefined) ?? null);
  return before !== after;
}

function messageId(v: Pick<VersionRow, 'key' | 'version'>): string {
  return `schedules/${v.key}/v${v.version}`;
}

/** The id and idempotency key of the change event of a schedule version (deterministic in the version). */
export function changeEventIdentity(v: Pick<VersionRow, 'key' | 'version' | 'changed_at' | 'deleted' | 'data' | 'previous'>): { id: string; key: string } {
  const raw = sha256Hex(canonicalJson(changeFacts(v)));
  return { id: uuidv7(Date.parse(v.changed_at)), key: idempotencyKey(MAPPINGS_SENDER, messageId(v), raw) };
}

function changeFacts(v: Pick<VersionRow, 'key' | 'version' | 'changed_at' | 'deleted' | 'data' | 'previous'>) {
  return {
    table: 'schedules',
    key: v.key,
    version: v.version,
    changed_at: v.changed_at,
    schedule: v.deleted ? null : ((v.data.schedule as string | null | undefined) ?? null),
    previous_schedule: (v.previous?.schedule as string | null | undefined) ?? null,
  };
}

/** The mapping.change event of a schedule version that carries an event identity. */
export function scheduleChangeEvent(v: VersionRow, o: { chain: string; receivedAt: Date; correlationId?: string }): CanonicalEvent {
  const id = v.extra.change_event_id as string;
  const key = v.extra.change_event_key as string;
  const facts = changeFacts(v);
  const schedule = facts.schedule as DeaSchedule | null;
  return {
    id,
    type: 'mapping.change',
    facility_id: o.chain,
    occurred_at: v.changed_at,
    received_at: o.receivedAt.toISOString(),
    source: { adapter: 'mappings', sender: MAPPINGS_SENDER, message_id: messageId(v), raw_sha256: sha256Hex(canonicalJson(facts)) },
    correlation_id: o.correlationId ?? id,
    idempotency_key: key,
    ...(schedule ? { drug: { ndc11: v.key, schedule } } : {}),
    payload: {
      ...facts,
      op: v.op,
      source: v.deleted ? null : (v.data.source ?? null),
      source_value: v.deleted ? null : (v.data.source_value ?? null),
      ingredient_schedules: v.deleted ? null : (v.data.ingredient_schedules ?? null),
      verified_at: v.deleted ? null : (v.data.verified_at ?? null),
      changed_by: v.changed_by,
      reason: v.reason,
      rollback_to: v.rollback_to,
      import_id: v.import_id,
    },
  } as CanonicalEvent;
}

/**
 * Schedule versions with a change event that the ledger does not hold yet (oldest first), written before
 * `olderThan` so that the publish that follows a commit is not raced.
 */
export async function unrecordedChangeVersions(exec: Executor, olderThan: Date, limit: number): Promise<VersionRow[]> {
  const spec = SPECS.schedules;
  const rows = await query(
    exec,
    sql`select v.key, v.version, v.op, v.deleted, v.changed_by, ${isoOf(sql`v.changed_at`)} as changed_at, v.reason, v.previous, v.rollback_to,
               v.import_id, v.ndc11, v.schedule, v.ingredient_schedules, v.source, v.source_value, ${isoOf(sql`v.verified_at`)} as verified_at,
               v.change_event_id, v.change_event_key
        from mapping_schedule_versions v
        where v.change_event_key is not null and v.changed_at < ${olderThan.toISOString()}
          and not exists (select 1 from ledger l where l.idempotency_key = v.change_event_key)
        order by v.changed_at, v.key, v.version limit ${limit}`,
  );
  return rows.map((r) => toVersionRow(spec, r));
}
