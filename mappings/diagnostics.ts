import { sql } from 'drizzle-orm';
import type { Store } from '../gateway/store/db.ts';
import { pendingTotals } from './pending/store.ts';
import type { CachedDrugResolver } from './resolver.ts';
import { isoOf, query } from './sql.ts';

/**
 * The health of the mapping tables, for GET /api/mappings/diagnostics and the Prometheus gauges:
 *
 * - schedule match rate: current drugs with a DEA schedule mapping / current drugs (source documents ask ≥ 99.8 %);
 * - unclassified controlled substances (must be 0): drugs the FDA directory lists with a DEASCHEDULE that have no
 *   schedule mapping, or are mapped NC;
 * - schedule mappings not verified in the last 24 h (by their own verified_at or a later confirmation);
 * - pending (unmapped) codes still open, and the events parked on them.
 */

export const MATCH_RATE_GOAL = 0.998;
const SAMPLE = 20;

export interface Diagnostics {
  generated_at: string;
  drugs: number;
  schedule_match: { matched: number; total: number; rate: number; goal: number; meets_goal: boolean };
  unclassified_controlled: { count: number; goal: 0; entries: { ndc11: string; fda_dea_schedule: string; schedule: string | null }[] };
  unverified_24h: { count: number; entries: { ndc11: string; schedule: string; source: string; verified_at: string | null }[] };
  pending: { open: number; waiting_events: number; codes_with_waiting: number; top: { id: number; system: string; facility_id: string; code: string; display: string | null; waiting: number }[] };
  resolver_cache: { drugs: number; schedules: number; codes: number; rxnorm: number };
}

const current = (table: string) => sql.raw(`(select distinct on (key) * from ${table} order by key, version desc)`);

export async function diagnostics(store: Store, resolver: CachedDrugResolver, now: Date = new Date()): Promise<Diagnostics> {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const drugs = current('mapping_drug_versions');
  const schedules = current('mapping_schedule_versions');
  const [counts] = await query<{ drugs: number; matched: number }>(
    store.db,
    sql`select count(*)::int as drugs, count(s.key)::int as matched
        from ${drugs} d left join ${schedules} s on s.key = d.key and not s.deleted where not d.deleted`,
  );
  const unclassified = await query<{ ndc11: string; fda_dea_schedule: string; schedule: string | null; n: number }>(
    store.db,
    sql`select d.key as ndc11, d.fda_dea_schedule, s.schedule, count(*) over ()::int as n
        from ${drugs} d left join ${schedules} s on s.key = d.key and not s.deleted
        where not d.deleted and coalesce(trim(d.fda_dea_schedule), '') <> '' and (s.key is null or s.schedule = 'NC')
        order by d.key limit ${SAMPLE}`,
  );
  const unverified = await query<{ ndc11: string; schedule: string; source: string; verified_at: string | null; n: number }>(
    store.db,
    sql`select s.key as ndc11, s.schedule, s.source, ${isoOf(sql`greatest(s.verified_at, v.verified_at)`)} as verified_at, count(*) over ()::int as n
        from ${schedules} s left join mapping_schedule_verifications v on v.ndc11 = s.key
        where not s.deleted and (greatest(s.verified_at, v.verified_at) is null or greatest(s.verified_at, v.verified_at) < ${dayAgo})
        order by greatest(s.verified_at, v.verified_at) nulls first, s.key limit ${SAMPLE}`,
  );
  const totals = await pendingTotals(store.db);
  const top = await query<{ id: number; system: string; facility_id: string; code: string; display: string | null; waiting: number }>(
    store.db,
    sql`select p.id, p.system, p.facility_id, p.code, p.display, count(e.id)::int as waiting
        from mapping_pending_codes p join mapping_parked_events e on e.pending_id = p.id and e.released_at is null
        group by p.id order by waiting desc, p.id limit ${SAMPLE}`,
  );
  const total = Number(counts!.drugs);
  const matched = Number(counts!.matched);
  const rate = total === 0 ? 1 : matched / total;
  return {
    generated_at: now.toISOString(),
    drugs: total,
    schedule_match: { matched, total, rate, goal: MATCH_RATE_GOAL, meets_goal: rate >= MATCH_RATE_GOAL },
    unclassified_controlled: {
      count: Number(unclassified[0]?.n ?? 0),
      goal: 0,
      entries: unclassified.map(({ ndc11, fda_dea_schedule, schedule }) => ({ ndc11, fda_dea_schedule, schedule })),
    },
    unverified_24h: {
      count: Number(unverified[0]?.n ?? 0),
      entries: unverified.map(({ ndc11, schedule, source, verified_at }) => ({ ndc11, schedule, source, verified_at })),
    },
    pending: { ...totals, top: top.map((t) => ({ ...t, id: Number(t.id), waiting: Number(t.waiting) })) },
    resolver_cache: resolver.stats(),
  };
}
