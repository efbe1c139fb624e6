import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { EntitySpec } from './entities/spec.ts';
import { sqlState, SQLSTATE } from '../gateway/store/pg-errors.ts';
import { col, insertRecords, isoOf, likePattern, query, type Executor } from './sql.ts';
import { pickData, type VersionRow } from './versioning.ts';

/**
 * Reading and appending versions of the mapping tables. The current state of an entry is its highest version
 * unless that one is a deletion; "current" queries take `DISTINCT ON (key) … ORDER BY key, version DESC`, which the
 * unique (key, version) index serves.
 */

/** Two writers added the same version of one entry: the later one must re-read and try again. */
export class VersionConflictError extends Error {
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`${table} entry ${key} was changed at the same time by someone else; read it again and retry`);
    this.name = 'VersionConflictError';
  }
}

const META = new Set(['key', 'version', 'op', 'deleted', 'changed_by', 'changed_at', 'reason', 'previous', 'rollback_to', 'import_id']);

function columnsOf(spec: EntitySpec): { name: string; timestamp: boolean }[] {
  const columns = getTableColumns(spec.dbTable) as Record<string, { name: string; getSQLType(): string }>;
  return Object.values(columns).map((c) => ({ name: c.name, timestamp: c.getSQLType().startsWith('timestamp') }));
}

/** The select list of a version table with timestamps as ISO text, columns read through alias `t`. */
function selectList(spec: EntitySpec): SQL {
  const parts = columnsOf(spec).map((c) => (c.timestamp ? sql`${isoOf(col('t', c.name))} as ${sql.raw(`"${c.name}"`)}` : col('t', c.name)));
  return sql.join(parts, sql`, `);
}

export function toVersionRow(spec: EntitySpec, row: Record<string, unknown>): VersionRow {
  const extra: Record<string, unknown> = {};
  const fieldNames = new Set(spec.fields.map((f) => f.name));
  for (const [k, v] of Object.entries(row)) if (!META.has(k) && !fieldNames.has(k)) extra[k] = v;
  return {
    key: row.key as string,
    version: Number(row.version),
    op: row.op as VersionRow['op'],
    deleted: row.deleted === true,
    changed_by: row.changed_by as string,
    changed_at: row.changed_at as string,
    reason: row.reason as string,
    previous: (row.previous as VersionRow['previous']) ?? null,
    rollback_to: row.rollback_to === null || row.rollback_to === undefined ? null : Number(row.rollback_to),
    import_id: row.import_id === null || row.import_id === undefined ? null : Number(row.import_id),
    data: pickData(spec, row),
    extra,
  };
}

/** The newest version of an entry (a deletion included), or undefined when the key never existed. */
export async function latestVersion(exec: Executor, spec: EntitySpec, key: string): Promise<VersionRow | undefined> {
  const rows = await query(exec, sql`select ${selectList(spec)} from ${spec.dbTable} t where t.key = ${key} order by t.version desc limit 1`);
  return rows[0] ? toVersionRow(spec, rows[0]) : undefined;
}

export async function versionOf(exec: Executor, spec: EntitySpec, key: string, version: number): Promise<VersionRow | undefined> {
  const rows = await query(exec, sql`select ${selectList(spec)} from ${spec.dbTable} t where t.key = ${key} and t.version = ${version}`);
  return rows[0] ? toVersionRow(spec, rows[0]) : undefined;
}

/** Every version of an entry, oldest first. */
export async function historyOf(exec: Executor, spec: EntitySpec, key: string): Promise<VersionRow[]> {
  const rows = await query(exec, sql`select ${selectList(spec)} from ${spec.dbTable} t where t.key = ${key} order by t.version`);
  return rows.map((r) => toVersionRow(spec, r));
}

export interface ListQuery {
  /** free text: matches any of the spec's search fields (case-insensitive substring), or an NDC in any layout */
  q?: string;
  /** exact matches on fields */
  filters?: Record<string, string>;
  /** keyset cursor: entries whose key sorts after this one */
  after?: string;
  limit: number;
  /** include entries whose latest version is a deletion */
  includeDeleted?: boolean;
}

