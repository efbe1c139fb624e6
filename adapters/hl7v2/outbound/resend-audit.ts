import { canonicalJson } from '../../../gateway/events/canonical-json.ts';
import { idempotencyKey, sha256Hex } from '../../../gateway/events/ids.ts';
import type { CanonicalEvent } from '../../../gateway/events/schema.ts';
import type { ResendJob } from './resend-store.ts';

/** The sender an `outbound.resend` event names: the gateway's own outbound part, not a system that sent us data. */
export const RESEND_SOURCE = 'rxgate-outbound';

/**
 * The `outbound.resend` event of a resend: who asked, why and what was to go again, for the facility's ledger
 * chain. Pure: the event id and the time it was received are passed in.
 */
export function resendAuditEvent(job: ResendJob, eventIds: readonly string[] | null, o: { id: string; receivedAt: Date }): CanonicalEvent {
  const payload = { resend_id: job.id, actor: job.actor, reason: job.reason, since: job.since, until: job.until, event_ids: eventIds === null ? null : [...eventIds] };
  const raw = sha256Hex(canonicalJson(payload));
  return {
    id: o.id,
    type: 'outbound.resend',
    facility_id: job.facility,
    occurred_at: job.started_at,
    received_at: o.receivedAt.toISOString(),
    source: { adapter: 'outbound', sender: RESEND_SOURCE, message_id: job.id, raw_sha256: raw },
    correlation_id: job.id,
    idempotency_key: idempotencyKey(RESEND_SOURCE, job.id, raw),
    payload,
  } as CanonicalEvent;
}
