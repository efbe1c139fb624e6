import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { CanonicalEvent } from '../gateway/events/schema.ts';
import type { Accepted } from '../gateway/intake/accept.ts';
import type { Store } from '../gateway/store/db.ts';
import { changeEventIdentity, scheduleChangeEvent, scheduleChanged, unrecordedChangeVersions } from './change-events.ts';
import { storableText } from './entities/fields.ts';
import { FDA_SOURCE, SPECS, type EntityData, type EntitySpec, type TableName } from './entities/index.ts';
import { readFdaDirectory, type FdaDirectoryFiles } from './import-fda.ts';
import { exportCsv, readCsvImport } from './import-csv.ts';
import { countLines, emptyCounts, planImport, problemLines, type ImportCandidate, type ImportCounts, type LineStatus, type PlannedLine } from './import-plan.ts';
import {
  appendVersions,
  historyOf,
  latestVersion,
  latestVersions,
  listCurrent,
  loadAllCurrent,
  VersionConflictError,
  versionOf,
  type ListQuery,
} from './repository.ts';
import type { CachedDrugResolver, DrugCode, DrugResolution, ResolverDrugRow } from './resolver.ts';
import type { DeaSchedule } from './schedule.ts';
import { importRuns, scheduleVerifications } from './schema.ts';
import { ConflictError, NotFoundError, ValidationError } from './service-errors.ts';
import { insertRecords, query, type Executor } from './sql.ts';
import { changedKeyFields, sameData, versionChanges, type ChangeContext, type FieldChange, type VersionRow } from './versioning.ts';
import { zodProblems } from './zod-problems.ts';

/**
 * The mapping service: every read and change of the mapping tables, for the HTTP API and for the web UI alike
 * (the UI calls these methods directly; it never needs HTTP to itself). Roles are checked by the caller
 * (permissions.ts says which role may do what); the service records who did it (`ctx.actor`) and why.
 *
 * A change is one transaction that appends a version; after the commit the resolver cache is updated at once, a
 * schedule change is published as a `mapping.change` compliance event (single changes wait for it to reach the
 * configured ack point; imports publish in the background), and change listeners (the pending-code sweeper) are told.
 */

export interface Entry {
  table: TableName;
  key: string;
  version: number;
  op: VersionRow['op'];
  changed_at: string;
  changed_by: string;
  reason: string;
  data: EntityData;
  /** schedules: the later of the version's verified_at and the last confirmation without change */
  last_verified_at?: string | null;
}

export interface HistoryItem {
  version: number;
  op: VersionRow['op'];
  deleted: boolean;
  changed_by: string;
  changed_at: string;
  reason: string;
  rollback_to: number | null;
  import_id: number | null;
  data: EntityData;
  previous: EntityData | null;
  /** what this version changed relative to the one before it */
  changes: FieldChange[];
  /** schedules: the id of the mapping.change event of this version, when it changed the schedule */
  change_event_id?: string | null;
}

export interface ComplianceEventOutcome {
  event_id: string;
  idempotency_key: string;
  /** recorded: in the ledger (ack point ledger); published: on the bus (ack point bus); pending: left to the sweeper */
  status: 'recorded' | 'published' | 'pending';
  ledger?: { chain: string; seq: number };
  error?: string;
}

export interface ChangeResult {
  /** the entry after the change (null after a deletion) */
  entry: Entry | null;
  /** the version written, or the current one when nothing changed */
  version: HistoryItem;
  /** true when the input equalled the current entry and no version was written */
  unchanged?: true;
  compliance_event?: ComplianceEventOutcome;
}

export interface ReportLine {
  table: TableName;
  file?: string;
  line: number;
  key?: string;
  status: LineStatus;
  changes?: FieldChange[];
  errors?: PlannedLine['errors'];
  message?: string;
}

export interface ImportReport {
  kind: 'csv' | 'fda';
  dry_run: boolean;
  /** the import run (mapping_import_runs.id) once applied */
  import_id?: number;
  counts: ImportCounts;
  tables: Partial<Record<TableName, ImportCounts>>;
  /** lines with an error, skipped, added or changed (unchanged ones only when asked), in file order */
  lines: ReportLine[];
  /** set when more lines qualified than a report carries */
  lines_truncated?: true;
  /** mapping.change events the import produces (schedule changes) */
  compliance_events: number;
}

