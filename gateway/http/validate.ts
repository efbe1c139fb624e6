import type { Context } from 'hono';
import type { z } from 'zod';
import { fieldIssues } from '../intake/api-submission.ts';
import { apiError } from './errors.ts';

/** Validates query or path input; a failure is a 422 whose details name every bad field. */
export function parseInput<T extends z.ZodType>(
  c: Context,
  schema: T,
  input: unknown,
): { ok: true; value: z.infer<T> } | { ok: false; response: Response } {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    response: apiError(c, 422, 'invalid_request', 'the request has invalid parameters', fieldIssues(parsed.error)),
  };
}