/** Current entries in key order, filtered and paged by key. */
export async function listCurrent(exec: Executor, spec: EntitySpec, q: ListQuery): Promise<{ entries: VersionRow[]; next_after?: string }> {
  const fields = new Set(spec.fields.map((f) => f.name));
  const inner: SQL[] = [];
  if (q.after !== undefined) inner.push(sql`t.key > ${q.after}`);
  const outer: SQL[] = [];
  if (!q.includeDeleted) outer.push(sql`not t.deleted`);
  for (const [field, value] of Object.entries(q.filters ?? {})) {
    if (!fields.has(field)) throw new TypeError(`${spec.table} has no field ${field}`);
    outer.push(sql`${col('t', field)} = ${value}`);
  }
  if (q.q && q.q.trim() !== '') {
    const text = q.q.trim();
    const alternatives = spec.searchFields.map((f) => sql`${col('t', f)} ilike ${likePattern(text)}`);
    const digits = text.replace(/-/g, '');
    if (fields.has('ndc11') && /^\d{10,11}$/.test(digits)) alternatives.push(sql`t.ndc11 like ${likePattern(digits)}`);
    outer.push(sql`(${sql.join(alternatives, sql` or `)})`);
  }
  const where = (parts: SQL[]) => (parts.length > 0 ? sql`where ${sql.join(parts, sql` and `)}` : sql``);
  const limit = Math.max(1, Math.min(q.limit, 1000));
  const rows = await query(
    exec,
    sql`select ${selectList(spec)} from (select distinct on (t.key) t.* from ${spec.dbTable} t ${where(inner)} order by t.key, t.version desc) t
        ${where(outer)} order by t.key limit ${limit + 1}`,
  );
  const entries = rows.slice(0, limit).map((r) => toVersionRow(spec, r));
  return rows.length > limit ? { entries, next_after: entries[entries.length - 1]!.key } : { entries };
}

/** Every current entry of a table, by key (deletions left out unless asked). */
export async function loadAllCurrent(exec: Executor, spec: EntitySpec, opts: { includeDeleted?: boolean } = {}): Promise<Map<string, VersionRow>> {
  const rows = await query(
    exec,
    sql`select ${selectList(spec)} from (select distinct on (t.key) t.* from ${spec.dbTable} t order by t.key, t.version desc) t
        ${opts.includeDeleted ? sql`` : sql`where not t.deleted`}`,
  );
  const out = new Map<string, VersionRow>();
  for (const r of rows) {
    const v = toVersionRow(spec, r);
    out.set(v.key, v);
  }
  return out;
}

/** Current entries whose key is one of `keys` (deletions included), by key. */
export async function latestVersions(exec: Executor, spec: EntitySpec, keys: readonly string[]): Promise<Map<string, VersionRow>> {
  const out = new Map<string, VersionRow>();
  for (let i = 0; i < keys.length; i += 5000) {
    const json = JSON.stringify(keys.slice(i, i + 5000));
    const rows = await query(
      exec,
      sql`select ${selectList(spec)} from (select distinct on (t.key) t.* from ${spec.dbTable} t
          where t.key in (select jsonb_array_elements_text(${json}::jsonb)) order by t.key, t.version desc) t`,
    );
    for (const r of rows) {
      const v = toVersionRow(spec, r);
      out.set(v.key, v);
    }
  }
  return out;
}

/**
 * Appends versions. A version number that is already taken (someone else changed the entry meanwhile) throws
 * VersionConflictError; the caller's transaction is then rolled back whole.
 */
export async function appendVersions(exec: Executor, spec: EntitySpec, versions: readonly VersionRow[]): Promise<void> {
  if (versions.length === 0) return;
  const records = versions.map((v) => ({
    key: v.key,
    version: v.version,
    op: v.op,
    deleted: v.deleted,
    changed_by: v.changed_by,
    changed_at: v.changed_at,
    reason: v.reason,
    previous: v.previous,
    rollback_to: v.rollback_to,
    import_id: v.import_id,
    ...v.data,
    ...v.extra,
  }));
  // every record must have the same keys: bookkeeping columns a version did not set are null
  const names = new Set(records.flatMap((r) => Object.keys(r)));
  const uniform = records.map((r) => {
    const o: Record<string, unknown> = {};
    for (const n of names) o[n] = (r as Record<string, unknown>)[n] ?? null;
    return o;
  });
  try {
    await insertRecords(exec, spec.dbTable, uniform);
  } catch (err) {
    if (sqlState(err) === SQLSTATE.uniqueViolation) throw new VersionConflictError(spec.table, versions.length === 1 ? versions[0]!.key : `(one of ${versions.length})`);
    throw err;
  }
}
