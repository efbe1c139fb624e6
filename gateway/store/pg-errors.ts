/**
 * SQLSTATE of a database error on either driver. postgres.js (PostgresError) and PGlite (DatabaseError) both put
 * it in `.code`, and drizzle wraps both in DrizzleQueryError with the driver error as `.cause`, so walk the causes.
 */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

/** Errors after which the same transaction, run again from the start, can succeed. */
export function isRetryableWriteConflict(error: unknown): boolean {
  const code = sqlState(error);
  return code === SQLSTATE.uniqueViolation || code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
}

/**
 * The store cannot be reached or cannot take the write just now (connection lost or refused, server shutting down,
 * out of resources): the write may succeed later unchanged, so callers wait and retry instead of giving up on it.
 */
export function isStoreUnavailable(error: unknown): boolean {
  return isStoreUnreachable(error) || isRetryableWriteConflict(error);
}

/**
 * The server could not be reached or would not take a session (refused, reset, connect timeout, its name not
 * resolving yet, starting up or shutting down, too many clients): nothing about the work itself was wrong.
 */
export function isStoreUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (/^(CONNECTION_|CONNECT_TIMEOUT|STORE_WRITE_TIMEOUT|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)/.test(code)) return true;
    if (/^(08|53|57P0)/.test(code)) return true; // connection exception, insufficient resources, admin shutdown
  }
  return false;
}

/** The driver's own message (drizzle's wrapper message is the whole failed SQL, too long for a log line). */
export function rootMessage(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object' && (e as { cause?: unknown }).cause; depth++) {
    e = (e as { cause: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}
