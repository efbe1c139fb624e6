import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../gateway/events/schema.ts';
import { drugCodesOf, pendingKeyOf } from './keys.ts';

const event = (drug: Record<string, unknown>, payload: Record<string, unknown> = {}) =>
  ({ facility_id: 'HOSP1', idempotency_key: 'a'.repeat(64), drug: { schedule: 'UNMAPPED', ...drug }, payload }) as unknown as CanonicalEvent;

describe('what a parked event waits for', () => {
  it('collects the drug fields and the payload codes, merging a display into the same code', () => {
    const e = event({ ndc_raw: '0591-0369-01', rxnorm: '197882' }, { codes: [{ code: '00591036901', system: 'NDC', display: 'LOXAPINE 5MG' }, { code: 'LOX5' }] });
    expect(drugCodesOf(e)).toEqual([
      { system: 'RXNORM', code: '197882' },
      { system: 'NDC', code: '0591-0369-01', display: 'LOXAPINE 5MG' },
      { system: 'LOCAL', code: 'LOX5' },
    ]);
  });

  it('parks on the most specific code: NDC (as NDC-11), then GTIN, RxNorm, a local code (per facility)', () => {
    expect(pendingKeyOf(event({ ndc_raw: '0591-0369-01', rxnorm: '197882' }))).toEqual({ system: 'NDC', facility_id: '*', code: '00591036901', display: null });
    expect(pendingKeyOf(event({ ndc_raw: '0591036901' }))).toMatchObject({ system: 'NDC', code: '0591036901' });
    expect(pendingKeyOf(event({ rxnorm: '0197882' }))).toMatchObject({ system: 'RXNORM', facility_id: '*', code: '197882' });
    expect(pendingKeyOf(event({}, { drug_codes: [{ system: '99LOC', code: 'X\u00001', display: 'A' }] }))).toEqual({ system: '99LOC', facility_id: 'HOSP1', code: 'X1', display: 'A' });
    expect(pendingKeyOf(event({}))).toEqual({ system: 'NONE', facility_id: 'HOSP1', code: 'a'.repeat(64), display: null });
  });
});
