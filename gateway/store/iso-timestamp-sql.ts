import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/**
 * A timestamptz (a column, or an expression such as min(column)) as ISO-8601 UTC with milliseconds ("2026-01-02T03:04:05.678Z"), formatted by the database so the
 * text is the same on postgres.js and PGlite whatever their session time zone and date style. It is the exact
 * form Date#toISOString writes, which is what the ledger hash covers for recorded_at.
 */
export function isoUtcMillis(column: AnyColumn | SQL): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
