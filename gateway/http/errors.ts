import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isBusOutage } from '../bus/connection.ts';
import { isStoreUnreachable } from '../store/pg-errors.ts';

/** The JSON API's one error shape (DESIGN §5): { "error": { "code", "message", "details" } }. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function apiError(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  const body: ApiErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return c.json(body, status);
}

/**
 * The server a request failed for want of, when that is why it failed (NATS down or going, PostgreSQL away or
 * recovering): the same request works once it is back, so the API and the UI answer 503 with Retry-After, not 500.
 */
export function unreachableServer(err: unknown): 'message bus' | 'database' | undefined {
  if (isBusOutage(err)) return 'message bus';
  if (isStoreUnreachable(err)) return 'database';
  return undefined;
}
