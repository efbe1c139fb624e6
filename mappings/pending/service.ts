import type { Logger } from 'pino';
import type { Store } from '../../gateway/store/db.ts';
import { MappingInputError } from '../errors.ts';
import { parseNdc } from '../ndc.ts';
import { parseSchedule, type DeaSchedule } from '../schedule.ts';
import { ConflictError, NotFoundError, ValidationError } from '../service-errors.ts';
import type { ChangeResult, MappingService } from '../service.ts';
import type { ChangeContext } from '../versioning.ts';
import { NO_CODE_SYSTEM } from './keys.ts';
import type { ParkedReleaser, ReleaseOutcome } from './release.ts';
import { getPending, listPending, markResolved, parkedOf, type ParkedEvent, type PendingEntry, type PendingListQuery } from './store.ts';
import { DrugTextIndex, suggest, type Suggestion } from './suggest.ts';

/**
 * The pending queue: codes that arrived unmapped, the events waiting on each, suggestions, and the one-click
 * resolution. Like MappingService it is called by the HTTP routes and by the UI directly.
 *
 * Resolving a pending code to an NDC-11 writes ordinary, versioned mapping changes (with the analyst's reason):
 * the drug when the tables do not have it, its DEA schedule when one is given (required when it has none), and a
 * code mapping from the pending code to the NDC-11 (unless the pending code is that NDC-11 itself). Then the
 * pending entry is marked resolved and its parked events are released in their original order. Each step is an
 * idempotent upsert, so a resolution interrupted half-way can simply be sent again.
 */

export interface ResolveInput {
  /** the drug the code means, in any unambiguous NDC form */
  ndc11: string;
  /** its DEA schedule: required when the tables have none for it; when given and different, it is updated */
  schedule?: string;
  /** fields of the drug to create when the tables do not know the NDC yet (description, names, …) */
  drug?: Record<string, unknown>;
}

export interface ResolveResult {
  pending: PendingEntry;
  /** the mapping changes the resolution wrote, in order */
  changes: ChangeResult[];
  release: ReleaseOutcome;
}

export interface PendingDetail extends PendingEntry {
  /** the first parked events (ids and where they came from; the bodies stay in the store) */
  events: Pick<ParkedEvent, 'event_id' | 'stream_seq' | 'facility_id' | 'type' | 'parked_at' | 'released_at' | 'released_class'>[];
}

