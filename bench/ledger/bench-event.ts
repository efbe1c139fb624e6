import { idempotencyKey, sha256Hex, uuidv7 } from '../../gateway/events/ids.ts';
import type { CanonicalEvent } from '../../gateway/events/schema.ts';

const FILLER = 'x'.repeat(560); // brings the serialised event to ~1 KB, about what an HL7 RDS translates to

/** A controlled-substance dispense of ~1 KB, the n-th of a run, for the ledger benchmarks. */
export function benchEvent(n: number, run: string, facility: string): CanonicalEvent {
  const messageId = `${run}-${n}`;
  const raw = sha256Hex(messageId);
  return {
    id: uuidv7(),
    type: 'rx.dispense',
    facility_id: facility,
    occurred_at: new Date().toISOString(),
    received_at: new Date().toISOString(),
    source: { adapter: 'bench', sender: 'BENCH^HOSP', message_id: messageId, raw_sha256: raw },
    correlation_id: messageId,
    idempotency_key: idempotencyKey('BENCH^HOSP', messageId, raw),
    drug: { ndc11: '00591036901', ndc_raw: '0591-3690-01', schedule: 'II', lot: 'L123', expiry: '2027-12-31' },
    quantity: { value: 30, unit: 'TAB' },
    patient_ref: `pt_${sha256Hex(String(n % 500)).slice(0, 32)}`,
    payload: { prescription_number: `RX${n}`, filler: FILLER },
  } as CanonicalEvent;
}
