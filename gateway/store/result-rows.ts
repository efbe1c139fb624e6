/**
 * `execute()` answers with an array on postgres.js and with `{ rows }` on PGlite (STACK.md); this is the one place
 * that knows, for db.execute and tx.execute alike.
 */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  if (Array.isArray(rows)) return rows as T[];
  throw new TypeError('execute() returned neither an array nor { rows }: unknown database driver');
}
