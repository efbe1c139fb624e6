import { z } from 'zod';
import { canonicalJson } from '../events/canonical-json.ts';
import { idempotencyKey, sha256Hex } from '../events/ids.ts';
import { canonicalEventSchema, type CanonicalEvent } from '../events/schema.ts';

/**
 * A trusted system posts a canonical event to POST /api/events. The gateway owns the fields that record its own
 * acceptance (id, received_at) and fills the derivable ones the poster left out (correlation id, raw hash,
 * idempotency key), so two posts of the same body are the same event.
 */

export interface FieldIssue {
  field: string;
  message: string;
}

export type SubmissionResult = { ok: true; event: CanonicalEvent } | { ok: false; issues: FieldIssue[] };

const GATEWAY_OWNED = ['id', 'received_at'] as const;
const DERIVED = ['correlation_id', 'idempotency_key'] as const;

export function toCanonicalEvent(
  body: unknown,
  ctx: { receivedAt: Date; correlationId: string; newId: () => string },
): SubmissionResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ field: '(body)', message: 'expected a JSON object (one canonical event)' }] };
  }
  const submitted = { ...(body as Record<string, unknown>) };
  for (const field of GATEWAY_OWNED) delete submitted[field];

  const stable = { ...submitted };
  for (const field of DERIVED) delete stable[field];
  const bodySha256 = sha256Hex(canonicalJsonOrEmpty(stable));

  const source = isRecord(submitted.source) ? { ...submitted.source } : submitted.source;
  if (isRecord(source) && source.raw_sha256 === undefined) source.raw_sha256 = bodySha256;
  const candidate = {
    ...submitted,
    source,
    id: ctx.newId(),
    received_at: ctx.receivedAt.toISOString(),
    correlation_id: submitted.correlation_id ?? ctx.correlationId,
    idempotency_key:
      submitted.idempotency_key ??
      (isRecord(source) && typeof source.sender === 'string' && typeof source.message_id === 'string'
        ? idempotencyKey(source.sender, source.message_id, bodySha256)
        : undefined),
  };
  const parsed = canonicalEventSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, issues: fieldIssues(parsed.error) };
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function canonicalJsonOrEmpty(v: unknown): string {
  try {
    return canonicalJson(v);
  } catch {
    return '';
  }
}