export class PendingService {
  private index: { generation: number; index: DrugTextIndex } | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      mappings: MappingService;
      releaser: ParkedReleaser;
      logger: Logger;
    },
  ) {}

  list(q: PendingListQuery): Promise<{ entries: PendingEntry[]; next_after?: number }> {
    return listPending(this.deps.store.db, q);
  }

  async get(id: number): Promise<PendingDetail> {
    const pending = await getPending(this.deps.store.db, id);
    if (!pending) throw new NotFoundError(`no pending code ${id}`);
    const events = (await parkedOf(this.deps.store.db, id, 100)).map(({ event_id, stream_seq, facility_id, type, parked_at, released_at, released_class }) => ({
      event_id,
      stream_seq,
      facility_id,
      type,
      parked_at,
      released_at,
      released_class,
    }));
    return { ...pending, events };
  }

  /** Known drugs the code most likely means, best first; `text` searches with the analyst's own words too. */
  async suggestions(id: number, opts: { text?: string; limit?: number } = {}): Promise<Suggestion[]> {
    const pending = await getPending(this.deps.store.db, id);
    if (!pending) throw new NotFoundError(`no pending code ${id}`);
    const resolver = this.deps.mappings.resolver;
    if (!this.index || this.index.generation !== resolver.generation) {
      const drugs = [...resolver.drugs()].map((d) => ({ ...d, schedule: resolver.lookup(d.ndc11)?.schedule ?? null }));
      this.index = { generation: resolver.generation, index: new DrugTextIndex(drugs) };
    }
    const index = this.index.index;
    const text = [opts.text, pending.display].filter((t): t is string => !!t && t.trim() !== '').join(' ');
    return suggest(
      { system: pending.system, code: pending.system === NO_CODE_SYSTEM ? '' : pending.code, text },
      index,
      (ndc11) => {
        const c = resolver.lookup(ndc11);
        return c?.drug ? { ...c.drug, schedule: c.schedule ?? null } : undefined;
      },
      opts.limit ?? 10,
    );
  }

  resolve(id: number, input: ResolveInput, ctx: ChangeContext): Promise<ResolveResult> {
    return this.deps.releaser.holding(id, () => this.resolveHeld(id, input, ctx));
  }

  private async resolveHeld(id: number, input: ResolveInput, ctx: ChangeContext): Promise<ResolveResult> {
    const pending = await getPending(this.deps.store.db, id);
    if (!pending) throw new NotFoundError(`no pending code ${id}`);
    if (pending.status === 'resolved' && pending.waiting === 0) {
      throw new ConflictError('already_resolved', `pending code ${id} was resolved by ${pending.resolved_by} and has no events waiting`);
    }
    // Everything is checked before anything is written.
    const problems = [];
    let ndc11 = '';
    try {
      ndc11 = parseNdc(String(input.ndc11 ?? ''), 'ndc11').ndc11;
    } catch (err) {
      problems.push((err as MappingInputError).toIssue());
    }
    let schedule: DeaSchedule | undefined;
    if (input.schedule !== undefined && input.schedule !== null && String(input.schedule).trim() !== '') {
      try {
        schedule = parseSchedule(String(input.schedule));
      } catch (err) {
        problems.push((err as MappingInputError).toIssue());
      }
    }
    if (typeof ctx.reason !== 'string' || ctx.reason.trim() === '') problems.push({ field: 'reason', code: 'required', message: 'say why (it is kept with the mapping versions)' });
    if (problems.length > 0) throw new ValidationError(problems);

    const m = this.deps.mappings;
    const drug = await m.get('drugs', ndc11);
    if (!drug) {
      try {
        m.validate('drugs', { ...(input.drug ?? {}), ndc11: input.ndc11 });
      } catch (err) {
        if (err instanceof ValidationError) throw new ValidationError(err.problems.map((p) => ({ ...p, field: p.field === 'ndc11' ? 'ndc11' : `drug.${p.field}` })));
        throw err;
      }
    }
    const currentSchedule = await m.get('schedules', ndc11);
    if (!schedule && !currentSchedule) {
      throw new ValidationError([{ field: 'schedule', code: 'required', message: `${ndc11} has no DEA schedule yet: give one (II, III, IV, V or NC)` }]);
    }

    const changes: ChangeResult[] = [];
    if (!drug) changes.push(await m.create('drugs', { ...(input.drug ?? {}), ndc11: input.ndc11 }, ctx));
    if (schedule && !currentSchedule) changes.push(await m.create('schedules', { ndc11, schedule, source: 'manual' }, ctx));
    else if (schedule && currentSchedule && currentSchedule.data.schedule !== schedule) {
      changes.push(await m.update('schedules', ndc11, { schedule, source: 'manual', ingredient_schedules: null }, ctx));
    }
    const isTheNdcItself = pending.system === 'NDC' && pending.code === ndc11;
    if (!isTheNdcItself && pending.system !== NO_CODE_SYSTEM) {
      const key = `${pending.system}|${pending.facility_id}|${pending.code}`;
      const existing = await m.get('codes', key);
      if (!existing) {
        changes.push(await m.create('codes', { system: pending.system, facility_id: pending.facility_id, code: pending.code, ndc11, display: pending.display }, ctx));
      } else if (existing.data.ndc11 !== ndc11) {
        changes.push(await m.update('codes', key, { ndc11 }, ctx));
      }
    }
    const resolution = { ndc11, schedule: schedule ?? currentSchedule?.data.schedule ?? null, reason: ctx.reason, versions: changes.map((c) => ({ table: c.entry?.table, key: c.entry?.key, version: c.version.version })) };
    await markResolved(this.deps.store.db, id, resolution, ctx.actor, new Date().toISOString());
    const release = await this.deps.releaser.release(id);
    this.deps.logger.info({ pending_id: id, ndc11, released: release.released, actor: ctx.actor }, 'pending code resolved');
    return { pending: (await getPending(this.deps.store.db, id))!, changes, release };
  }
}
