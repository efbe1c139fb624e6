import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { StoreDb, StoreTx } from '../gateway/store/db.ts';
import { resultRows } from '../gateway/store/result-rows.ts';

/**
 * SQL helpers of the mapping tables, written once for both drivers (postgres.js and PGlite).
 *
 * Inserts go through `jsonb_to_recordset`: the whole batch is one JSON parameter that the server unpacks, so a
 * batch of thousands of rows is one statement with one parameter (no 65,535-parameter limit, no per-row round
 * trip). On this machine that is what makes a 35,000-row import fit in a few seconds on PGlite.
 */

/** A database handle or a transaction: inside `db.transaction(tx => …)` pass only `tx`. */
export type Executor = StoreDb | StoreTx;

export async function query<T = Record<string, unknown>>(exec: Executor, q: SQL): Promise<T[]> {
  return resultRows<T>(await exec.execute(q));
}

const RECORDSET_TYPES: Record<string, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  boolean: 'boolean',
  jsonb: 'jsonb',
  uuid: 'uuid',
};

function recordsetType(sqlType: string): string {
  if (sqlType.startsWith('timestamp')) return 'timestamptz';
  const t = RECORDSET_TYPES[sqlType];
  if (!t) throw new TypeError(`no recordset type for column type ${sqlType}`);
  return t;
}

const ROWS_PER_STATEMENT = 5000;

/**
 * Inserts records (objects keyed by column name; every record has the same keys) into a table, in statements of
 * up to 5,000 rows. Returns the rows' `returning` columns when asked.
 */
export async function insertRecords(
  exec: Executor,
  table: PgTable,
  records: readonly Record<string, unknown>[],
  opts: { returning?: string[]; onConflict?: SQL } = {},
): Promise<Record<string, unknown>[]> {
  if (records.length === 0) return [];
  const columns = getTableColumns(table) as Record<string, { name: string; getSQLType(): string }>;
  const names = Object.keys(records[0]!);
  const defs = names.map((name) => {
    const column = columns[name];
    if (!column) throw new TypeError(`table ${getTableName(table)} has no column ${name}`);
    return { name: column.name, type: recordsetType(column.getSQLType()) };
  });
  const target = sql.raw(defs.map((d) => `"${d.name}"`).join(', '));
  const shape = sql.raw(defs.map((d) => `"${d.name}" ${d.type}`).join(', '));
  const returning = opts.returning ? sql.raw(` returning ${opts.returning.map((c) => `"${c}"`).join(', ')}`) : sql``;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(records.slice(i, i + ROWS_PER_STATEMENT));
    const rows = await query(
      exec,
      sql`insert into ${table} (${target}) select ${target} from jsonb_to_recordset(${json}::jsonb) as x(${shape})${opts.onConflict ?? sql``}${returning}`,
    );
    out.push(...rows);
  }
  return out;
}

/** `column ILIKE %text%` with the LIKE wildcards in `text` escaped. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A quoted identifier from our own schema (never from input). */
export function col(alias: string, name: string): SQL {
  return sql.raw(`${alias}."${name.replace(/"/g, '""')}"`);
}

/** A timestamptz as ISO-8601 UTC with milliseconds, the same text on both drivers. */
export function isoOf(expr: SQL): SQL {
  return sql`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