export interface ImportOptions {
  dryRun: boolean;
  /** list unchanged lines too (the counts always include them) */
  reportUnchanged?: boolean;
}

export interface MappingServiceDeps {
  store: Store;
  resolver: CachedDrugResolver;
  logger: Logger;
  /** facility_id (ledger chain) of mapping.change events */
  chain: string;
  /** hands events to the gateway's intake (acceptEvents); without it change events wait for the sweeper */
  publish?: (events: CanonicalEvent[]) => Promise<Accepted[]>;
  now?: () => Date;
}

const MAX_REPORT_LINES = 5000;
const PUBLISH_CHUNK = 500;

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toHistoryItem(spec: EntitySpec, v: VersionRow): HistoryItem {
  return {
    version: v.version,
    op: v.op,
    deleted: v.deleted,
    changed_by: v.changed_by,
    changed_at: v.changed_at,
    reason: v.reason,
    rollback_to: v.rollback_to,
    import_id: v.import_id,
    data: v.data,
    previous: v.previous,
    changes: versionChanges(spec, v),
    ...(spec.table === 'schedules' ? { change_event_id: (v.extra.change_event_id as string | null | undefined) ?? null } : {}),
  };
}

function toEntry(spec: EntitySpec, v: VersionRow): Entry {
  return { table: spec.table, key: v.key, version: v.version, op: v.op, changed_at: v.changed_at, changed_by: v.changed_by, reason: v.reason, data: v.data };
}

function requireReason(ctx: ChangeContext): void {
  const problems = [];
  if (typeof ctx.reason !== 'string' || ctx.reason.trim().length === 0) problems.push({ field: 'reason', code: 'required', message: 'say why (it is kept with the version)' });
  else if (ctx.reason.length > 500) problems.push({ field: 'reason', code: 'too_big', message: 'at most 500 characters' });
  else if (!storableText(ctx.reason)) problems.push({ field: 'reason', code: 'invalid', message: 'must not contain NUL characters or unpaired surrogates' });
  if (problems.length > 0) throw new ValidationError(problems);
}

export class MappingService {
  private readonly listeners = new Set<(tables: TableName[]) => void>();
  private readonly now: () => Date;

