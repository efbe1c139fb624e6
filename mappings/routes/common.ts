import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppEnv } from '../../gateway/http/context.ts';
import { apiError } from '../../gateway/http/errors.ts';
import { storableText } from '../entities/fields.ts';
import { isTableName, type TableName } from '../entities/index.ts';
import { MappingInputError } from '../errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../service-errors.ts';
import type { ChangeContext } from '../versioning.ts';
import { zodProblems } from '../zod-problems.ts';

/**
 * What every mapping route shares: the change context from the request (who: the grant's token label; why: the
 * body's reason), JSON bodies read strictly, and the service's typed errors as answers — 422 with a problem per
 * field (`details` is the list), 404, 409 — so that bad input never reaches a 500.
 */

// Route handlers see the env widened by requireRole; these helpers accept any of them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyContext = Context<any>;

export function changeContext(c: AnyContext, reason: string): ChangeContext {
  const ctx = c as Context<AppEnv>;
  return { actor: ctx.get('grant')!.label, reason, correlationId: ctx.get('correlationId') };
}

export function tableOf(c: AnyContext): TableName | Response {
  const table = c.req.param('table') ?? '';
  return isTableName(table) ? table : apiError(c, 404, 'not_found', `no mapping table ${JSON.stringify(table)}; tables: drugs, schedules, codes, prescribers, facilities, patients`);
}

/** A JSON body validated by `schema`: 415 when not JSON, 400 when malformed, 422 naming every bad field. */
export async function jsonBody<T extends z.ZodType>(c: AnyContext, schema: T): Promise<{ ok: true; value: z.infer<T> } | { ok: false; response: Response }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(json|[\w.+-]+\+json)\b/i.test(type)) {
    return { ok: false, response: apiError(c, 415, 'unsupported_media_type', 'send the body as Content-Type: application/json') };
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await c.req.arrayBuffer()));
  } catch (err) {
    return { ok: false, response: apiError(c, 400, 'malformed_json', `the body is not valid UTF-8 JSON: ${(err as Error).message}`) };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, response: apiError(c, 422, 'invalid_request', 'the request has invalid fields', zodProblems(parsed.error)) };
  return { ok: true, value: parsed.data };
}

/** The service's refusals as answers; anything else is rethrown to the app's error handler. */
export function serviceError(c: AnyContext, err: unknown): Response {
  if (err instanceof ValidationError) return apiError(c, 422, 'invalid_request', err.message, err.problems);
  if (err instanceof MappingInputError) return apiError(c, 422, 'invalid_request', err.message, [err.toIssue()]);
  if (err instanceof NotFoundError) return apiError(c, 404, 'not_found', err.message);
  if (err instanceof ConflictError) return apiError(c, 409, err.code, err.message, err.details);
  throw err;
}

export const reasonField = z
  .string({ error: 'required: say why (it is kept with the version)' })
  .trim()
  .min(1, 'required: say why')
  .max(500)
  .refine(storableText, 'must not contain NUL characters or unpaired surrogates');

/** Refuses path and query text the database cannot take (NUL) before any route sees it: a 422, not a 500. */
export const storableRequest: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bad: string[] = [];
  if (!storableText(c.req.path)) bad.push('(path)');
  for (const [k, v] of Object.entries(c.req.query())) if (!storableText(k) || !storableText(v)) bad.push(k);
  if (bad.length > 0) {
    return apiError(c, 422, 'invalid_request', 'the request has invalid parameters', bad.map((field) => ({ field, code: 'invalid', message: 'must not contain NUL characters' })));
  }
  await next();
};

/** JSON bodies of the mapping API are small: 1 MiB at most (imports have their own limit). */
export const JSON_BODY_MAX = 1024 * 1024;
export const jsonLimit = bodyLimit({
  maxSize: JSON_BODY_MAX,
  onError: (c) => apiError(c, 413, 'too_large', `a request body may be at most ${JSON_BODY_MAX} bytes`),
});
