import { randomBytes } from 'node:crypto';
import { idempotencyKey, sha256Hex, uuidv7 } from '../../events/ids.ts';
import type { CanonicalEvent } from '../../events/schema.ts';

/**
 * A valid canonical event for tests. `n` makes distinct events (and idempotency keys) reproducibly; anything else
 * can be overridden.
 */
export function testEvent(facility: string, n: number, overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  const messageId = `MSG-${facility}-${n}`;
  const raw = sha256Hex(`raw message ${facility} ${n}`);
  return {
    id: uuidv7(Date.UTC(2026, 0, 1) + n, randomBytes(10)),
    type: 'rx.dispense',
    facility_id: facility,
    occurred_at: '2026-01-01T10:00:00.000Z',
    received_at: '2026-01-01T10:00:01.000Z',
    source: { adapter: 'hl7v2', sender: 'PHARM^HOSP', message_id: messageId, raw_sha256: raw },
    correlation_id: `corr-${facility}-${n}`,
    idempotency_key: idempotencyKey('PHARM^HOSP', messageId, raw),
    drug: { ndc11: '00002322730', schedule: 'NC' },
    quantity: { value: 30, unit: 'tablet' },
    payload: { n },
    ...overrides,
  } as CanonicalEvent;
}
