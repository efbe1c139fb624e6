import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../events/canonical-json.ts';
import { idempotencyKey, sha256Hex } from '../events/ids.ts';
import { toCanonicalEvent } from './api-submission.ts';

const ctx = { receivedAt: new Date('2026-11-21T12:00:00.000Z'), correlationId: 'corr-1', newId: () => '019a0000-0000-7000-8000-000000000001' };

const body = {
  type: 'rx.dispense',
  facility_id: 'HOSP1',
  occurred_at: '2026-11-21T11:59:00Z',
  source: { adapter: 'api', sender: 'PHARM^HOSP', message_id: 'D-1' },
  drug: { ndc11: '00591036901', schedule: 'II' },
  quantity: { value: 30, unit: 'TAB' },
  payload: { prescription_number: 'RX1' },
};

describe('POST /api/events body → canonical event', () => {
  it('fills the gateway-owned and derivable fields', () => {
    const r = toCanonicalEvent(body, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const bodyHash = sha256Hex(canonicalJson(body));
    expect(r.event).toMatchObject({
      id: '019a0000-0000-7000-8000-000000000001',
      received_at: '2026-11-21T12:00:00.000Z',
      correlation_id: 'corr-1',
      source: { raw_sha256: bodyHash },
      idempotency_key: idempotencyKey('PHARM^HOSP', 'D-1', bodyHash),
    });
  });

  it('gives the same body the same idempotency key, whatever id or received_at the poster sent', () => {
    const a = toCanonicalEvent(body, ctx);
    const b = toCanonicalEvent({ ...body, id: 'x', received_at: 'y', correlation_id: 'other' }, { ...ctx, receivedAt: new Date() });
    expect(a.ok && b.ok && a.event.idempotency_key === b.event.idempotency_key).toBe(true);
    const c = toCanonicalEvent({ ...body, quantity: { value: 31, unit: 'TAB' } }, ctx);
    expect(a.ok && c.ok && a.event.idempotency_key !== c.event.idempotency_key).toBe(true);
  });

  it('keeps a poster-supplied idempotency key and correlation id', () => {
    const r = toCanonicalEvent({ ...body, idempotency_key: 'a'.repeat(64), correlation_id: 'mine' }, ctx);
    expect(r.ok && r.event.idempotency_key === 'a'.repeat(64) && r.event.correlation_id === 'mine').toBe(true);
  });

  it('names every bad field', () => {
    const r = toCanonicalEvent(
      { ...body, type: 'rx.teleport', facility_id: 'HOSP 1', drug: { ndc11: '591-3690-1', schedule: 'VI' } },
      ctx,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.field)).toContain('type');
    const fixedType = toCanonicalEvent({ ...body, facility_id: 'HOSP 1', drug: { ndc11: '591-3690-1', schedule: 'VI' } }, ctx);
    expect(fixedType.ok ? [] : fixedType.issues.map((i) => i.field).sort()).toEqual(['drug.ndc11', 'drug.schedule', 'facility_id']);
  });

  it('refuses a body that is not one JSON object', () => {
    for (const bad of [null, [], 'text', 42]) {
      const r = toCanonicalEvent(bad, ctx);
      expect(r.ok ? null : r.issues).toEqual([{ field: '(body)', message: 'expected a JSON object (one canonical event)' }]);
    }
  });
});
