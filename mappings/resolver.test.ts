import { describe, expect, it } from 'vitest';
import { createDrugResolver, CachedDrugResolver, quickNdc11 } from './resolver.ts';

/**
 * The resolver pipeline: RxNorm direct match → NDC (GTIN carries an NDC) → local code → UNMAPPED, with what was
 * given kept. Drugs and schedules below are test values written for these cases.
 */

const resolver = createDrugResolver({
  drugs: [
    { ndc11: '00591036901', rxnorm_cui: '197882', description: 'Loxapine 5 mg capsule, 100' },
    { ndc11: '00591036905', rxnorm_cui: '197882', description: 'Loxapine 5 mg capsule, 500' },
    { ndc11: '12345067890', rxnorm_cui: '1049621', description: 'Oxycodone 5 mg tablet' },
    { ndc11: '10631010608', description: 'no schedule mapped yet' },
    // two layouts of the digits 1063110608 name known drugs: 5-3-2 above and 5-4-1 here
    { ndc11: '10631106008', description: 'the 5-4-1 reading' },
  ],
  schedules: [
    { ndc11: '00591036901', schedule: 'NC' },
    { ndc11: '00591036905', schedule: 'NC' },
    { ndc11: '12345067890', schedule: 'II' },
  ],
  codes: [
    { system: 'LOCAL', facility_id: 'HOSP1', code: 'OXY5', ndc11: '12345067890' },
    { system: 'LOCAL', facility_id: '*', code: 'LOX5', ndc11: '00591036901' },
    { system: 'NDC', facility_id: '*', code: '47848-026-XX', ndc11: '00591036901' },
    { system: 'RXNORM', facility_id: '*', code: '999', ndc11: '12345067890' },
  ],
});

describe('the drug resolver', () => {
  it('matches RxNorm first: one NDC for the CUI, or the package the message named', () => {
    expect(resolver.resolve([{ system: 'RXNORM', code: '1049621' }], 'HOSP1')).toEqual({ drug: { ndc11: '12345067890', rxnorm: '1049621', schedule: 'II' }, matchedBy: 'rxnorm' });
    // a CUI with two packages: the schedule is known (both NC), the package is the one the message gave
    expect(resolver.resolve([{ system: 'RXN', code: '197882' }, { system: 'NDC', code: '0591-0369-05' }], 'HOSP1')).toEqual({
      drug: { ndc11: '00591036905', ndc_raw: '0591-0369-05', rxnorm: '197882', schedule: 'NC' },
      matchedBy: 'rxnorm',
    });
    expect(resolver.resolve([{ system: 'RXNORM', code: '197882' }], 'HOSP1').drug).toEqual({ rxnorm: '197882', schedule: 'NC' });
    expect(resolver.resolve([{ system: 'RXNORM', code: '999' }], 'HOSP1').drug).toMatchObject({ ndc11: '12345067890', schedule: 'II' });
  });

  it('matches NDCs in any layout, and bare 10 digits only when one layout names a known drug', () => {
    for (const code of ['0591-0369-01', '00591-0369-01', '00591036901', '0591036901']) {
      expect(resolver.resolve([{ system: 'NDC', code }], 'X').drug, code).toMatchObject({ ndc11: '00591036901', schedule: 'NC' });
    }
    expect(resolver.resolve([{ system: 'NDC', code: '0591036901' }], 'X').matchedBy).toBe('ndc');
    // two known readings: refused (unmapped), never guessed
    const ambiguous = resolver.resolve([{ system: 'NDC', code: '1063110608' }], 'X');
    expect(ambiguous).toEqual({ drug: { ndc_raw: '1063110608', schedule: 'UNMAPPED' }, matchedBy: 'none' });
    // an analyst's mapping of a malformed code
    expect(resolver.resolve([{ system: 'NDC', code: '47848-026-XX' }], 'X').drug).toMatchObject({ ndc11: '00591036901', ndc_raw: '47848-026-XX' });
  });

  it('reads the NDC inside a GTIN-14 and keeps the GTIN', () => {
    // 0 03 0591036901 9 (check digit worked out in gtin.test.ts)
    expect(resolver.resolve([{ system: 'GTIN', code: '00305910369019' }], 'X')).toEqual({ drug: { ndc11: '00591036901', gtin: '00305910369019', rxnorm: '197882', schedule: 'NC' }, matchedBy: 'ndc' });
    expect(resolver.resolve([{ system: 'GTIN', code: '00305910369018' }], 'X').matchedBy).toBe('none');
  });

  it('falls back to local codes: the facility\'s own, then those shared by every facility', () => {
    expect(resolver.resolve([{ system: 'LOCAL', code: 'OXY5' }], 'HOSP1')).toEqual({ drug: { ndc11: '12345067890', rxnorm: '1049621', schedule: 'II' }, matchedBy: 'local' });
    expect(resolver.resolve([{ system: 'LOCAL', code: 'OXY5' }], 'HOSP2').matchedBy).toBe('none');
    expect(resolver.resolve([{ system: 'L', code: 'LOX5' }], 'HOSP2').matchedBy).toBe('local');
  });

  it('is UNMAPPED when nothing matches a drug with a schedule, keeping what was given', () => {
    expect(resolver.resolve([{ system: 'NDC', code: '10631-106-08' }, { system: 'RXNORM', code: '1' }], 'X')).toEqual({
      drug: { ndc11: '10631010608', ndc_raw: '10631-106-08', rxnorm: '1', schedule: 'UNMAPPED' },
      matchedBy: 'none',
    });
    expect(resolver.resolve([], 'X')).toEqual({ drug: { schedule: 'UNMAPPED' }, matchedBy: 'none' });
    expect(resolver.resolve([{ system: 'NDC', code: 'junk' }, { system: 'RXNORM', code: 'abc' }], 'X')).toEqual({ drug: { ndc_raw: 'junk', schedule: 'UNMAPPED' }, matchedBy: 'none' });
  });

  it('applies changes to the cache at once', () => {
    const r = new CachedDrugResolver({ drugs: [], schedules: [], codes: [] });
    expect(r.resolve([{ system: 'NDC', code: '0591-0369-01' }], 'X').matchedBy).toBe('none');
    r.applyDrug('00591036901', { ndc11: '00591036901', rxnorm_cui: '197882' });
    expect(r.resolve([{ system: 'NDC', code: '0591-0369-01' }], 'X').matchedBy).toBe('none');
    r.applySchedule('00591036901', 'IV');
    expect(r.resolve([{ system: 'RXNORM', code: '197882' }], 'X').drug.schedule).toBe('IV');
    r.applyCode({ system: 'LOCAL', facility_id: 'X', code: 'L1' }, '00591036901');
    expect(r.resolve([{ system: 'LOCAL', code: 'L1' }], 'X').matchedBy).toBe('local');
    r.applySchedule('00591036901', null);
    expect(r.resolve([{ system: 'LOCAL', code: 'L1' }], 'X').matchedBy).toBe('none');
    expect(r.stats()).toEqual({ drugs: 1, schedules: 0, codes: 1, rxnorm: 1 });
  });

  it('parses NDC layouts without throwing', () => {
    expect(quickNdc11('0002-0800-01')).toBe('00002080001');
    expect(quickNdc11(' 10631-106-08 ')).toBe('10631010608');
    expect(quickNdc11('10022-3366-1')).toBe('10022336601');
    expect(quickNdc11('0591036901')).toBe(10);
    expect(quickNdc11('1234-567-89')).toBeUndefined();
    expect(quickNdc11('47848-026-XX')).toBeUndefined();
  });
});