  constructor(private readonly deps: MappingServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get resolver(): CachedDrugResolver {
    return this.deps.resolver;
  }

  /** Called after every committed change (the pending-code sweeper listens here). Returns an unsubscribe. */
  onChange(listener: (tables: TableName[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  spec(table: TableName): EntitySpec {
    return SPECS[table];
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  async list(table: TableName, q: ListQuery): Promise<{ entries: Entry[]; next_after?: string }> {
    const spec = SPECS[table];
    const page = await listCurrent(this.deps.store.db, spec, q);
    const entries = page.entries.map((v) => toEntry(spec, v));
    if (table === 'schedules') await this.addVerification(entries);
    return page.next_after !== undefined ? { entries, next_after: page.next_after } : { entries };
  }

  /** The current entry, or undefined when it does not exist or was deleted. */
  async get(table: TableName, key: string): Promise<Entry | undefined> {
    const spec = SPECS[table];
    const v = await latestVersion(this.deps.store.db, spec, key);
    if (!v || v.deleted) return undefined;
    const entry = toEntry(spec, v);
    if (table === 'schedules') await this.addVerification([entry]);
    return entry;
  }

  /** Every version of an entry, oldest first; NotFoundError when the key never existed. */
  async history(table: TableName, key: string): Promise<HistoryItem[]> {
    const spec = SPECS[table];
    const versions = await historyOf(this.deps.store.db, spec, key);
    if (versions.length === 0) throw new NotFoundError(`no ${spec.entity} ${key}`);
    return versions.map((v) => toHistoryItem(spec, v));
  }

  async version(table: TableName, key: string, version: number): Promise<HistoryItem> {
    const spec = SPECS[table];
    const v = await versionOf(this.deps.store.db, spec, key, version);
    if (!v) throw new NotFoundError(`${spec.entity} ${key} has no version ${version}`);
    return toHistoryItem(spec, v);
  }

  /** Resolves drug codes from the cache, with what the cache knows of the drug it found. */
  lookup(codes: DrugCode[], facilityId: string): DrugResolution & { details?: ResolverDrugRow } {
    const resolution = this.deps.resolver.resolve(codes, facilityId);
    const details = resolution.drug.ndc11 ? this.deps.resolver.lookup(resolution.drug.ndc11)?.drug : undefined;
    return details ? { ...resolution, details } : resolution;
  }

  // ---- changes -----------------------------------------------------------------------------------------------

  /** Validates and normalises an entry without writing it: what a form shows beside its fields. */
  validate(table: TableName, input: unknown): EntityData {
    const spec = SPECS[table];
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ValidationError([{ field: '(body)', code: 'invalid', message: 'expected an object of fields' }]);
    }
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) throw new ValidationError(zodProblems(parsed.error));
    return parsed.data;
  }

  async create(table: TableName, input: unknown, ctx: ChangeContext): Promise<ChangeResult> {
    requireReason(ctx);
    const spec = SPECS[table];
    const data = this.validate(table, input);
    const key = spec.keyOf(data);
    const now = this.now();
    const v = await this.write(spec, key, async (tx) => {
      const latest = await latestVersion(tx, spec, key);
      if (latest && !latest.deleted) throw new ConflictError('exists', `${spec.entity} ${key} exists (version ${latest.version}); update it instead`, { key, version: latest.version });
      return this.buildVersion(spec, key, latest, 'create', data, false, ctx, now);
    });
    return this.finish(spec, v, ctx);
  }

  async update(table: TableName, key: string, patch: unknown, ctx: ChangeContext, opts: { expectedVersion?: number } = {}): Promise<ChangeResult> {
    requireReason(ctx);
    const spec = SPECS[table];
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ValidationError([{ field: '(body)', code: 'invalid', message: 'expected an object of the fields to change' }]);
    }
    const now = this.now();
    let unchangedAt: VersionRow | undefined;
    const v = await this.write(spec, key, async (tx) => {
      const latest = await this.current(tx, spec, key, opts.expectedVersion);
      const merged: Record<string, unknown> = { ...latest.data, ...(patch as Record<string, unknown>) };
      let mergedKey: string | undefined;
      try {
        mergedKey = spec.keyOfInput(merged);
      } catch {
        // the full validation below names the field
      }
      if (mergedKey !== undefined && mergedKey !== key) {
        throw new ValidationError(
          spec.keyFields.filter((f) => f in (patch as object)).map((f) => ({ field: f, code: 'key_change', message: `${f} is part of the key and cannot change; create a new entry instead` })),
        );
      }
      // An analyst who edits a schedule mapping vouches for it now, unless they say when it was verified.
      if (table === 'schedules' && !('verified_at' in (patch as object))) merged.verified_at = null;
      const data = this.validate(table, merged);
      const moved = changedKeyFields(spec, latest.data, data);
      if (moved.length > 0) {
        throw new ValidationError(moved.map((f) => ({ field: f, code: 'key_change', message: `${f} is part of the key and cannot change; create a new entry instead` })));
      }
      if (sameData(spec, latest.data, data)) {
        unchangedAt = latest;
        return undefined;
      }
      return this.buildVersion(spec, key, latest, 'update', data, false, ctx, now);
    });
    if (!v) return { entry: toEntry(spec, unchangedAt!), version: toHistoryItem(spec, unchangedAt!), unchanged: true };
    return this.finish(spec, v, ctx);
  }

  async remove(table: TableName, key: string, ctx: ChangeContext, opts: { expectedVersion?: number } = {}): Promise<ChangeResult> {
    requireReason(ctx);
    const spec = SPECS[table];
    const now = this.now();
    const v = await this.write(spec, key, async (tx) => {
      const latest = await this.current(tx, spec, key, opts.expectedVersion);
      return this.buildVersion(spec, key, latest, 'delete', latest.data, true, ctx, now);
    });
    return this.finish(spec, v, ctx);
  }

  /** Restores the values of an earlier version as a new version (a rollback is itself a change). */
  async rollback(table: TableName, key: string, toVersion: number, ctx: ChangeContext, opts: { expectedVersion?: number } = {}): Promise<ChangeResult> {
    requireReason(ctx);
    const spec = SPECS[table];
    const now = this.now();
    const v = await this.write(spec, key, async (tx) => {
      const latest = await latestVersion(tx, spec, key);
      if (!latest) throw new NotFoundError(`no ${spec.entity} ${key}`);
      if (opts.expectedVersion !== undefined && latest.version !== opts.expectedVersion) {
        throw new ConflictError('version_mismatch', `${spec.entity} ${key} is at version ${latest.version}, not ${opts.expectedVersion}`, { key, version: latest.version });
      }
      const target = await versionOf(tx, spec, key, toVersion);
      if (!target) throw new NotFoundError(`${spec.entity} ${key} has no version ${toVersion}`);
      if (target.version === latest.version || (target.deleted && latest.deleted) || (!target.deleted && !latest.deleted && sameData(spec, target.data, latest.data))) {
        throw new ConflictError('already_current', `version ${toVersion} of ${spec.entity} ${key} is what it holds now; nothing to roll back`, { key, version: latest.version });
      }
      if (target.deleted) return this.buildVersion(spec, key, latest, 'rollback', latest.data, true, ctx, now, { rollback_to: toVersion });
      let data: EntityData;
      try {
        data = this.validate(table, table === 'schedules' ? { ...target.data, verified_at: null } : target.data);
      } catch (err) {
        if (err instanceof ValidationError) throw new ValidationError(err.problems, `version ${toVersion} no longer passes validation: ${err.message}`);
        throw err;
      }
      return this.buildVersion(spec, key, latest, 'rollback', data, false, ctx, now, { rollback_to: toVersion });
    });
    return this.finish(spec, v, ctx);
  }

  /** Confirms a schedule mapping against its source without changing it (no version; see schema.ts). */
  async verifySchedule(ndc11: string, ctx: Pick<ChangeContext, 'actor'>, source = 'manual'): Promise<Entry> {
    const entry = await this.get('schedules', ndc11);
    if (!entry) throw new NotFoundError(`no schedule mapping ${ndc11}`);
    const now = this.now().toISOString();
    await insertRecords(this.deps.store.db, scheduleVerifications, [{ ndc11, verified_at: now, verified_by: ctx.actor, source }], {
      onConflict: sql` on conflict (ndc11) do update set verified_at = excluded.verified_at, verified_by = excluded.verified_by, source = excluded.source`,
    });
    return { ...entry, last_verified_at: now };
  }

  // ---- import and export -------------------------------------------------------------------------------------

  async exportCsv(table: TableName): Promise<string> {
    const spec = SPECS[table];
    const current = await loadAllCurrent(this.deps.store.db, spec);
    return exportCsv(spec, [...current.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }

  async importCsv(table: TableName, text: string, opts: ImportOptions & { fileName?: string }, ctx: ChangeContext): Promise<ImportReport> {
    const spec = SPECS[table];
    const fileName = opts.fileName ?? `${table}.csv`;
    const { candidates, problems } = readCsvImport(spec, text, fileName);
    return this.runImport(
      { kind: 'csv', label: table, files: [{ name: fileName, sha256: sha256(text), bytes: Buffer.byteLength(text) }], parts: [{ spec, candidates }], problems: problemLines(table, problems) },
      opts,
      ctx,
    );
  }

  /** The FDA NDC Directory's product.txt and/or package.txt (see import-fda.ts). */
  async importFda(files: FdaDirectoryFiles, opts: ImportOptions, ctx: ChangeContext): Promise<ImportReport> {
    const now = this.now();
    let byProduct: Map<string, string[]> | undefined;
    if (!files.package && files.product) {
      byProduct = new Map();
      for (const v of (await loadAllCurrent(this.deps.store.db, SPECS.drugs)).values()) {
        const p9 = v.key.slice(0, 9);
        const list = byProduct.get(p9);
        if (list) list.push(v.key);
        else byProduct.set(p9, [v.key]);
      }
    }
    const read = readFdaDirectory(files, { verifiedAt: now.toISOString(), existingPackages: (p9) => byProduct?.get(p9) ?? [] });
    const scheduleProblems = read.problems.filter((p) => p.field === 'DEASCHEDULE');
    const drugProblems = read.problems.filter((p) => p.field !== 'DEASCHEDULE');
    const fileList = [files.product, files.package]
      .filter((f): f is NonNullable<typeof f> => f !== undefined)
      .map((f) => ({ name: f.name, sha256: sha256(f.bytes), bytes: f.bytes.length }));
    return this.runImport(
      {
        kind: 'fda',
        label: 'drugs+schedules',
        files: fileList,
        parts: [
          { spec: SPECS.drugs, candidates: read.drugs },
          { spec: SPECS.schedules, candidates: read.schedules },
        ],
        problems: [...problemLines('drugs', drugProblems), ...problemLines('schedules', scheduleProblems)],
        verifyUnchangedSchedules: true,
      },
      opts,
      ctx,
      now,
    );
  }

  private async runImport(
    job: {
      kind: 'csv' | 'fda';
      label: string;
      files: { name: string; sha256: string; bytes: number }[];
      parts: { spec: EntitySpec; candidates: ImportCandidate[] }[];
      problems: PlannedLine[];
      verifyUnchangedSchedules?: boolean;
    },
    opts: ImportOptions,
    ctx: ChangeContext,
    now = this.now(),
  ): Promise<ImportReport> {
    if (!opts.dryRun) requireReason(ctx);
    const plan = async (exec: Executor): Promise<PlannedLine[]> => {
      const lines = [...job.problems];
      for (const part of job.parts) {
        const keys = new Set<string>();
        for (const c of part.candidates) {
          try {
            keys.add(part.spec.keyOfInput(c.input));
          } catch {
            // reported by planImport
          }
        }
        const current = await latestVersions(exec, part.spec, [...keys]);
        lines.push(...planImport(part.spec, part.candidates, current));
      }
      return lines;
    };

    if (opts.dryRun) {
      const lines = await plan(this.deps.store.db);
      return this.report(job.kind, true, lines, opts, undefined, countEvents(lines));
    }

    const written: { spec: EntitySpec; versions: VersionRow[] }[] = [];
    let importId = 0;
    let planned: PlannedLine[] = [];
    try {
      await this.deps.store.db.transaction(async (tx) => {
        planned = await plan(tx);
        written.length = 0;
        const tables: Partial<Record<TableName, ImportCounts>> = {};
        for (const l of planned) countLines([l], (tables[l.table] ??= emptyCounts()));
        const [run] = await insertRecords(
          tx,
          importRuns,
          [{ kind: job.kind, table_name: job.label, started_at: now.toISOString(), actor: ctx.actor, reason: ctx.reason, files: job.files, counts: tables }],
          { returning: ['id'] },
        );
        importId = Number(run!.id);
        for (const part of job.parts) {
          const versions = planned
            .filter((l) => l.table === part.spec.table && (l.status === 'added' || l.status === 'changed'))
            .map((l) => this.buildVersion(part.spec, l.key!, l.current, 'import', l.data!, false, ctx, now, { import_id: importId }));
          await appendVersions(tx, part.spec, versions);
          written.push({ spec: part.spec, versions });
        }
        if (job.verifyUnchangedSchedules) {
          const confirmed = planned
            .filter((l) => l.table === 'schedules' && l.status === 'unchanged' && l.current?.data.source === FDA_SOURCE)
            .map((l) => ({ ndc11: l.key!, verified_at: now.toISOString(), verified_by: ctx.actor, source: FDA_SOURCE }));
          await insertRecords(tx, scheduleVerifications, confirmed, {
            onConflict: sql` on conflict (ndc11) do update set verified_at = excluded.verified_at, verified_by = excluded.verified_by, source = excluded.source`,
          });
        }
      });
    } catch (err) {
      if (err instanceof VersionConflictError) throw new ConflictError('concurrent_change', `the import met a change made at the same time (${err.message}); run it again`);
      throw err;
    }
    let events = 0;
    for (const w of written) events += (await this.afterCommit(w.spec, w.versions, ctx, false)).length;
    this.deps.logger.info({ import_id: importId, kind: job.kind, counts: countLines(planned), compliance_events: events, actor: ctx.actor }, 'mapping import applied');
    return this.report(job.kind, false, planned, opts, importId, events);
  }

  private report(kind: 'csv' | 'fda', dryRun: boolean, lines: PlannedLine[], opts: ImportOptions, importId: number | undefined, events: number): ImportReport {
    const tables: Partial<Record<TableName, ImportCounts>> = {};
    for (const l of lines) countLines([l], (tables[l.table] ??= emptyCounts()));
    const listed: ReportLine[] = [];
    let truncated = false;
    const sorted = [...lines].sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
    for (const l of sorted) {
      if (l.status === 'unchanged' && !opts.reportUnchanged) continue;
      if (listed.length >= MAX_REPORT_LINES) {
        truncated = true;
        break;
      }
      listed.push({
        table: l.table,
        ...(l.file !== undefined ? { file: l.file } : {}),
        line: l.line,
        ...(l.key !== undefined ? { key: l.key } : {}),
        status: l.status,
        ...(l.changes && l.changes.length > 0 ? { changes: l.changes } : {}),
        ...(l.errors ? { errors: l.errors } : {}),
        ...(l.message ? { message: l.message } : {}),
      });
    }
    return {
      kind,
      dry_run: dryRun,
      ...(importId !== undefined ? { import_id: importId } : {}),
      counts: countLines(lines),
      tables,
      lines: listed,
      ...(truncated ? { lines_truncated: true as const } : {}),
      compliance_events: events,
    };
  }

  // ---- compliance events -------------------------------------------------------------------------------------

  /**
   * Publishes the change events of schedule versions the ledger does not hold (written more than `graceMs` ago):
   * what the background sweeper runs. Returns how many it handed to the intake.
   */
  async republishUnrecorded(opts: { graceMs?: number; limit?: number } = {}): Promise<number> {
    if (!this.deps.publish) return 0;
    const versions = await unrecordedChangeVersions(this.deps.store.db, new Date(this.now().getTime() - (opts.graceMs ?? 30_000)), opts.limit ?? 1000);
    if (versions.length === 0) return 0;
    const events = versions.map((v) => scheduleChangeEvent(v, { chain: this.deps.chain, receivedAt: this.now() }));
    for (let i = 0; i < events.length; i += PUBLISH_CHUNK) await this.deps.publish(events.slice(i, i + PUBLISH_CHUNK));
    this.deps.logger.info({ events: events.length }, 'republished mapping.change events the ledger did not hold');
    return events.length;
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  private async current(exec: Executor, spec: EntitySpec, key: string, expectedVersion?: number): Promise<VersionRow> {
    const latest = await latestVersion(exec, spec, key);
    if (!latest || latest.deleted) throw new NotFoundError(`no ${spec.entity} ${key}`);
    if (expectedVersion !== undefined && latest.version !== expectedVersion) {
      throw new ConflictError('version_mismatch', `${spec.entity} ${key} is at version ${latest.version}, not ${expectedVersion}; read it again`, { key, version: latest.version });
    }
    return latest;
  }

  /** One transaction that decides and appends one version (or nothing); a concurrent writer is a 409. */
  private async write(spec: EntitySpec, key: string, decide: (tx: Executor) => Promise<VersionRow | undefined>): Promise<VersionRow | undefined> {
    try {
      return await this.deps.store.db.transaction(async (tx) => {
        const v = await decide(tx);
        if (v) await appendVersions(tx, spec, [v]);
        return v;
      });
    } catch (err) {
      if (err instanceof VersionConflictError) throw new ConflictError('concurrent_change', `${spec.entity} ${key} was changed at the same time by someone else; read it again and retry`, { key });
      throw err;
    }
  }

  private buildVersion(
    spec: EntitySpec,
    key: string,
    latest: VersionRow | undefined,
    op: VersionRow['op'],
    data: EntityData,
    deleted: boolean,
    ctx: ChangeContext,
    now: Date,
    extra: { rollback_to?: number; import_id?: number } = {},
  ): VersionRow {
    const changedAt = now.toISOString();
    const v: VersionRow = {
      key,
      version: (latest?.version ?? 0) + 1,
      op,
      deleted,
      changed_by: ctx.actor,
      changed_at: changedAt,
      reason: ctx.reason,
      previous: latest && !latest.deleted ? latest.data : null,
      rollback_to: extra.rollback_to ?? null,
      import_id: extra.import_id ?? null,
      data: spec.table === 'schedules' && !deleted && (data.verified_at ?? null) === null ? { ...data, verified_at: changedAt } : data,
      extra: {},
    };
    if (spec.table === 'schedules') {
      const identity = scheduleChanged(v.previous, v) ? changeEventIdentity(v) : undefined;
      v.extra = { change_event_id: identity?.id ?? null, change_event_key: identity?.key ?? null };
    }
    return v;
  }

  private async finish(spec: EntitySpec, v: VersionRow | undefined, ctx: ChangeContext): Promise<ChangeResult> {
    if (!v) throw new Error('no version was written');
    const [event] = await this.afterCommit(spec, [v], ctx, true);
    this.deps.logger.info({ table: spec.table, key: v.key, version: v.version, op: v.op, actor: ctx.actor }, 'mapping changed');
    return {
      entry: v.deleted ? null : toEntry(spec, v),
      version: toHistoryItem(spec, v),
      ...(event ? { compliance_event: event } : {}),
    };
  }

  private applyToCache(spec: EntitySpec, versions: readonly VersionRow[]): void {
    const r = this.deps.resolver;
    for (const v of versions) {
      if (spec.table === 'drugs') r.applyDrug(v.key, v.deleted ? null : (v.data as unknown as ResolverDrugRow));
      else if (spec.table === 'schedules') r.applySchedule(v.key, v.deleted ? null : (v.data.schedule as DeaSchedule));
      else if (spec.table === 'codes') {
        r.applyCode({ system: v.data.system as string, facility_id: v.data.facility_id as string, code: v.data.code as string }, v.deleted ? null : (v.data.ndc11 as string));
      }
    }
  }

  /** Cache, events, listeners. Returns the outcome of each change event (empty when published in the background). */
  private async afterCommit(spec: EntitySpec, versions: readonly VersionRow[], ctx: ChangeContext, wait: boolean): Promise<ComplianceEventOutcome[]> {
    this.applyToCache(spec, versions);
    for (const l of this.listeners) {
      try {
        l([spec.table]);
      } catch (err) {
        this.deps.logger.warn({ error: (err as Error).message }, 'mapping change listener failed');
      }
    }
    if (spec.table !== 'schedules') return [];
    const receivedAt = this.now();
    const events = versions
      .filter((v) => v.extra.change_event_id)
      .map((v) => scheduleChangeEvent(v, { chain: this.deps.chain, receivedAt, ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}) }));
    if (events.length === 0) return [];
    const pending = (error?: string): ComplianceEventOutcome[] =>
      events.map((e) => ({ event_id: e.id, idempotency_key: e.idempotency_key, status: 'pending' as const, ...(error ? { error } : {}) }));
    const publish = this.deps.publish;
    if (!publish) return pending('no intake configured; the sweeper publishes it');
    if (!wait) {
      void (async () => {
        for (let i = 0; i < events.length; i += PUBLISH_CHUNK) await publish(events.slice(i, i + PUBLISH_CHUNK));
      })().catch((err) => this.deps.logger.warn({ error: (err as Error).message, events: events.length }, 'mapping.change events not published yet; the sweeper retries'));
      return events.map((e) => ({ event_id: e.id, idempotency_key: e.idempotency_key, status: 'pending' as const }));
    }
    try {
      const accepted = await publish(events);
      return accepted.map((a, i) => ({
        event_id: events[i]!.id,
        idempotency_key: a.idempotency_key,
        status: a.ledger ? ('recorded' as const) : ('published' as const),
        ...(a.ledger ? { ledger: a.ledger } : {}),
      }));
    } catch (err) {
      this.deps.logger.warn({ error: (err as Error).message }, 'mapping.change event not confirmed; the sweeper retries');
      return pending((err as Error).message);
    }
  }

  private async addVerification(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = await query<{ ndc11: string; verified_at: string }>(
      this.deps.store.db,
      sql`select ndc11, to_char(verified_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as verified_at from mapping_schedule_verifications
          where ndc11 in (select jsonb_array_elements_text(${JSON.stringify(entries.map((e) => e.key))}::jsonb))`,
    );
    const confirmed = new Map(rows.map((r) => [r.ndc11, r.verified_at]));
    for (const e of entries) {
      const own = (e.data.verified_at as string | null) ?? null;
      const later = confirmed.get(e.key);
      e.last_verified_at = later && (!own || later > own) ? later : own;
    }
  }
}

function countEvents(lines: readonly PlannedLine[]): number {
  let n = 0;
  for (const l of lines) {
    if (l.table !== 'schedules' || (l.status !== 'added' && l.status !== 'changed')) continue;
    const before = l.current && !l.current.deleted ? (l.current.data.schedule ?? null) : null;
    if (before !== (l.data?.schedule ?? null)) n++;
  }
  return n;
}

