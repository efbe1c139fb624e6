import { describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../../gateway/events/ids.ts';
import { canonicalEventSchema, payloadSchemas } from '../../../gateway/events/schema.ts';
import { encounterToken, patientToken } from '../../../gateway/phi/token.ts';
import { parseMessage } from '../parse.ts';
import { CodeList } from './code-list.ts';
import { checkTranslateConfig, translate } from './translate.ts';
import { RAW_SHA, TOKEN_KEY, resolverWith, spying, testContext } from './test-support.ts';
import type { TranslateContext, TranslationResult } from './types.ts';

// ---- hand-written messages -------------------------------------------------------------------------------------

/** A segment from its fields by number (unlisted fields empty). */
function seg(name: string, fields: Record<number, string>): string {
  const max = Math.max(0, ...Object.keys(fields).map(Number));
  const parts = [name];
  for (let i = 1; i <= max; i++) parts.push(fields[i] ?? '');
  return parts.join('|');
}

/** MSH with defaults: EHR^HOSP → RXGATE^PHARM, sent 2024-05-01 08:30 -04:00, control id CTRL1. */
function msh(type: string, extra: Record<number, string> = {}): string {
  const f: Record<number, string> = { 3: 'EHR', 4: 'HOSP', 5: 'RXGATE', 6: 'PHARM', 7: '20240501083000-0400', 9: type, 10: 'CTRL1', 11: 'P', 12: '2.5.1', ...extra };
  const max = Math.max(...Object.keys(f).map(Number));
  const parts = ['MSH', '^~\\&'];
  for (let i = 3; i <= max; i++) parts.push(f[i] ?? '');
  return parts.join('|');
}

const PID = seg('PID', {
  1: '1',
  2: 'EXT999',
  3: 'SSN111223333^^^USSSA^SS~MRN4455^^^HOSP^MR',
  5: 'Zebedee^Quincy^Q',
  7: '19700214',
  8: 'F',
  11: '12 Juniper Lane^^Springfield^IL^62701',
  13: '(217)555-0199',
  18: 'ACCT5566',
  19: '123-45-6789',
});
/** Everything in PID that identifies the patient: none of it may appear in a domain event. */
const PHI_VALUES = ['EXT999', 'SSN111223333', 'MRN4455', 'Zebedee', 'Quincy', '19700214', '1970-02-14', 'Juniper', 'Springfield', '62701', '555-0199', 'ACCT5566', '123-45-6789'];
const PATIENT = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN4455' });

const ORC = (control: string, extra: Record<number, string> = {}) =>
  seg('ORC', {
    1: control,
    2: 'PLC100^EHR',
    3: 'FIL200^RX',
    5: 'IP',
    9: '20240501081500-0400',
    12: '1234567890^Welby^Marcus^^^^^^NPI&2.16.840.1.113883.4.6&ISO^L^^^NPI',
    ...extra,
  });
const RXE = (extra: Record<number, string> = {}) =>
  seg('RXE', {
    1: '^BID^^20240501090000-0400',
    2: '0093-0058-01^Amoxicillin 500 MG Cap^NDC^AMOX500^amox local^L',
    3: '1',
    4: '2',
    5: 'CAP^capsule',
    6: 'CAP^Capsule^HL70292',
    7: '^take with food',
    9: 'G',
    10: '60',
    11: 'CAP^capsule',
    12: '3',
    13: 'AB1234563^Welby^Marcus',
    14: 'PH001^Pharm^Ann',
    15: 'RX778899',
    16: '2',
    ...extra,
  });
const TQ1 = seg('TQ1', { 1: '1', 2: '1^CAP', 3: 'Q12H^every 12 hours^HL70335', 7: '20240501090000-0400', 8: '20240511090000-0400', 9: 'R', 10: 'Patient Zebedee prefers mornings' });
const RXR = seg('RXR', { 1: 'PO^Oral^HL70162', 2: 'LA^Left arm' });

function rde(control = 'NW', type = 'RDE^O11^RDE_O11'): string[] {
  return [msh(type), PID, seg('PV1', { 1: '1', 2: 'I', 3: 'W9^12^A^WARD9' }), ORC(control), RXE(), TQ1, RXR];
}

const text = (lines: string[]) => lines.join('\r');
function run(lines: string[], ctx: Partial<TranslateContext> = {}): TranslationResult {
  return translate(parseMessage(text(lines)), testContext(ctx));
}
function leaksPhi(result: TranslationResult): string[] {
  const json = JSON.stringify(result.events.filter((e) => e.type !== 'hl7v2.unhandled'));
  return PHI_VALUES.filter((v) => json.includes(v));
}
function expectValid(result: TranslationResult): void {
  for (const e of result.events) expect(canonicalEventSchema.safeParse(e).success).toBe(true);
}

// ---- orders ----------------------------------------------------------------------------------------------------

describe('RDE^O11 / RDE^O25 → rx.order.*', () => {
  it('translates an encoded order: drug, amounts, dispense, refills, Rx number, route, TQ1 timing, prescriber by id', () => {
    const result = run(rde());
    expect(result.errors).toEqual([]);
    expect(result.unhandled).toBeUndefined();
    expect(result.events).toHaveLength(1);
    const e = result.events[0]!;
    expect(e).toEqual({
      id: '01900000-0000-7000-8000-000000000001',
      type: 'rx.order.new',
      facility_id: 'fac-ward9',
      occurred_at: '2024-05-01T12:15:00.000Z',
      received_at: '2024-05-01T12:00:00.000Z',
      source: { adapter: 'hl7v2', sender: 'EHR^HOSP', message_id: 'CTRL1', raw_sha256: RAW_SHA },
      correlation_id: 'test-correlation',
      idempotency_key: idempotencyKey('EHR^HOSP', 'CTRL1#1', RAW_SHA),
      drug: { ndc11: '00093005801', ndc_raw: '0093-0058-01', schedule: 'UNMAPPED' },
      quantity: { value: 60, unit: 'CAP' },
      patient_ref: PATIENT,
      payload: {
        action: 'new',
        order: { placer: 'PLC100^EHR', filler: 'FIL200^RX' },
        status: 'IP',
        prescription_number: 'RX778899',
        codes: [
          { code: '0093-0058-01', display: 'Amoxicillin 500 MG Cap', system: 'NDC' },
          { code: 'AMOX500', display: 'amox local', system: 'L' },
        ],
        give: { amount_min: 1, amount_max: 2, unit: 'CAP', dosage_form: { code: 'CAP', display: 'Capsule', system: 'HL70292' } },
        dispense: { amount: 60, unit: 'CAP' },
        substitution: 'G', // RXE-9: generic substitution
        refills: 3,
        refills_remaining: 2,
        route: { code: 'PO', display: 'Oral', system: 'HL70162' },
        site: { code: 'LA', display: 'Left arm' },
        timing: [
          {
            source: 'TQ1',
            quantity: { value: 1, unit: 'CAP' },
            repeat: ['Q12H'],
            start: '2024-05-01T13:00:00.000Z',
            end: '2024-05-11T13:00:00.000Z',
            priority: 'R',
          },
        ],
        prescriber: { id: '1234567890', id_type: 'NPI', authority: 'NPI' },
        prescriber_dea: 'AB1234563',
        // A, B, then 123456 → 1+3+5 + 2×(2+4+6) = 33: check digit 3
        prescriber_dea_check: 'valid',
        verifier: { id: 'PH001' },
        // PV1-2 and PV1-3 W9^12^A^WARD9: an inpatient, and where
        patient_class: 'I',
        location: { point_of_care: 'W9', room: '12', bed: 'A', facility: 'WARD9' },
        // PID-8 F; PID-7 1970-02-14 to MSH-7 2024-05-01: 54 whole years (the birth date itself only in the vault)
        sex: 'F',
        age_years: 54,
        hl7v2: { message_type: 'RDE^O11', order_control: 'NW', group: 1 },
      },
    });
    expect(leaksPhi(result)).toEqual([]);
    // Free text (RXE-7 instructions, TQ1-10 condition) is not carried.
    expect(JSON.stringify(e)).not.toContain('food');
    expect(JSON.stringify(e)).not.toContain('mornings');
  });

  it('sends every code of RXE-2 to the resolver with normalised systems and the facility', () => {
    const drugs = spying(resolverWith());
    run(rde(), { drugs });
    expect(drugs.calls).toEqual([
      {
        codes: [
          { system: 'NDC', code: '0093-0058-01', display: 'Amoxicillin 500 MG Cap' },
          { system: 'LOCAL', code: 'AMOX500', display: 'amox local' },
        ],
        facilityId: 'fac-ward9',
      },
    ]);
  });

  it.each([
    ['NW', 'rx.order.new', 'new'],
    ['OK', 'rx.order.new', 'accepted'],
    ['SN', 'rx.order.new', 'number-requested'],
    ['NA', 'rx.order.new', 'number-assigned'],
    ['OP', 'rx.order.new', 'outside-dispense'],
    ['XO', 'rx.order.change', 'change'],
    ['XX', 'rx.order.change', 'change'],
    ['RP', 'rx.order.change', 'replace'],
    ['RO', 'rx.order.change', 'replace'],
    ['HD', 'rx.order.change', 'hold'],
    ['RL', 'rx.order.change', 'release'],
    ['FU', 'rx.order.change', 'refill'],
    ['SC', 'rx.order.change', 'status'],
    ['RE', 'rx.order.change', 'status'],
    ['CA', 'rx.order.cancel', 'cancel'],
    ['CR', 'rx.order.cancel', 'cancel'],
    ['OC', 'rx.order.cancel', 'cancel'],
    ['DC', 'rx.order.cancel', 'discontinue'],
    ['OD', 'rx.order.cancel', 'discontinue'],
    ['DE', 'rx.order.cancel', 'data-errors'],
  ])('ORC-1 %s → %s (action %s)', (control, type, action) => {
    const result = run(rde(control));
    expect(result.errors).toEqual([]);
    expect(result.events.map((e) => [e.type, e.payload.action, (e.payload.hl7v2 as { order_control: string }).order_control])).toEqual([
      [type, action, control],
    ]);
  });

  it('RDE^O25 translates the same way', () => {
    const result = run(rde('XO', 'RDE^O25^RDE_O25'));
    expect(result.errors).toEqual([]);
    expect(result.events[0]!.type).toBe('rx.order.change');
    expect(result.events[0]!.payload.hl7v2).toEqual({ message_type: 'RDE^O25', order_control: 'XO', group: 1 });
  });

  it('keeps a group whose ORC-1 is not a state change (RF) as hl7v2.unhandled beside the translated ones', () => {
    const lines = [...rde('NW'), ORC('RF', { 2: 'PLC101^EHR' }), RXE(), RXR];
    const result = run(lines);
    expect(result.errors).toEqual([]);
    expect(result.unhandled).toBe(true);
    expect(result.events.map((e) => e.type)).toEqual(['rx.order.new', 'hl7v2.unhandled']);
    expect(result.events[1]!.payload).toMatchObject({ message_type: 'RDE^O11', raw: text(lines) });
    expect(result.events[1]!.payload.reason).toMatch(/order group 2: ORC-1 RF/);
  });

  it('refuses an order control code that is not in table 0119 (103) and an empty one (101), naming ORC-1', () => {
    const bad = run(rde('ZZ'));
    expect(bad.events).toEqual([]);
    expect(bad.errors).toEqual([
      {
        code: 103,
        severity: 'E',
        detail: expect.stringContaining('table 0119'),
        location: expect.objectContaining({ segment: 'ORC', occurrence: 1, segmentIndex: 4, field: 1, repetition: 1 }),
      },
    ]);
    expect(run(rde('')).errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[101, 'ORC', 1]]);
  });

  it('reports a group without RXE (100) and an RDE without any ORC (100)', () => {
    const noRxe = run([msh('RDE^O11'), PID, ORC('NW'), RXR]);
    expect(noRxe.errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'ORC']]);
    const noOrc = run([msh('RDE^O11'), PID]);
    expect(noOrc.errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'MSH']]);
  });

  it('takes timing from TQ1 after RXE, else TQ1 of the order, else RXE-1, else ORC-7', () => {
    const orderTq1 = seg('TQ1', { 1: '1', 3: 'TID' });
    const fromOrderTq1 = run([msh('RDE^O11'), PID, ORC('NW'), orderTq1, seg('RXO', { 1: 'X^x' }), RXE(), RXR]);
    expect(fromOrderTq1.events[0]!.payload.timing).toEqual([{ source: 'TQ1', repeat: ['TID'] }]);
    const both = run([msh('RDE^O11'), PID, ORC('NW'), orderTq1, RXE(), TQ1, RXR]);
    expect((both.events[0]!.payload.timing as { repeat: string[] }[]).map((t) => t.repeat)).toEqual([['Q12H']]);
    const fromRxe1 = run([msh('RDE^O11'), PID, ORC('NW'), RXE(), RXR]);
    expect(fromRxe1.events[0]!.payload.timing).toEqual([{ source: 'RXE-1', repeat: ['BID'], start: '2024-05-01T13:00:00.000Z' }]);
    const fromOrc7 = run([msh('RDE^O11'), PID, ORC('NW', { 7: '2^Q6H^D5^^^S' }), RXE({ 1: '' }), RXR]);
    expect(fromOrc7.events[0]!.payload.timing).toEqual([{ source: 'ORC-7', quantity: { value: 2 }, repeat: ['Q6H'], duration: 'D5', priority: 'S' }]);
  });

  it('gives one event per ORC group, with deterministic idempotency keys MSH-10#n', () => {
    const lines = [...rde('NW'), ORC('NW', { 2: 'PLC101^EHR' }), RXE({ 15: 'RX2' }), RXR, ORC('CA', { 2: 'PLC102^EHR' }), RXE({ 15: 'RX3' }), RXR];
    const a = run(lines);
    expect(a.events.map((e) => [e.type, e.payload.prescription_number])).toEqual([
      ['rx.order.new', 'RX778899'],
      ['rx.order.new', 'RX2'],
      ['rx.order.cancel', 'RX3'],
    ]);
    expect(a.events.map((e) => e.idempotency_key)).toEqual([1, 2, 3].map((n) => idempotencyKey('EHR^HOSP', `CTRL1#${n}`, RAW_SHA)));
    const again = run(lines, { newId: () => '01900000-0000-7000-8000-0000000000ff', receivedAt: new Date('2030-01-01T00:00:00Z') });
    expect(again.events.map((e) => e.idempotency_key)).toEqual(a.events.map((e) => e.idempotency_key));
    const otherBytes = run(lines, { rawSha256: 'cd'.repeat(32) });
    expect(otherBytes.events[0]!.idempotency_key).not.toBe(a.events[0]!.idempotency_key);
  });

  it('reports bad numbers with their location (102) and a missing give code (101), still translating the rest', () => {
    const result = run([msh('RDE^O11'), PID, ORC('NW'), RXE({ 2: '', 3: 'one', 12: '2.5' }), RXR]);
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field, e.location.occurrence])).toEqual([
      [101, 'RXE', 2, 1],
      [102, 'RXE', 3, 1],
      [102, 'RXE', 12, 1],
    ]);
    expect(result.events[0]!.drug).toEqual({ schedule: 'UNMAPPED' });
  });

  it('never quotes field contents in issue texts (they may hold PHI and reach logs)', () => {
    const result = run([msh('RDE^O11'), PID, ORC('NW', { 9: 'Zebedee' }), RXE({ 3: 'Quincy' }), RXR]);
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([
      [102, 'ORC', 9],
      [102, 'RXE', 3],
    ]);
    for (const e of result.errors) expect(e.detail).not.toMatch(/Zebedee|Quincy/);
  });
});

describe('the prescriber DEA number on orders', () => {
  const controlled = { drugs: resolverWith([{ ndc11: '00093005801', schedule: 'II' }]) };
  const checkOf = (rxe13: string, ctx: Partial<TranslateContext> = controlled) =>
    run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 13: rxe13 })], ctx).events[0]!.payload.prescriber_dea_check;

  it('flags a schedule II order without a DEA number as missing, and one with a wrong check digit as invalid; takes both', () => {
    expect(checkOf('')).toBe('missing');
    expect(checkOf('AB1234564^Welby^Marcus')).toBe('invalid');
    expect(checkOf('AB1234563^Welby^Marcus')).toBe('valid');
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 13: '' })], controlled).errors).toEqual([]);
  });

  it('says nothing of a missing number when the drug is not controlled or not mapped yet', () => {
    expect(checkOf('', { drugs: resolverWith([{ ndc11: '00093005801', schedule: 'NC' }]) })).toBeUndefined();
    expect(checkOf('', {})).toBeUndefined();
  });
});

describe('OMP^O09 → rx.order.*', () => {
  it('translates the RXO order with TQ1 timing and RXR route', () => {
    const result = run([
      msh('OMP^O09^OMP_O09'),
      PID,
      ORC('NW'),
      seg('TQ1', { 1: '1', 2: '1^TAB', 3: 'QD', 7: '20240502' }),
      seg('RXO', { 1: '00591-0369-01^Warfarin 5 MG Tab^NDC', 2: '5', 4: 'mg^milligram', 5: 'TAB^Tablet', 11: '30', 12: 'TAB^tablet', 13: '1', 14: 'AB1234563' }),
      RXR,
    ]);
    expect(result.errors).toEqual([]);
    const e = result.events[0]!;
    expect(e.type).toBe('rx.order.new');
    expect(e.drug).toEqual({ ndc11: '00591036901', ndc_raw: '00591-0369-01', schedule: 'UNMAPPED' });
    expect(e.quantity).toEqual({ value: 30, unit: 'TAB' });
    expect(e.payload).toMatchObject({
      give: { amount_min: 5, unit: 'mg', dosage_form: { code: 'TAB', display: 'Tablet' } },
      dispense: { amount: 30, unit: 'TAB' },
      refills: 1,
      prescriber_dea: 'AB1234563',
      route: { code: 'PO' },
      timing: [{ source: 'TQ1', quantity: { value: 1, unit: 'TAB' }, repeat: ['QD'], start: '2024-05-02T00:00:00.000Z' }],
      hl7v2: { message_type: 'OMP^O09', order_control: 'NW', group: 1 },
    });
    expect(leaksPhi(result)).toEqual([]);
  });

  it('maps a discontinue to rx.order.cancel and needs an RXO (100)', () => {
    expect(run([msh('OMP^O09'), PID, ORC('DC'), seg('RXO', { 1: 'X1^thing' })]).events[0]!.type).toBe('rx.order.cancel');
    expect(run([msh('OMP^O09'), PID, ORC('NW')]).errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'ORC']]);
  });
});

describe('ORM^O01 (v2.3) → rx.order.* when its orders are pharmacy orders (RXO)', () => {
  // v2.3 §4.8: the pharmacy order of that version is an ORM^O01 whose order detail segment is RXO; timing in ORC-7.
  const rxo = (code: string) => seg('RXO', { 1: code, 2: '500', 4: 'MG^milligram', 5: 'CAP^Capsule', 11: '30', 12: 'CAP', 13: '2', 14: 'AB1234563' });

  it('translates each ORC/RXO group, with ORC-7 timing and the RXR route', () => {
    const result = run([
      msh('ORM^O01', { 12: '2.3' }),
      PID,
      seg('PV1', { 1: '1', 2: 'I', 3: 'W9^12^A^WARD9' }),
      ORC('NW', { 7: '^Q8H^^20240501090000-0400' }),
      rxo('0093-0058-01^Amoxicillin 500 MG Cap^NDC'),
      RXR,
      ORC('DC', { 2: 'PLC101^EHR' }),
      rxo('00591-0369-01^Warfarin 5 MG Tab^NDC'),
    ]);
    expect(result.errors).toEqual([]);
    expect(result.unhandled).toBeUndefined();
    expect(result.events.map((e) => [e.type, e.drug?.ndc11, e.patient_ref])).toEqual([
      ['rx.order.new', '00093005801', PATIENT],
      ['rx.order.cancel', '00591036901', PATIENT],
    ]);
    expect(result.events[0]!.quantity).toEqual({ value: 30, unit: 'CAP' });
    expect(result.events[0]!.payload).toMatchObject({
      order: { placer: 'PLC100^EHR' },
      give: { amount_min: 500, unit: 'MG', dosage_form: { code: 'CAP', display: 'Capsule' } },
      refills: 2,
      prescriber_dea: 'AB1234563',
      route: { code: 'PO' },
      timing: [{ source: 'ORC-7', repeat: ['Q8H'], start: '2024-05-01T13:00:00.000Z' }],
      hl7v2: { message_type: 'ORM^O01', order_control: 'NW', group: 1 },
    });
    expect(leaksPhi(result)).toEqual([]);
  });

  it('keeps an ORM^O01 whole as hl7v2.unhandled when any of its orders is not a pharmacy order', () => {
    const lab = seg('OBR', { 1: '1', 4: '24331-1^Lipid panel^LN' });
    for (const lines of [
      [msh('ORM^O01'), PID, ORC('NW'), lab],
      [msh('ORM^O01'), PID, ORC('NW'), rxo('0093-0058-01^Amoxicillin^NDC'), ORC('NW', { 2: 'PLC101^EHR' }), lab],
      [msh('ORM^O01'), PID],
    ]) {
      const result = run(lines);
      expect(result.errors).toEqual([]);
      expect(result.unhandled).toBe(true);
      expect(result.events.map((e) => e.type)).toEqual(['hl7v2.unhandled']);
    }
  });
});

// ---- dispenses -------------------------------------------------------------------------------------------------

const RXD = (extra: Record<number, string> = {}) =>
  seg('RXD', {
    1: '1',
    2: '0093-0058-01^Amoxicillin 500 MG Cap^NDC',
    3: '20240502101000-0400',
    4: '60',
    5: 'CAP^capsule',
    6: 'CAP^Capsule',
    7: 'RX778899',
    8: '2',
    9: 'Zebedee asked for easy-open cap',
    10: '1112223334^Pill^Paula^^^^^^^^^^NPI',
    11: 'G',
    18: 'LOT-A~LOT-B',
    19: '202612~20270131',
    ...extra,
  });

describe('RDS^O13 → rx.dispense', () => {
  const rds = (extra: Record<number, string> = {}, control = 'RE') => [msh('RDS^O13^RDS_O13'), PID, ORC(control), RXE(), RXD(extra), RXR];

  it('records where the dispense went: the patient class and location of PV1', () => {
    const lines = [msh('RDS^O13^RDS_O13'), PID, seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^WARD9^^N^TOWER A^4', 19: 'VISIT0099^^^HOSP^VN' }), ORC('RE'), RXE(), RXD(), RXR];
    const e = run(lines).events[0]!;
    expect(e.payload.location).toEqual({ point_of_care: '4W', room: '412', bed: 'B', facility: 'WARD9', building: 'TOWER A', floor: '4' });
    expect(e.payload.patient_class).toBe('I');
    expect(JSON.stringify(e)).not.toContain('VISIT0099');
  });

  it('translates one RXD: NDC-11, date, quantity, Rx number, dispensing provider by id, lots and expiries', () => {
    const result = run(rds());
    expect(result.errors).toEqual([]);
    const e = result.events[0]!;
    expect(e.type).toBe('rx.dispense');
    expect(e.occurred_at).toBe('2024-05-02T14:10:00.000Z');
    expect(e.facility_id).toBe('fac-hosp'); // no PV1: MSH-4
    expect(e.patient_ref).toBe(PATIENT);
    expect(e.drug).toEqual({ ndc11: '00093005801', ndc_raw: '0093-0058-01', lot: 'LOT-A', expiry: '2026-12-31', schedule: 'UNMAPPED' });
    expect(e.quantity).toEqual({ value: 60, unit: 'CAP' });
    expect(e.payload).toEqual({
      order: { placer: 'PLC100^EHR', filler: 'FIL200^RX' },
      prescription_number: 'RX778899',
      dispense_sub_id: 1,
      codes: [{ code: '0093-0058-01', display: 'Amoxicillin 500 MG Cap', system: 'NDC' }],
      amount: 60,
      unit: 'CAP',
      dosage_form: { code: 'CAP', display: 'Capsule' },
      refills_remaining: 2,
      dispensing_provider: { id: '1112223334', id_type: 'NPI' },
      substitution: 'G',
      more_lots: [{ lot: 'LOT-B', expiry: '2027-01-31' }],
      route: { code: 'PO', display: 'Oral', system: 'HL70162' },
      site: { code: 'LA', display: 'Left arm' },
      hl7v2: { message_type: 'RDS^O13', order_control: 'RE', group: 1 },
    });
    expect(leaksPhi(result)).toEqual([]);
    expect(JSON.stringify(e)).not.toContain('Pill'); // provider names are not carried either
  });

  it.each([
    ['0093-0058-01', '00093005801'], // 4-4-2: zero before the labeler
    ['50580-506-02', '50580050602'], // 5-3-2: zero before the product
    ['12345-6789-1', '12345678901'], // 5-4-1: zero before the package
    ['12345-6789-01', '12345678901'], // 5-4-2
    ['00093005801', '00093005801'], // 11 digits
    ['0093005801', undefined], // bare 10 digits: ambiguous, never padded
    ['62756-017', undefined], // product code only
    ['999', undefined],
  ])('NDC %s → ndc11 %s, ndc_raw as written, never an error', (ndc, ndc11) => {
    const result = run(rds({ 2: `${ndc}^Some drug^NDC` }));
    expect(result.errors).toEqual([]);
    const drug = result.events[0]!.drug!;
    expect(drug.ndc_raw).toBe(ndc);
    expect(drug.ndc11).toBe(ndc11);
    expect(drug.schedule).toBe('UNMAPPED');
  });

  it('leaves a bare 10-digit NDC to the resolver, whose product table can settle it', () => {
    const drugs = resolverWith([{ ndc11: '00093005801', schedule: 'II' }]);
    const result = run(rds({ 2: '0093005801^Some drug^NDC' }), { drugs });
    expect(result.events[0]!.drug).toEqual({ ndc11: '00093005801', ndc_raw: '0093005801', lot: 'LOT-A', expiry: '2026-12-31', schedule: 'II' });
  });

  it('uses RxNorm codes (the resolver first, the code itself otherwise) and keeps NDC fields for NDC codes only', () => {
    const known = run(rds({ 2: '308191^amoxicillin 500 MG^RXNORM' }), { drugs: resolverWith([{ ndc11: '00093310905', rxnorm: '308191', schedule: 'NC' }]) });
    expect(known.events[0]!.drug).toMatchObject({ rxnorm: '308191', schedule: 'NC' });
    expect(known.events[0]!.drug).not.toHaveProperty('ndc_raw');
    const unknown = run(rds({ 2: '999999^unknown^RxNorm' }));
    expect(unknown.events[0]!.drug).toMatchObject({ rxnorm: '999999', schedule: 'UNMAPPED' });
  });

  it('turns ORC-1 CA / CR / OC into rx.dispense.reversal', () => {
    for (const control of ['CA', 'CR', 'OC']) expect(run(rds({}, control)).events[0]!.type).toBe('rx.dispense.reversal');
    expect(run(rds({}, 'DC')).events[0]!.type).toBe('rx.dispense');
  });

  it('gives one event per RXD and names the RXD occurrence of a malformed date (102)', () => {
    const result = run([msh('RDS^O13'), PID, ORC('RE'), RXE(), RXD(), RXR, ORC('RE', { 2: 'PLC2' }), RXD({ 1: '2', 3: '2024050225', 4: 'sixty' })]);
    expect(result.events.map((e) => e.type)).toEqual(['rx.dispense', 'rx.dispense']);
    expect(result.errors.map((e) => e.location)).toEqual([
      expect.objectContaining({ segment: 'RXD', occurrence: 2, segmentIndex: 8, field: 4, repetition: 1 }),
      expect.objectContaining({ segment: 'RXD', occurrence: 2, segmentIndex: 8, field: 3, repetition: 1, component: 1 }),
    ]);
    // falls back to ORC-9 for occurred_at
    expect(result.events[1]!.occurred_at).toBe('2024-05-01T12:15:00.000Z');
    expect(result.events[1]!.payload.prescription_number).toBe('RX778899');
  });

  it('still publishes an unmapped drug (schedule UNMAPPED, no error) and reports a failing resolver (207)', () => {
    const unmapped = run(rds({ 2: 'LOCAL42^Mystery^99LOC' }));
    expect(unmapped.errors).toEqual([]);
    expect(unmapped.events[0]!.drug).toMatchObject({ schedule: 'UNMAPPED' });
    const broken = run(rds(), {
      drugs: {
        resolve() {
          throw new Error('cache not loaded');
        },
      },
    });
    expect(broken.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[207, 'RXD', 2]]);
    expect(broken.events[0]!.drug).toMatchObject({ schedule: 'UNMAPPED' });
  });

  it('reports a lot longer than the event allows (102) instead of emitting an invalid event', () => {
    const result = run(rds({ 18: 'L'.repeat(65) }));
    expect(result.errors.map((e) => [e.code, e.location.field])).toEqual([[102, 18]]);
    expectValid(result);
  });
});

// ---- administrations -------------------------------------------------------------------------------------------

describe('RAS^O17, VXU^V04, RGV^O15 → rx.administration', () => {
  it('RAS: one administered event per RXA with provider ids, status, lot and route', () => {
    const result = run([
      msh('RAS^O17^RAS_O17'),
      PID,
      ORC('RE'),
      seg('RXA', { 1: '0', 2: '1', 3: '20240501140500-0400', 4: '20240501141000-0400', 5: '00409-1234-01^Morphine 2 mg/mL^NDC', 6: '2', 7: 'mg', 10: 'RN77^Nurse^Nora', 15: 'M-LOT', 16: '20250630', 20: 'CP', 21: 'A' }),
      seg('RXR', { 1: 'IV^Intravenous' }),
      seg('RXA', { 1: '0', 2: '2', 3: '20240501200000-0400', 5: '00409-1234-01^Morphine^NDC', 6: '0', 7: 'mg', 20: 'RE' }),
    ], { drugs: resolverWith([{ ndc11: '00409123401', schedule: 'II' }]) });
    expect(result.errors).toEqual([]);
    expect(result.events.map((e) => [e.type, e.payload.kind, e.occurred_at, e.payload.completion_status])).toEqual([
      ['rx.administration', 'administered', '2024-05-01T18:05:00.000Z', 'CP'],
      ['rx.administration', 'administered', '2024-05-02T00:00:00.000Z', 'RE'],
    ]);
    const first = result.events[0]!;
    expect(first.drug).toEqual({ ndc11: '00409123401', ndc_raw: '00409-1234-01', lot: 'M-LOT', expiry: '2025-06-30', schedule: 'II' });
    expect(first.quantity).toEqual({ value: 2, unit: 'mg' });
    expect(first.payload).toMatchObject({
      start: '2024-05-01T18:05:00.000Z',
      end: '2024-05-01T18:10:00.000Z',
      administering_providers: [{ id: 'RN77' }],
      action_code: 'A',
      route: { code: 'IV' },
      hl7v2: { message_type: 'RAS^O17', order_control: 'RE', group: 1 },
    });
    expect(result.events[1]!.payload).not.toHaveProperty('route'); // the RXR belongs to the first RXA
    expect(leaksPhi(result)).toEqual([]);
  });

  it('RAS: the OBXs after each RXA are its observations — numbers, codes, dates and times, never text', () => {
    const lines = [
      msh('RAS^O17^RAS_O17'),
      PID,
      ORC('RE'),
      seg('RXA', { 1: '0', 2: '1', 3: '20240501140500-0400', 5: '00409-1234-01^Morphine^NDC', 6: '2', 7: 'mg' }),
      seg('RXR', { 1: 'IV' }),
      seg('OBX', { 1: '1', 2: 'NM', 3: '72514-3^Pain severity 0-10^LN', 5: '7', 11: 'F', 14: '20240501140000-0400' }),
      seg('OBX', { 1: '2', 2: 'ST', 3: '8251-1^Comment^LN', 5: 'asked for her daughter Zebedee' }),
      seg('RXA', { 1: '0', 2: '2', 3: '20240501200000-0400', 5: '00409-1234-01^Morphine^NDC', 6: '2', 7: 'mg' }),
      seg('OBX', { 1: '1', 2: 'DT', 3: '29769-7^VIS presented^LN', 5: '202405' }),
      seg('OBX', { 1: '2', 2: 'TS', 3: '30952-6^Date and time of vaccination^LN', 5: '20240501195500-0400' }),
    ];
    const result = run(lines);
    expect(result.errors).toEqual([]);
    expect(result.events.map((e) => e.payload.observations)).toEqual([
      [{ code: { code: '72514-3', display: 'Pain severity 0-10', system: 'LN' }, value: 7, status: 'F', observed_at: '2024-05-01T18:00:00.000Z' }],
      [
        // a DT keeps the precision it was written to: a month is not a day
        { code: { code: '29769-7', display: 'VIS presented', system: 'LN' }, value_date: '2024-05' },
        { code: { code: '30952-6', display: 'Date and time of vaccination', system: 'LN' }, value_time: '2024-05-01T23:55:00.000Z' },
      ],
    ]);
    expect(JSON.stringify(result.events)).not.toContain('daughter');
    // HL7_ADMINISTRATION_OBSERVATIONS narrows them; HL7_ORDER_OBSERVATIONS is another setting and does not
    const narrowed = run(lines, { administrationObservations: new CodeList(['29769-7']), orderObservations: 'none' });
    expect(narrowed.events.map((e) => e.payload.observations)).toEqual([undefined, [{ code: { code: '29769-7', display: 'VIS presented', system: 'LN' }, value_date: '2024-05' }]]);
    expect(run(lines, { administrationObservations: 'none' }).events.every((e) => !('observations' in e.payload))).toBe(true);
    // a date or time that is not one is a 102 at OBX-5
    const bad = run([msh('RAS^O17^RAS_O17'), PID, ORC('RE'), lines[3]!, seg('OBX', { 1: '1', 2: 'DT', 3: '29769-7^VIS presented^LN', 5: '2024-05-01' })]);
    expect(bad.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'OBX', 5]]);
  });

  it('VXU without ORC: RXA still translates', () => {
    const result = run([msh('VXU^V04^VXU_V04'), PID, seg('RXA', { 1: '0', 2: '1', 3: '20240301', 5: '08^HepB^CVX', 6: '0.5', 7: 'mL' })]);
    expect(result.errors).toEqual([]);
    expect(result.events[0]).toMatchObject({ type: 'rx.administration', occurred_at: '2024-03-01T00:00:00.000Z', quantity: { value: 0.5, unit: 'mL' } });
    expect(result.events[0]!.payload.hl7v2).toEqual({ message_type: 'VXU^V04' });
  });

  it('RGV: one give event per RXG, with TQ1 timing and the give amount', () => {
    const result = run([
      msh('RGV^O15^RGV_O15'),
      PID,
      ORC('NW'),
      seg('RXG', { 1: '1', 2: '1', 4: '0093-0058-01^Amoxicillin^NDC', 5: '1', 7: 'CAP' }),
      seg('TQ1', { 1: '1', 3: 'Q12H', 7: '20240501090000-0400' }),
      seg('RXR', { 1: 'PO' }),
    ]);
    expect(result.errors).toEqual([]);
    const e = result.events[0]!;
    expect(e.type).toBe('rx.administration');
    expect(e.occurred_at).toBe('2024-05-01T12:15:00.000Z'); // ORC-9: when the give was ordered
    expect(e.quantity).toEqual({ value: 1, unit: 'CAP' });
    expect(e.payload).toMatchObject({
      kind: 'give',
      give: { amount_min: 1, unit: 'CAP' },
      give_sub_id: 1,
      timing: [{ source: 'TQ1', repeat: ['Q12H'], start: '2024-05-01T13:00:00.000Z' }],
      route: { code: 'PO' },
    });
  });

  it('reports an administration message without RXA or RXG (100)', () => {
    expect(run([msh('RAS^O17'), PID, ORC('RE')]).errors.map((e) => e.code)).toEqual([100]);
    expect(run([msh('RGV^O15'), PID, ORC('NW')]).errors.map((e) => e.code)).toEqual([100]);
  });
});

describe('where the doses go: deliver-to, dispense-to and administered-at places', () => {
  // LA1/LA2 (v2.5) begin with the eight PL components and go on with an address; only the place is carried.
  const WARD_7E_LA1 = '7E^701^^GENHOS&2.16.840.1.113883.3.1&ISO^^N^MAIN^7^1200 Hospital Dr&Hospital Dr&1200^^Springfield^IL^62701';
  const CABINET_LA2 = 'PYXIS-4W^^^GENHOS^^^TOWER A^4^742 Evergreen Terrace^^Springfield^OR^97403';

  it('RDE: RXE-8 (LA1) as deliver_to, without its address; PV1-3 stays the location', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, seg('PV1', { 1: '1', 2: 'I', 3: 'W9^12^A^WARD9' }), ORC('NW'), RXE({ 8: WARD_7E_LA1 }), RXR]);
    expect(result.errors).toEqual([]);
    const payload = result.events[0]!.payload;
    expect(payload.deliver_to).toEqual({ point_of_care: '7E', room: '701', facility: 'GENHOS', building: 'MAIN', floor: '7' });
    expect(payload.location).toEqual({ point_of_care: 'W9', room: '12', bed: 'A', facility: 'WARD9' });
    expect(JSON.stringify(result.events)).not.toMatch(/Hospital Dr|Springfield|62701/);
  });

  it('RDE: RXE-42 (PL, v2.5.1 on) before RXE-8; an order that names neither has no deliver_to', () => {
    const both = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 8: WARD_7E_LA1, 42: 'ONC-CLINIC^^^GENHOS' }), RXR]);
    expect(both.events[0]!.payload.deliver_to).toEqual({ point_of_care: 'ONC-CLINIC', facility: 'GENHOS' });
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR]).events[0]!.payload).not.toHaveProperty('deliver_to');
  });

  it('OMP: RXO-34 (PL), else RXO-8 (LA1)', () => {
    const rxo = (extra: Record<number, string>) => seg('RXO', { 1: '00591-0369-01^Warfarin 5 MG Tab^NDC', 2: '5', 4: 'mg', ...extra });
    expect(run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), rxo({ 8: WARD_7E_LA1 })]).events[0]!.payload.deliver_to).toEqual({
      point_of_care: '7E',
      room: '701',
      facility: 'GENHOS',
      building: 'MAIN',
      floor: '7',
    });
    expect(run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), rxo({ 8: WARD_7E_LA1, 34: '5S^^^GENHOS' })]).events[0]!.payload.deliver_to).toEqual({
      point_of_care: '5S',
      facility: 'GENHOS',
    });
  });

  it('RDS: RXD-13 (LA2) as dispense_to, the cabinet the dose went to, without the address that follows', () => {
    const result = run([msh('RDS^O13^RDS_O13'), PID, ORC('RE'), RXE(), RXD({ 13: CABINET_LA2 }), RXR]);
    expect(result.errors).toEqual([]);
    const payload = result.events[0]!.payload;
    expect(payload.dispense_to).toEqual({ point_of_care: 'PYXIS-4W', facility: 'GENHOS', building: 'TOWER A', floor: '4' });
    expect(JSON.stringify(result.events)).not.toMatch(/Evergreen|Springfield|97403/);
    expect(run([msh('RDS^O13^RDS_O13'), PID, ORC('RE'), RXE(), RXD(), RXR]).events[0]!.payload).not.toHaveProperty('dispense_to');
  });

  it('RAS: PV1-3 as location and RXA-27 (PL), else RXA-11 (LA2), as administered_at', () => {
    const rxa = (extra: Record<number, string>) => seg('RXA', { 1: '0', 2: '1', 3: '20240501140500-0400', 5: '00409-1234-01^Morphine^NDC', 6: '2', 7: 'mg', ...extra });
    const pv1 = seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^GENHOS' });
    const older = run([msh('RAS^O17^RAS_O17'), PID, pv1, ORC('RE'), rxa({ 11: 'PACU^3^^GENHOS^^^TOWER A^2^1 Main St^^Springfield' })]);
    expect(older.errors).toEqual([]);
    expect(older.events[0]!.payload.location).toEqual({ point_of_care: '4W', room: '412', bed: 'B', facility: 'GENHOS' });
    expect(older.events[0]!.payload.administered_at).toEqual({ point_of_care: 'PACU', room: '3', facility: 'GENHOS', building: 'TOWER A', floor: '2' });
    expect(JSON.stringify(older.events)).not.toMatch(/Main St|Springfield/);
    const newer = run([msh('RAS^O17^RAS_O17'), PID, ORC('RE'), rxa({ 11: 'PACU^3^^GENHOS', 27: 'OR^12^^GENHOS' })]);
    expect(newer.events[0]!.payload.administered_at).toEqual({ point_of_care: 'OR', room: '12', facility: 'GENHOS' });
    expect(newer.events[0]!.payload).not.toHaveProperty('location');
  });

  it('RGV: RXG-29 (PL), else RXG-11 (LA2), as deliver_to', () => {
    const rxg = (extra: Record<number, string>) => seg('RXG', { 1: '1', 2: '1', 4: '0093-0058-01^Amoxicillin^NDC', 5: '1', 7: 'CAP', ...extra });
    expect(run([msh('RGV^O15^RGV_O15'), PID, ORC('NW'), rxg({ 11: CABINET_LA2 })]).events[0]!.payload.deliver_to).toEqual({
      point_of_care: 'PYXIS-4W',
      facility: 'GENHOS',
      building: 'TOWER A',
      floor: '4',
    });
    expect(run([msh('RGV^O15^RGV_O15'), PID, ORC('NW'), rxg({ 11: CABINET_LA2, 29: '4W^412^B^GENHOS' })]).events[0]!.payload.deliver_to).toEqual({
      point_of_care: '4W',
      room: '412',
      bed: 'B',
      facility: 'GENHOS',
    });
  });
});

describe('how a dose is given: per time unit, infusion rate, strength; substitution', () => {
  it('RDE: RXE-22 per, RXE-23/24 rate (a number in an ST field), RXE-25/26 strength, RXE-9 substitution', () => {
    const drip = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 9: 'N', 22: 'H1', 23: '18', 24: 'mL/h^milliliter per hour^UCUM', 25: '100', 26: 'U/mL^units per mL^UCUM' }), RXR]);
    expect(drip.errors).toEqual([]);
    expect(drip.events[0]!.payload.give).toMatchObject({ per: 'H1', rate: 18, rate_unit: 'mL/h', strength: 100, strength_unit: 'U/mL' });
    expect(drip.events[0]!.payload.substitution).toBe('N');
    // RXE-23 is ST: text such as "titrate" is not an error, and, like all free text, not carried.
    const titrated = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 23: 'titrate to MAP 65', 24: 'mL/h' }), RXR]);
    expect(titrated.errors).toEqual([]);
    expect(titrated.events[0]!.payload.give).not.toHaveProperty('rate');
    expect(JSON.stringify(titrated.events)).not.toContain('MAP 65');
  });

  it('OMP: RXO-17 per, RXO-21/22 rate, RXO-18/19 strength, RXO-9 allow substitutions; RGV: RXG-14…18', () => {
    const omp = run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), seg('RXO', { 1: '0409-7620-03^Heparin^NDC', 2: '1000', 4: 'U', 9: 'T', 17: 'H1', 18: '100', 19: 'U/mL', 21: '10', 22: 'mL/h' })]);
    expect(omp.events[0]!.payload).toMatchObject({ substitution: 'T', give: { amount_min: 1000, unit: 'U', per: 'H1', rate: 10, rate_unit: 'mL/h', strength: 100, strength_unit: 'U/mL' } });
    const rgv = run([msh('RGV^O15^RGV_O15'), PID, ORC('NW'), seg('RXG', { 1: '1', 4: '0409-7620-03^Heparin^NDC', 5: '1000', 7: 'U', 14: 'H1', 15: '10', 16: 'mL/h', 17: '100', 18: 'U/mL' })]);
    expect(rgv.events[0]!.payload.give).toMatchObject({ per: 'H1', rate: 10, rate_unit: 'mL/h', strength: 100, strength_unit: 'U/mL' });
  });

  it('reports a give strength that is not a number (102 at RXE-25)', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 25: 'strong' }), RXR]);
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'RXE', 25]]);
  });
});

describe('why the drug is given: indications (RXE-27, RXO-20, RXD-21, RXA-19, RXG-22)', () => {
  // a repetition of text alone (`^pain after fall at home`) is free text and is never carried
  const INDICATIONS = 'I48.91^Atrial fibrillation^I10~^pain after fall at home~49436004^Atrial fibrillation^SCT';
  const CODED = [
    { code: 'I48.91', display: 'Atrial fibrillation', system: 'I10' },
    { code: '49436004', display: 'Atrial fibrillation', system: 'SCT' },
  ];

  it('carries the coded indications of an order, a dispense, an administration and a give; never text alone', () => {
    const rde = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 27: INDICATIONS }), RXR]);
    const omp = run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), seg('RXO', { 1: '00591-0369-01^Warfarin 5 MG Tab^NDC', 2: '5', 4: 'mg', 20: INDICATIONS })]);
    const rds = run([msh('RDS^O13^RDS_O13'), PID, ORC('RE'), RXE(), RXD({ 21: INDICATIONS }), RXR]);
    const ras = run([msh('RAS^O17^RAS_O17'), PID, ORC('RE'), seg('RXA', { 1: '0', 2: '1', 3: '20240501140500-0400', 5: '00591-0369-01^Warfarin^NDC', 6: '5', 7: 'mg', 19: INDICATIONS })]);
    const rgv = run([msh('RGV^O15^RGV_O15'), PID, ORC('NW'), seg('RXG', { 1: '1', 4: '00591-0369-01^Warfarin^NDC', 5: '5', 7: 'mg', 22: INDICATIONS })]);
    for (const result of [rde, omp, rds, ras, rgv]) {
      expect(result.errors).toEqual([]);
      expect(result.events[0]!.payload.indications).toEqual(CODED);
      expect(JSON.stringify(result.events)).not.toContain('fall at home');
      expectValid(result);
    }
    // RDS's RXE-27 is the order's, not the dispense's
    expect(run([msh('RDS^O13^RDS_O13'), PID, ORC('RE'), RXE({ 27: INDICATIONS }), RXD(), RXR]).events[0]!.payload).not.toHaveProperty('indications');
    // an order without any has none
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR]).events[0]!.payload).not.toHaveProperty('indications');
  });
});

describe('what a pharmacist checks before filling: total daily dose (RXE-19, RXD-12) and review asked (RXE-20, RXO-16, RXD-14, RXG-12)', () => {
  it('carries the total daily dose with its unit and the review flag as a boolean', () => {
    const rde = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 19: '3000^mg&milligram&UCUM', 20: 'Y' }), RXR]);
    expect(rde.errors).toEqual([]);
    expect(rde.events[0]!.payload).toMatchObject({ total_daily_dose: { value: 3000, unit: 'mg' }, needs_review: true });
    const omp = run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), seg('RXO', { 1: '00591-0369-01^Warfarin^NDC', 2: '5', 4: 'mg', 16: 'N' })]);
    expect(omp.events[0]!.payload.needs_review).toBe(false);
    expect(omp.events[0]!.payload).not.toHaveProperty('total_daily_dose');
    const rds = run([msh('RDS^O13^RDS_O13'), PID, ORC('RE'), RXE({ 19: '9999^mg' }), RXD({ 12: '2^CAP', 14: 'Y' }), RXR]);
    // the dispense's own dose, not the order's
    expect(rds.events[0]!.payload).toMatchObject({ total_daily_dose: { value: 2, unit: 'CAP' }, needs_review: true });
    const rgv = run([msh('RGV^O15^RGV_O15'), PID, ORC('NW'), seg('RXG', { 1: '1', 4: '00591-0369-01^Warfarin^NDC', 5: '5', 7: 'mg', 12: 'y' })]);
    expect(rgv.events[0]!.payload.needs_review).toBe(true);
    for (const result of [rde, omp, rds, rgv]) expectValid(result);
  });

  it('leaves out a review flag that is neither Y nor N, and answers a dose that is not a number with 102 at RXE-19', () => {
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 20: 'maybe' }), RXR]).events[0]!.payload).not.toHaveProperty('needs_review');
    const bad = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE({ 19: 'three grams^mg' }), RXR]);
    expect(bad.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'RXE', 19]]);
  });
});

describe('components of compounded and IV products (RXC)', () => {
  // A hydromorphone PCA: the give code is the pharmacy's own compound code; the controlled substance is an additive.
  const BASE = seg('RXC', { 1: 'B', 2: '0338-0049-04^Sodium chloride 0.9% 100 mL^NDC', 3: '100', 4: 'mL^milliliter^UCUM' });
  const ADDITIVE = seg('RXC', { 1: 'A', 2: '0409-2634-01^Hydromorphone 10 mg/mL^NDC', 3: '2', 4: 'mL^milliliter^UCUM', 5: '20', 6: 'mg^milligram^UCUM', 8: '10', 9: 'mL' });
  const drugs = resolverWith([{ ndc11: '00409263401', schedule: 'II' }, { ndc11: '00338004904', schedule: 'NC' }]);
  const PCA_RXE = RXE({ 2: 'PCA-HM^Hydromorphone PCA 0.2 mg/mL^LOCAL' });

  it('RDE: the RXCs after the RXE, each as its own drug with the schedule the mapping tables give it', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), seg('RXO', { 1: 'PCA-HM^PCA^LOCAL' }), seg('RXC', { 1: 'A', 2: 'OTHER^asked for^LOCAL' }), PCA_RXE, RXR, BASE, ADDITIVE], { drugs });
    expect(result.errors).toEqual([]);
    expect(result.events[0]!.drug!.schedule).toBe('UNMAPPED'); // the compound code: parked until an analyst maps it
    expect(result.events[0]!.payload.components).toEqual([
      {
        type: 'B',
        codes: [{ code: '0338-0049-04', display: 'Sodium chloride 0.9% 100 mL', system: 'NDC' }],
        drug: { ndc11: '00338004904', ndc_raw: '0338-0049-04', schedule: 'NC' },
        amount: 100,
        unit: 'mL',
      },
      {
        type: 'A',
        codes: [{ code: '0409-2634-01', display: 'Hydromorphone 10 mg/mL', system: 'NDC' }],
        drug: { ndc11: '00409263401', ndc_raw: '0409-2634-01', schedule: 'II' },
        amount: 2,
        unit: 'mL',
        strength: 20,
        strength_unit: 'mg',
        volume: 10,
        volume_unit: 'mL',
      },
    ]);
  });

  it("RDE: the RXO's RXCs when the RXE has none; OMP: the RXCs after the RXO", () => {
    const rde = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), seg('RXO', { 1: 'PCA-HM^PCA^LOCAL' }), ADDITIVE, PCA_RXE, RXR], { drugs });
    expect((rde.events[0]!.payload.components as { type: string }[]).map((c) => c.type)).toEqual(['A']);
    const omp = run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), seg('RXO', { 1: 'PCA-HM^PCA^LOCAL', 2: '1', 4: 'mL' }), RXR, BASE, ADDITIVE], { drugs });
    expect((omp.events[0]!.payload.components as { drug: { schedule: string } }[]).map((c) => c.drug.schedule)).toEqual(['NC', 'II']);
  });

  it("RDS: each RXD's own RXCs, not the order's; RGV: the RXCs after the RXG", () => {
    const rds = run([msh('RDS^O13^RDS_O13'), PID, ORC('RE'), PCA_RXE, BASE, RXD({ 2: 'PCA-HM^PCA^LOCAL' }), RXR, ADDITIVE, RXD({ 1: '2', 2: 'PCA-HM^PCA^LOCAL' })], { drugs });
    expect(rds.errors).toEqual([]);
    expect((rds.events[0]!.payload.components as { type: string }[]).map((c) => c.type)).toEqual(['A']);
    expect(rds.events[1]!.payload).not.toHaveProperty('components');
    const rgv = run([msh('RGV^O15^RGV_O15'), PID, ORC('NW'), seg('RXG', { 1: '1', 4: 'PCA-HM^PCA^LOCAL', 5: '0.2', 7: 'mg' }), RXR, ADDITIVE], { drugs });
    expect((rgv.events[0]!.payload.components as { drug: { schedule: string } }[]).map((c) => c.drug.schedule)).toEqual(['II']);
  });

  it('answers an RXC without a component code with 101 at RXC-2', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), PCA_RXE, RXR, seg('RXC', { 1: 'A', 3: '2', 4: 'mL' })], { drugs });
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[101, 'RXC', 2]]);
  });
});

describe('observations an order carries (OBX): what a dose depends on', () => {
  const WEIGHT = seg('OBX', { 1: '1', 2: 'NM', 3: '29463-7^Body weight^LN', 5: '72.5', 6: 'kg^kilogram^UCUM', 11: 'F', 14: '20240501080000-0400' });
  const EGFR = seg('OBX', { 1: '2', 2: 'SN', 3: '33914-3^eGFR^LN', 5: '>^60', 6: 'mL/min/{1.73_m2}', 8: 'N', 11: 'F' });
  const RATIO = seg('OBX', { 1: '3', 2: 'SN', 3: '5206-8^Titer^LN', 5: '^1^:^128' });
  const PREGNANT = seg('OBX', { 1: '4', 2: 'CWE', 3: '82810-3^Pregnancy status^LN', 5: '77386006^Pregnant^SCT', 11: 'F' });
  const NOTE = seg('OBX', { 1: '5', 2: 'ST', 3: '8251-1^Service comment^LN', 5: 'lives with daughter Zebedee' });

  it('RDE: numbers, structured numbers and codes of the OBXs after the RXE; never text', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR, WEIGHT, EGFR, RATIO, PREGNANT, NOTE]);
    expect(result.errors).toEqual([]);
    expect(result.events[0]!.payload.observations).toEqual([
      { code: { code: '29463-7', display: 'Body weight', system: 'LN' }, value: 72.5, unit: 'kg', status: 'F', observed_at: '2024-05-01T12:00:00.000Z' },
      { code: { code: '33914-3', display: 'eGFR', system: 'LN' }, comparator: '>', value: 60, unit: 'mL/min/{1.73_m2}', abnormal: 'N', status: 'F' },
      { code: { code: '5206-8', display: 'Titer', system: 'LN' }, value: 1, separator: ':', value2: 128 },
      { code: { code: '82810-3', display: 'Pregnancy status', system: 'LN' }, value_coded: { code: '77386006', display: 'Pregnant', system: 'SCT' }, status: 'F' },
    ]);
    expect(JSON.stringify(result.events)).not.toContain('daughter');
  });

  it('OMP: the OBXs after the RXO; an order without any has none', () => {
    const omp = run([msh('OMP^O09^OMP_O09'), PID, ORC('NW'), seg('RXO', { 1: '00591-0369-01^Warfarin 5 MG Tab^NDC', 2: '5', 4: 'mg' }), RXR, seg('OBX', { 1: '1', 2: 'NM', 3: '34714-6^INR^LN', 5: '2.4' })]);
    expect(omp.events[0]!.payload.observations).toEqual([{ code: { code: '34714-6', display: 'INR', system: 'LN' }, value: 2.4 }]);
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR]).events[0]!.payload).not.toHaveProperty('observations');
  });

  it('carries only the observations HL7_ORDER_OBSERVATIONS names, or none', () => {
    const lines = [msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR, WEIGHT, EGFR, PREGNANT];
    const chosen = run(lines, { orderObservations: new CodeList(['29463-7', '33914-3']) });
    expect((chosen.events[0]!.payload.observations as { code: { code: string } }[]).map((o) => o.code.code)).toEqual(['29463-7', '33914-3']);
    expect(run(lines, { orderObservations: 'none' }).events[0]!.payload).not.toHaveProperty('observations');
    // A local code with its LOINC as the alternate (OBX-3.4) is carried when the LOINC is listed.
    const local = seg('OBX', { 1: '1', 2: 'NM', 3: 'WTKG^Weight^L^29463-7^Body weight^LN', 5: '80', 6: 'kg' });
    const byAlternate = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR, local], { orderObservations: new CodeList(['29463-7']) });
    expect(byAlternate.events[0]!.payload.observations).toEqual([
      { code: { code: 'WTKG', display: 'Weight', system: 'L' }, alternate_codes: [{ code: '29463-7', display: 'Body weight', system: 'LN' }], value: 80, unit: 'kg' },
    ]);
    // v2.7's second alternate (OBX-3.10–12) too
    const second = seg('OBX', { 1: '1', 2: 'NM', 3: 'WT^Weight^L^^^^^^^29463-7^Body weight^LN', 5: '80' });
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR, second]).events[0]!.payload.observations).toEqual([
      { code: { code: 'WT', display: 'Weight', system: 'L' }, alternate_codes: [{ code: '29463-7', display: 'Body weight', system: 'LN' }], value: 80 },
    ]);
    // A number that is not one is not read, so not reported, when its observation is not carried.
    const skipped = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR, seg('OBX', { 1: '1', 2: 'NM', 3: '2160-0^Creatinine^LN', 5: 'high' })], { orderObservations: 'none' });
    expect(skipped.errors).toEqual([]);
  });

  it('answers a number that is not one (NM) with 102 at OBX-5', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), RXR, seg('OBX', { 1: '1', 2: 'NM', 3: '29463-7^Body weight^LN', 5: 'seventy' })]);
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'OBX', 5]]);
  });
});

describe('ORU^R01 → patient.observation: the results a pharmacist doses by', () => {
  const PV1 = seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^HOSP', 19: 'V7781^^^HOSP^VN' });
  const BMP = seg('OBR', {
    1: '1',
    2: 'PL55^EHR',
    3: 'LAB88^LIS',
    4: '24323-8^Comprehensive metabolic panel^LN',
    7: '20240501063000-0400',
    16: '1234^Welby^Marcus^^^Dr^^^HOSP^L^^^NPI',
    22: '20240501081500-0400',
    25: 'F',
  });
  const CREATININE = seg('OBX', { 1: '1', 2: 'NM', 3: '2160-0^Creatinine^LN', 5: '2.1', 6: 'mg/dL', 8: 'H', 11: 'F' });
  const EGFR = seg('OBX', { 1: '2', 2: 'SN', 3: '33914-3^eGFR^LN', 5: '<^30', 6: 'mL/min/{1.73_m2}', 8: 'L', 11: 'F' });
  const COMMENT = seg('OBX', { 1: '3', 2: 'TX', 3: '8251-1^Comment^LN', 5: 'called to Dr Quincy' });
  const COAG = seg('OBR', { 1: '2', 3: 'LAB89^LIS', 4: '34714-6^INR^LN', 7: '20240501064500-0400', 25: 'P' });
  const INR = seg('OBX', { 1: '1', 2: 'NM', 3: '34714-6^INR^LN', 5: '3.4', 8: 'H', 11: 'P' });
  const visit = encounterToken(TOKEN_KEY, { authority: 'HOSP', type: 'VN', value: 'V7781' });

  it('one event per OBR with the numbers and codes after it, never text; the panel, order, times and status', () => {
    // the OBX after the SPM is the specimen's (its volume), not a result
    const SPECIMEN = [seg('SPM', { 1: '1', 4: '119364003^Serum^SCT' }), seg('OBX', { 1: '1', 2: 'NM', 3: '3128-7^Specimen volume^LN', 5: '5', 6: 'mL' })];
    const result = run([msh('ORU^R01^ORU_R01'), PID, PV1, BMP, CREATININE, EGFR, COMMENT, ...SPECIMEN, COAG, INR]);
    expect(result.errors).toEqual([]);
    expect(result.unhandled).toBeUndefined();
    expect(result.events.map((e) => [e.type, e.patient_ref, e.occurred_at])).toEqual([
      ['patient.observation', PATIENT, '2024-05-01T10:30:00.000Z'],
      ['patient.observation', PATIENT, '2024-05-01T10:45:00.000Z'],
    ]);
    expect(result.events[0]!.payload).toEqual({
      panel: { code: '24323-8', display: 'Comprehensive metabolic panel', system: 'LN' },
      order: { placer: 'PL55^EHR', filler: 'LAB88^LIS' },
      observed_at: '2024-05-01T10:30:00.000Z',
      reported_at: '2024-05-01T12:15:00.000Z',
      result_status: 'F',
      ordering_provider: { id: '1234', id_type: 'NPI', authority: 'HOSP' },
      observations: [
        { code: { code: '2160-0', display: 'Creatinine', system: 'LN' }, value: 2.1, unit: 'mg/dL', abnormal: 'H', status: 'F' },
        { code: { code: '33914-3', display: 'eGFR', system: 'LN' }, comparator: '<', value: 30, unit: 'mL/min/{1.73_m2}', abnormal: 'L', status: 'F' },
      ],
      patient_class: 'I',
      encounter_ref: visit,
      location: { point_of_care: '4W', room: '412', bed: 'B', facility: 'HOSP' },
      sex: 'F',
      age_years: 54,
      hl7v2: { message_type: 'ORU^R01', group: 1 },
    });
    expect(result.events[1]!.payload).toMatchObject({
      order: { filler: 'LAB89^LIS' },
      result_status: 'P',
      observations: [{ code: { code: '34714-6' }, value: 3.4, abnormal: 'H', status: 'P' }],
      hl7v2: { group: 2 },
    });
    expect(result.phi.map((p) => [p.source, p.token])).toEqual([
      ['PID', PATIENT],
      ['PV1', visit],
    ]);
    expect(JSON.stringify(result.events)).not.toMatch(/Quincy|V7781|Welby/);
    expect(leaksPhi(result)).toEqual([]);
  });

  it("gives each patient's results that patient's token and visit, when a message holds several", () => {
    const other = seg('PID', { 1: '2', 3: 'MRN7777^^^HOSP^MR', 5: 'Other^Person' });
    const result = run([msh('ORU^R01^ORU_R01'), PID, PV1, BMP, CREATININE, other, COAG, INR]);
    expect(result.errors).toEqual([]);
    const second = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN7777' });
    expect(result.events.map((e) => [e.patient_ref, e.payload.encounter_ref])).toEqual([
      [PATIENT, visit],
      [second, undefined], // the PV1 before the second PID is the first patient's
    ]);
    expect(JSON.stringify(result.events)).not.toContain('MRN7777');
    // a patient none of whose results is carried is not put in the vault either
    const creatinineOnly = run([msh('ORU^R01^ORU_R01'), PID, PV1, BMP, CREATININE, other, COAG, INR], { resultObservations: new CodeList(['2160-0']) });
    expect(creatinineOnly.events.map((e) => e.patient_ref)).toEqual([PATIENT]);
    expect(creatinineOnly.phi.map((p) => p.token)).toEqual([PATIENT, visit]);
  });

  it('HL7_RESULT_OBSERVATIONS: a group with no result carried gives no event; a message with none is untranslated', () => {
    const lines = [msh('ORU^R01^ORU_R01'), PID, PV1, BMP, CREATININE, EGFR, COMMENT, COAG, INR];
    const inrOnly = run(lines, { resultObservations: new CodeList(['34714-6']) });
    expect(inrOnly.events.map((e) => [e.type, e.payload.hl7v2])).toEqual([['patient.observation', { message_type: 'ORU^R01', group: 2 }]]);
    // none carried: HL7_UNHANDLED decides, as for a type never translated — kept (the default), recorded or refused
    const none = run(lines, { resultObservations: 'none' });
    expect(none.events.map((e) => e.type)).toEqual(['hl7v2.unhandled']);
    expect(none.events[0]!.payload.raw).toBe(text(lines));
    const refused = run(lines, { resultObservations: 'none', unhandled: { ORU: 'refuse' } });
    expect(refused.events).toEqual([]);
    expect(refused.refused).toMatchObject({ code: 200, location: { segment: 'MSH', field: 9 } });
    // a report of text only is the same
    const report = run([msh('ORU^R01^ORU_R01'), PID, BMP, COMMENT], { unhandled: { '*': 'record' } });
    expect(report.events.map((e) => [e.type, e.payload.raw])).toEqual([['hl7v2.unhandled', undefined]]);
  });

  it('needs an OBR (100), a PID before it (100) with an identifier (101); a malformed number is a 102', () => {
    expect(run([msh('ORU^R01^ORU_R01'), PID]).errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'MSH']]);
    expect(run([msh('ORU^R01^ORU_R01'), BMP, CREATININE]).errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'OBR']]);
    const noId = run([msh('ORU^R01^ORU_R01'), seg('PID', { 1: '1', 5: 'Doe^Jo' }), BMP, CREATININE]);
    expect(noId.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[101, 'PID', 3]]);
    const bad = run([msh('ORU^R01^ORU_R01'), PID, BMP, seg('OBX', { 1: '1', 2: 'NM', 3: '2160-0^Creatinine^LN', 5: 'high' })]);
    expect(bad.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'OBX', 5]]);
  });
});

describe('the visit (PV1-19) as an encounter token', () => {
  const pv1 = (visit: string) => seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^HOSP', 19: visit });
  const VISIT = encounterToken(TOKEN_KEY, { authority: 'HOSP', type: 'VN', value: 'V7781' });

  it('joins an admission, its orders, dispenses and administrations by one token; the number itself goes to the vault only', () => {
    const admit = run([msh('ADT^A01'), seg('EVN', { 2: '20240501083000' }), PID, pv1('V7781^^^HOSP^VN')]);
    const order = run([msh('RDE^O11^RDE_O11'), PID, pv1('V7781^^^HOSP^VN'), ORC('NW'), RXE(), RXR]);
    const dispense = run([msh('RDS^O13^RDS_O13'), PID, pv1('V7781^^^HOSP'), ORC('RE'), RXE(), RXD(), RXR]); // no CX-5: VN
    const given = run([msh('RAS^O17^RAS_O17'), PID, pv1('V7781^^^HOSP^VN'), ORC('RE'), seg('RXA', { 1: '0', 2: '1', 3: '20240501140500', 5: '00409-1234-01^Morphine^NDC', 6: '2', 7: 'mg' })]);
    for (const result of [admit, order, dispense, given]) {
      expect(result.errors).toEqual([]);
      expect(result.events[0]!.payload.encounter_ref).toBe(VISIT);
      expect(result.phi).toContainEqual({ token: VISIT, record: { identifiers: [{ authority: 'HOSP', type: 'VN', value: 'V7781' }] }, source: 'PV1' });
      expect(JSON.stringify(result.events)).not.toContain('V7781');
    }
    expect(VISIT).toMatch(/^enc_[0-9a-f]{64}$/);
  });

  it('keeps a visit number apart from a patient identifier written the same way, and from another authority', () => {
    const id = { authority: 'HOSP', type: 'VN', value: 'V7781' };
    expect(encounterToken(TOKEN_KEY, id).slice(4)).not.toBe(patientToken(TOKEN_KEY, id).slice(3));
    expect(encounterToken(TOKEN_KEY, { ...id, authority: 'CLINIC' })).not.toBe(encounterToken(TOKEN_KEY, id));
  });

  it('has no encounter without a PV1-19, and tokenises nothing for it', () => {
    const result = run([msh('RDS^O13^RDS_O13'), PID, seg('PV1', { 1: '1', 2: 'I', 3: '4W' }), ORC('RE'), RXE(), RXD(), RXR]);
    expect(result.events[0]!.payload).not.toHaveProperty('encounter_ref');
    expect(result.phi.map((p) => p.source)).toEqual(['PID']);
  });
});

// ---- patients --------------------------------------------------------------------------------------------------

describe('ADT → patient.update / patient.merge', () => {
  const EVN = seg('EVN', { 1: 'A08', 2: '20240501080000-0400', 6: '20240501075500-0400' });

  it.each(['A01', 'A04', 'A08', 'A31'])('ADT^%s → one patient.update carrying only the token; identifiers and demographics go to phi', (trigger) => {
    const result = run([msh(`ADT^${trigger}`), EVN, PID, seg('PV1', { 1: '1', 2: 'O' })]);
    expect(result.errors).toEqual([]);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      type: 'patient.update',
      occurred_at: '2024-05-01T11:55:00.000Z', // EVN-6 before EVN-2
      patient_ref: PATIENT,
      payload: { trigger, identifier_types: ['SS', 'MR'], patient_class: 'O', hl7v2: { message_type: `ADT^${trigger}`, event_type_code: 'A08' } },
    });
    expect(result.events[0]).not.toHaveProperty('drug');
    expect(leaksPhi(result)).toEqual([]);
    expect(result.phi).toEqual([
      {
        token: PATIENT,
        source: 'PID',
        record: {
          identifiers: [
            { authority: 'USSSA', type: 'SS', value: 'SSN111223333' },
            { authority: 'HOSP', type: 'MR', value: 'MRN4455' },
            { authority: '', type: '', value: 'EXT999' },
            { authority: '', type: 'AN', value: 'ACCT5566' },
            { authority: '', type: 'SS', value: '123-45-6789' },
          ],
          demographics: {
            family_name: 'Zebedee',
            given_name: 'Quincy',
            middle_name: 'Q',
            birth_date: '1970-02-14',
            sex: 'F',
            address_street: '12 Juniper Lane',
            address_city: 'Springfield',
            address_state: 'IL',
            address_postal_code: '62701',
            phone_home: '(217)555-0199',
          },
        },
      },
    ]);
  });

  // v2.5 chapter 3, the event names of each trigger
  it.each([
    ['A01', 'admit'],
    ['A02', 'transfer'],
    ['A03', 'discharge'],
    ['A04', 'register'],
    ['A05', 'pre_admit'],
    ['A06', 'change_to_inpatient'],
    ['A07', 'change_to_outpatient'],
    ['A08', 'update'],
    ['A11', 'cancel_admit'],
    ['A12', 'cancel_transfer'],
    ['A13', 'cancel_discharge'],
    ['A14', 'pending_admit'],
    ['A15', 'pending_transfer'],
    ['A16', 'pending_discharge'],
    ['A21', 'leave_of_absence'],
    ['A22', 'return_from_leave_of_absence'],
    ['A25', 'cancel_pending_discharge'],
    ['A26', 'cancel_pending_transfer'],
    ['A27', 'cancel_pending_admit'],
    ['A28', 'add_person'],
    ['A31', 'update_person'],
    ['A38', 'cancel_pre_admit'],
    ['A52', 'cancel_leave_of_absence'],
    ['A53', 'cancel_return_from_leave_of_absence'],
  ])('ADT^%s → patient.update with action %s, PHI only in the vault list', (trigger, action) => {
    const result = run([msh(`ADT^${trigger}`), seg('EVN', { 1: trigger, 2: '20240501080000-0400' }), PID, seg('PV1', { 1: '1', 2: 'I' })]);
    expect(result.errors).toEqual([]);
    expect(result.unhandled).toBeUndefined();
    expect(result.events.map((e) => [e.type, e.patient_ref, e.payload.action, e.payload.trigger])).toEqual([['patient.update', PATIENT, action, trigger]]);
    expect(result.phi.map((p) => p.token)).toEqual([PATIENT]);
    expect(leaksPhi(result)).toEqual([]);
  });

  it('reads where the patient is (PV1-3), was (PV1-6), and the admit and discharge times (PV1-44/45)', () => {
    const pv1 = seg('PV1', {
      1: '1',
      2: 'I',
      3: '4W&1.2.3&ISO^412^B^GENHOS&2.16.840.1.5&ISO^^N^TOWER A^4',
      6: 'ICU^7^^GENHOS',
      7: '4411^House^Gregory^^^Dr^^^HOSP^L^^^NPI',
      17: '5522^Quinn^Michaela^^^Dr^^^HOSP',
      19: 'VISIT0099^^^HOSP^VN',
      44: '20240428221500-0400',
      45: '202405011000-0400',
    });
    const result = run([msh('ADT^A02'), seg('EVN', { 1: 'A02', 2: '20240501080000-0400' }), PID, pv1]);
    expect(result.errors).toEqual([]);
    const payload = result.events[0]!.payload;
    expect(payload.location).toEqual({ point_of_care: '4W', room: '412', bed: 'B', facility: 'GENHOS', building: 'TOWER A', floor: '4' });
    expect(payload.prior_location).toEqual({ point_of_care: 'ICU', room: '7', facility: 'GENHOS' });
    // the doctors by identifier only
    expect(payload.attending).toEqual({ id: '4411', id_type: 'NPI', authority: 'HOSP' });
    expect(payload.admitting).toEqual({ id: '5522', authority: 'HOSP' });
    expect(JSON.stringify(result.events[0])).not.toMatch(/House|Quinn/);
    expect(payload.admitted_at).toBe('2024-04-29T02:15:00.000Z');
    expect(payload.discharged_at).toBe('2024-05-01T14:00:00.000Z');
    // the visit number is an identifier: it stays out of the event
    expect(JSON.stringify(result.events[0])).not.toContain('VISIT0099');
  });

  it('reads what a pending event expects: the pending location (PV1-42), expected admit and discharge (PV2-8/9)', () => {
    const transfer = run([
      msh('ADT^A15^ADT_A15'),
      seg('EVN', { 1: 'A15', 2: '20240501080000-0400' }),
      PID,
      seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^GENHOS', 42: 'ONC^22^A^GENHOS' }),
    ]);
    expect(transfer.errors).toEqual([]);
    expect(transfer.events[0]!.payload).toMatchObject({
      action: 'pending_transfer',
      location: { point_of_care: '4W', room: '412', bed: 'B', facility: 'GENHOS' },
      pending_location: { point_of_care: 'ONC', room: '22', bed: 'A', facility: 'GENHOS' },
    });
    const discharge = run([
      msh('ADT^A16^ADT_A16'),
      seg('EVN', { 1: 'A16', 2: '20240501080000-0400' }),
      PID,
      seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^GENHOS', 19: 'VISIT0099^^^HOSP^VN' }),
      seg('PV2', { 8: '20240428', 9: '202405021400-0400' }),
    ]);
    expect(discharge.errors).toEqual([]);
    const payload = discharge.events[0]!.payload;
    expect(payload.action).toBe('pending_discharge');
    expect(payload.expected_discharge_at).toBe('2024-05-02T18:00:00.000Z');
    // a date alone is the start of that day in the sender's zone (UTC here)
    expect(payload.expected_admit_at).toBe('2024-04-28T00:00:00.000Z');
    expect(payload.encounter_ref).toBe(encounterToken(TOKEN_KEY, { authority: 'HOSP', type: 'VN', value: 'VISIT0099' }));
    expect(leaksPhi(discharge)).toEqual([]);
  });

  it('reads when a patient on leave of absence is expected back (PV2-47), and answers a malformed one with 102', () => {
    const leave = run([msh('ADT^A21^ADT_A21'), seg('EVN', { 1: 'A21', 2: '20240501080000-0400' }), PID, seg('PV1', { 1: '1', 2: 'I' }), seg('PV2', { 47: '20240503180000-0400' })]);
    expect(leave.errors).toEqual([]);
    expect(leave.events[0]!.payload).toMatchObject({ action: 'leave_of_absence', expected_return_at: '2024-05-03T22:00:00.000Z' });
    const bad = run([msh('ADT^A21^ADT_A21'), PID, seg('PV1', { 1: '1', 2: 'I' }), seg('PV2', { 47: 'tomorrow' })]);
    expect(bad.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'PV2', 47]]);
  });

  it('carries the OBXs of an ADT as the patient\'s observations (weight, height), never text; HL7_ADT_OBSERVATIONS narrows them', () => {
    const lines = [
      msh('ADT^A01^ADT_A01'),
      EVN,
      PID,
      seg('PV1', { 1: '1', 2: 'I' }),
      seg('OBX', { 1: '1', 2: 'NM', 3: '29463-7^Body weight^LN', 5: '81.2', 6: 'kg^kilogram^UCUM', 11: 'F', 14: '20240501080000-0400' }),
      seg('OBX', { 1: '2', 2: 'NM', 3: '8302-2^Body height^LN', 5: '178', 6: 'cm', 11: 'F' }),
      seg('OBX', { 1: '3', 2: 'ST', 3: '8251-1^Comment^LN', 5: 'weighed by daughter Juniper' }),
      seg('AL1', { 1: '1', 2: 'DA', 3: '70618^Penicillin^RXNORM' }),
    ];
    const result = run(lines);
    expect(result.errors).toEqual([]);
    expect(result.events[0]!.payload.observations).toEqual([
      { code: { code: '29463-7', display: 'Body weight', system: 'LN' }, value: 81.2, unit: 'kg', status: 'F', observed_at: '2024-05-01T12:00:00.000Z' },
      { code: { code: '8302-2', display: 'Body height', system: 'LN' }, value: 178, unit: 'cm', status: 'F' },
    ]);
    expect(JSON.stringify(result.events)).not.toContain('Juniper');
    const weightOnly = run(lines, { adtObservations: new CodeList(['29463-7']), orderObservations: 'none', resultObservations: 'none' });
    expect((weightOnly.events[0]!.payload.observations as { value: number }[]).map((o) => o.value)).toEqual([81.2]);
    expect(run(lines, { adtObservations: 'none' }).events[0]!.payload).not.toHaveProperty('observations');
  });

  it('leaves location and times out when PV1 has none, and when there is no PV1', () => {
    for (const lines of [[msh('ADT^A28'), PID, seg('PV1', { 1: '1', 2: 'N' })], [msh('ADT^A28'), PID]]) {
      const payload = run(lines).events[0]!.payload;
      for (const key of ['location', 'prior_location', 'pending_location', 'admitted_at', 'discharged_at', 'expected_discharge_at']) {
        expect(payload).not.toHaveProperty(key);
      }
    }
  });

  it('answers a malformed discharge time with 102 at PV1-45', () => {
    const result = run([msh('ADT^A03'), PID, seg('PV1', { 1: '1', 2: 'I', 45: '2024-05-01' })]);
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'PV1', 45]]);
  });

  it('gives the same token for the patient in ADT and in an order from the same sender', () => {
    const adt = run([msh('ADT^A08'), EVN, PID]);
    const order = run(rde());
    expect(adt.events[0]!.patient_ref).toBe(order.events[0]!.patient_ref);
  });

  it('tokenises the first identifier when none is typed MR, and PID-2 when PID-3 is empty', () => {
    const noMr = run([msh('ADT^A08'), EVN, seg('PID', { 1: '1', 3: 'X1^^^LAB^PI~X2^^^LAB^MR2', 5: 'Doe^Jo' })]);
    expect(noMr.events[0]!.patient_ref).toBe(patientToken(TOKEN_KEY, { authority: 'LAB', type: 'PI', value: 'X1' }));
    const pid2 = run([msh('ADT^A04'), EVN, seg('PID', { 1: '1', 2: 'OLD77^^^CLINIC', 5: 'Doe^Jo' })]);
    expect(pid2.events[0]!.patient_ref).toBe(patientToken(TOKEN_KEY, { authority: 'CLINIC', type: '', value: 'OLD77' }));
  });

  it('needs a PID (100) with an identifier (101)', () => {
    expect(run([msh('ADT^A01'), EVN]).errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'MSH']]);
    const noId = run([msh('ADT^A01'), EVN, seg('PID', { 1: '1', 5: 'Doe^Jo' })]);
    expect(noId.events).toEqual([]);
    expect(noId.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[101, 'PID', 3]]);
  });

  it('falls back to EVN-2 and then to MSH-7 for occurred_at', () => {
    expect(run([msh('ADT^A08'), seg('EVN', { 1: 'A08', 2: '20240501080000-0400' }), PID]).events[0]!.occurred_at).toBe('2024-05-01T12:00:00.000Z');
    expect(run([msh('ADT^A08'), PID]).events[0]!.occurred_at).toBe('2024-05-01T12:30:00.000Z');
  });

  // v2.5 §3.3.17: MSH EVN, then PID PV1 [PV2] [OBX] for each of the two patients
  it('ADT^A17 → one patient.update (swap) per patient, each with its own token, visit, places and observations', () => {
    const result = run([
      msh('ADT^A17^ADT_A17'),
      seg('EVN', { 1: 'A17', 2: '20240501080000-0400' }),
      PID,
      seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B^GENHOS', 6: '4W^415^A^GENHOS', 19: 'VISIT0099^^^HOSP^VN' }),
      seg('OBX', { 1: '1', 2: 'NM', 3: '29463-7^Body weight^LN', 5: '81.2', 6: 'kg', 11: 'F' }),
      seg('PID', { 1: '2', 3: 'MRN7777^^^HOSP^MR', 5: 'Other^Person' }),
      seg('PV1', { 1: '1', 2: 'I', 3: '4W^415^A^GENHOS', 6: '4W^412^B^GENHOS', 19: 'VISIT0100^^^HOSP^VN' }),
      seg('PV2', { 9: '202405021400-0400' }),
    ]);
    expect(result.errors).toEqual([]);
    const second = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN7777' });
    expect(result.events.map((e) => [e.type, e.patient_ref, e.payload.action, e.payload.trigger])).toEqual([
      ['patient.update', PATIENT, 'swap', 'A17'],
      ['patient.update', second, 'swap', 'A17'],
    ]);
    const [one, two] = result.events.map((e) => e.payload);
    expect(one).toMatchObject({
      location: { point_of_care: '4W', room: '412', bed: 'B', facility: 'GENHOS' },
      prior_location: { point_of_care: '4W', room: '415', bed: 'A', facility: 'GENHOS' },
      encounter_ref: encounterToken(TOKEN_KEY, { authority: 'HOSP', type: 'VN', value: 'VISIT0099' }),
      observations: [{ code: { code: '29463-7', display: 'Body weight', system: 'LN' }, value: 81.2, unit: 'kg', status: 'F' }],
      hl7v2: { message_type: 'ADT^A17', event_type_code: 'A17', pair: 1 },
    });
    expect(two).toMatchObject({
      location: { point_of_care: '4W', room: '415', bed: 'A', facility: 'GENHOS' },
      prior_location: { point_of_care: '4W', room: '412', bed: 'B', facility: 'GENHOS' },
      encounter_ref: encounterToken(TOKEN_KEY, { authority: 'HOSP', type: 'VN', value: 'VISIT0100' }),
      expected_discharge_at: '2024-05-02T18:00:00.000Z',
      hl7v2: { pair: 2 },
    });
    // the first patient's weight is not the second's
    expect(two).not.toHaveProperty('observations');
    expect(result.events.every((e) => e.occurred_at === '2024-05-01T12:00:00.000Z')).toBe(true);
    expect(result.phi.map((p) => [p.source, p.token])).toEqual([
      ['PID', PATIENT],
      ['PV1', one!.encounter_ref],
      ['PID', second],
      ['PV1', two!.encounter_ref],
    ]);
    expect(JSON.stringify(result.events)).not.toMatch(/MRN7777|Other|VISIT0100/);
    expect(leaksPhi(result)).toEqual([]);
  });

  it('answers an A17 without its second patient, or a patient of it without a PV1, with 100', () => {
    const one = run([msh('ADT^A17^ADT_A17'), EVN, PID, seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B' })]);
    expect(one.events).toEqual([]);
    expect(one.errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'PID']]);
    expect(one.errors[0]!.detail).toContain('second PID');
    const noPv1 = run([msh('ADT^A17^ADT_A17'), EVN, PID, seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B' }), seg('PID', { 1: '2', 3: 'MRN7777^^^HOSP^MR' })]);
    expect(noPv1.errors.map((e) => [e.code, e.location.segment, e.location.segmentIndex])).toEqual([[100, 'PID', 5]]);
    expect(noPv1.errors[0]!.detail).toBe('patient 2 of ADT^A17 has no PV1');
    expect(run([msh('ADT^A17'), EVN]).errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'MSH']]);
  });

  it('ADT^A40 → patient.merge from the prior (MRG-1) token to the surviving (PID-3) token, per PID/MRG pair', () => {
    const result = run([
      msh('ADT^A40^ADT_A39'),
      seg('EVN', { 1: 'A40', 2: '20240501080000-0400' }),
      PID,
      seg('MRG', { 1: 'MRN0001^^^HOSP^MR', 3: 'ACCT0001' }),
      seg('PID', { 1: '2', 3: 'MRN7777^^^HOSP^MR', 5: 'Other^Person' }),
      seg('MRG', { 1: 'MRN0002^^^HOSP^MR' }),
    ]);
    expect(result.errors).toEqual([]);
    const prior1 = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN0001' });
    const survivor2 = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN7777' });
    const prior2 = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN0002' });
    expect(result.events.map((e) => [e.type, e.patient_ref, e.payload.prior_patient_ref])).toEqual([
      ['patient.merge', PATIENT, prior1],
      ['patient.merge', survivor2, prior2],
    ]);
    expect(result.phi.map((p) => [p.source, p.token])).toEqual([
      ['PID', PATIENT],
      ['MRG', prior1],
      ['PID', survivor2],
      ['MRG', prior2],
    ]);
    expect(result.phi[1]!.record).toEqual({
      identifiers: [
        { authority: 'HOSP', type: 'MR', value: 'MRN0001' },
        { authority: '', type: 'AN', value: 'ACCT0001' },
      ],
    });
    expect(JSON.stringify(result.events)).not.toContain('MRN0001');
    expect(leaksPhi(result)).toEqual([]);
  });

  it.each([
    ['A18', 'merge'],
    ['A34', 'merge'],
    ['A36', 'merge'],
    ['A39', 'merge'],
    ['A40', 'merge'],
    ['A47', 'change_identifier'],
  ])('ADT^%s → patient.merge with action %s, from the MRG-1 token to the PID-3 token', (trigger, action) => {
    const result = run([msh(`ADT^${trigger}`), seg('EVN', { 1: trigger, 2: '20240501080000-0400' }), PID, seg('MRG', { 1: 'MRN0001^^^HOSP^MR' })]);
    expect(result.errors).toEqual([]);
    const prior = patientToken(TOKEN_KEY, { authority: 'HOSP', type: 'MR', value: 'MRN0001' });
    expect(result.events.map((e) => [e.type, e.patient_ref, e.payload.prior_patient_ref, e.payload.action])).toEqual([['patient.merge', PATIENT, prior, action]]);
    expect(JSON.stringify(result.events)).not.toContain('MRN0001');
  });

  it('ADT^A40 needs an MRG per PID (100) with an identifier (101)', () => {
    expect(run([msh('ADT^A40'), EVN, PID]).errors.map((e) => [e.code, e.location.segment])).toEqual([[100, 'PID']]);
    expect(run([msh('ADT^A40'), EVN, PID, seg('MRG', { 7: 'x' })]).errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([
      [101, 'MRG', 1],
    ]);
  });
});

// ---- allergies -------------------------------------------------------------------------------------------------

describe('DG1 → the diagnoses on patient updates', () => {
  const EVN = seg('EVN', { 1: 'A08', 2: '20240501080000-0400' });
  const CKD = seg('DG1', {
    1: '1',
    3: 'N18.4^Chronic kidney disease, stage 4^I10^431857002^CKD stage 4^SCT',
    4: 'kidneys failing per daughter Juniper',
    5: '20240415-0400',
    6: 'F',
    15: '1',
    16: '1234567890^Welby^Marcus^^^^^^NPI&2.16.840.1.113883.4.6&ISO^L^^^NPI',
    20: 'DX778^EHR',
    21: 'A',
  });
  const DIABETES = seg('DG1', { 1: '2', 3: 'E11.9^Type 2 diabetes mellitus without complications^I10', 6: 'W' });
  const CONFIDENTIAL = seg('DG1', { 1: '3', 3: 'B20^HIV disease^I10', 6: 'F', 18: 'Y' });
  const TEXT_ONLY = seg('DG1', { 1: '4', 3: '^fell at home', 4: 'fell at home', 6: 'A' });
  const lines = [msh('ADT^A08^ADT_A01'), EVN, PID, seg('PV1', { 1: '1', 2: 'I' }), CKD, DIABETES, CONFIDENTIAL, TEXT_ONLY];

  it('carries each coded diagnosis with its type, priority, time, clinician by id, action and identifier; never the description', () => {
    const result = run(lines);
    expect(result.errors).toEqual([]);
    expect(result.events[0]!.payload.diagnoses).toEqual([
      {
        code: { code: 'N18.4', display: 'Chronic kidney disease, stage 4', system: 'I10' },
        alternate_codes: [{ code: '431857002', display: 'CKD stage 4', system: 'SCT' }],
        type: 'F',
        priority: '1',
        diagnosed_at: '2024-04-15T04:00:00.000Z',
        clinician: { id: '1234567890', id_type: 'NPI', authority: 'NPI' },
        action: 'A',
        id: 'DX778^EHR',
      },
      { code: { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', system: 'I10' }, type: 'W' },
    ]);
    const text = JSON.stringify(result.events);
    // the one its sender marks confidential (DG1-18 Y) is not carried at all; descriptions and text-only codes neither
    expect(text).not.toMatch(/B20|HIV|Juniper|fell at home|Welby/);
    expect(leaksPhi(result)).toEqual([]);
    expectValid(result);
  });

  it('HL7_ADT_DIAGNOSES narrows them by code or prefix (primary or alternate), or leaves them out', () => {
    const renal = run(lines, { adtDiagnoses: new CodeList(['N17*', 'N18*']) });
    expect((renal.events[0]!.payload.diagnoses as { code: { code: string } }[]).map((d) => d.code.code)).toEqual(['N18.4']);
    const bySnomed = run(lines, { adtDiagnoses: new CodeList(['431857002']) });
    expect((bySnomed.events[0]!.payload.diagnoses as { code: { code: string } }[]).map((d) => d.code.code)).toEqual(['N18.4']);
    // a confidential diagnosis stays out even when listed
    expect(run(lines, { adtDiagnoses: new CodeList(['B20']) }).events[0]!.payload).not.toHaveProperty('diagnoses');
    expect(run(lines, { adtDiagnoses: 'none' }).events[0]!.payload).not.toHaveProperty('diagnoses');
  });

  it('answers a malformed diagnosis time with 102 at DG1-5', () => {
    const bad = run([msh('ADT^A08^ADT_A01'), EVN, PID, seg('DG1', { 1: '1', 3: 'N18.4^CKD 4^I10', 5: 'last spring' })]);
    expect(bad.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'DG1', 5]]);
  });
});

describe('sex and age (PID-8, PID-7): what a dose is checked against, never the birth date', () => {
  const pid = (dob: string, sex = 'M') => seg('PID', { 1: '1', 3: 'MRN4455^^^HOSP^MR', 5: 'Zebedee^Quincy', 7: dob, 8: sex });
  const admitOn = (evn6: string, dob: string) => run([msh('ADT^A01^ADT_A01'), seg('EVN', { 1: 'A01', 2: '20240501080000-0400', 6: evn6 }), pid(dob)]);

  it('counts whole years to the day of the event as the sender wrote it, birthday included', () => {
    expect(admitOn('20240501230000-0400', '19800501').events[0]!.payload).toMatchObject({ sex: 'M', age_years: 44 });
    // the day before the birthday, in the sender's own time, although it is already the birthday in UTC
    expect(admitOn('20240430230000-0400', '19800501').events[0]!.payload.age_years).toBe(43);
    expect(admitOn('20240501', '20240501').events[0]!.payload.age_years).toBe(0);
    // a birth date with a time, as some senders write it
    expect(admitOn('20240501', '198005010830').events[0]!.payload.age_years).toBe(44);
  });

  it('says 90 for anyone 90 or older, as Safe Harbor de-identification groups them', () => {
    expect(admitOn('20240501', '19340502').events[0]!.payload.age_years).toBe(89);
    expect(admitOn('20240501', '19340501').events[0]!.payload.age_years).toBe(90);
    expect(admitOn('20240501', '19120101').events[0]!.payload.age_years).toBe(90);
  });

  it('gives no age for a birth date without a day, a malformed one, or one after the event; the birth date never appears', () => {
    for (const dob of ['1980', '198005', '19800231', 'unknown', '20250101']) {
      const result = admitOn('20240501', dob);
      expect(result.events[0]!.payload, dob).not.toHaveProperty('age_years');
    }
    const result = admitOn('20240501', '19800501');
    expect(JSON.stringify(result.events)).not.toMatch(/19800501|1980-05-01/);
    expect(result.phi[0]!.record.demographics).toMatchObject({ birth_date: '1980-05-01', sex: 'M' });
  });

  it('carries them on orders and results as on patient updates; each patient of a swap or a result message has their own', () => {
    // every message here is of 2024-05-01, the patient's 44th birthday
    const order = run([msh('RDE^O11^RDE_O11'), pid('19800501', 'F'), ORC('NW'), RXE(), RXR]);
    expect(order.events[0]!.payload).toMatchObject({ sex: 'F', age_years: 44 });
    const swap = run([
      msh('ADT^A17^ADT_A17'),
      seg('EVN', { 1: 'A17', 2: '20240501080000-0400' }),
      pid('19800501', 'F'),
      seg('PV1', { 1: '1', 2: 'I', 3: '4W^412^B' }),
      seg('PID', { 1: '2', 3: 'MRN7777^^^HOSP^MR', 7: '20100101', 8: 'M' }),
      seg('PV1', { 1: '1', 2: 'I', 3: '4W^415^A' }),
    ]);
    expect(swap.events.map((e) => [e.payload.sex, e.payload.age_years])).toEqual([
      ['F', 44],
      ['M', 14],
    ]);
    const results = run([
      msh('ORU^R01^ORU_R01'),
      pid('19800501', 'F'),
      seg('OBR', { 1: '1', 4: '2160-0^Creatinine^LN', 7: '20240501' }),
      seg('OBX', { 1: '1', 2: 'NM', 3: '2160-0^Creatinine^LN', 5: '1.4', 6: 'mg/dL' }),
    ]);
    expect(results.events[0]!.payload).toMatchObject({ sex: 'F', age_years: 44 });
  });
});

describe('AL1 → the allergies on patient updates and orders', () => {
  // v2.5 §3.4.6: AL1-2 type (table 0127), AL1-3 allergen (CE), AL1-4 severity (table 0128), AL1-5 reactions (ST),
  // AL1-6 identification date.
  const penicillin = seg('AL1', { 1: '1', 2: 'DA^Drug allergy^HL70127', 3: '7980^Penicillin G^RXNORM^PCN^penicillin^L', 4: 'SV^Severe^HL70128', 5: 'Hives~Zebedee said wheezing', 6: '20190312' });
  const peanuts = seg('AL1', { 1: '2', 2: 'FA', 3: '^Peanuts', 4: 'MO' });
  const PENICILLIN = { type: 'DA', allergen: { code: '7980', display: 'Penicillin G', system: 'RXNORM' }, severity: 'SV', identified_on: '2019-03-12' };

  it('lists the patient’s allergies on an ADT update, codes and dates only', () => {
    const result = run([msh('ADT^A08'), seg('EVN', { 1: 'A08', 2: '20240501080000-0400' }), PID, seg('PV1', { 1: '1', 2: 'I' }), penicillin, peanuts]);
    expect(result.errors).toEqual([]);
    expect(result.events.map((e) => e.type)).toEqual(['patient.update']);
    expect(result.events[0]!.payload.allergies).toEqual([PENICILLIN, { type: 'FA', allergen: { display: 'Peanuts' }, severity: 'MO' }]);
    // Reactions are free text (here naming the patient): not carried.
    expect(JSON.stringify(result.events)).not.toContain('Hives');
    expect(leaksPhi(result)).toEqual([]);
    expectValid(result);
  });

  it('lists them on every order of an order message, from its patient group only', () => {
    const result = run([msh('RDE^O11^RDE_O11'), PID, penicillin, seg('PV1', { 1: '1', 2: 'I', 3: 'W9^12^A^WARD9' }), ORC('NW'), RXE(), TQ1, RXR, ORC('DC', { 2: 'PLC101^EHR' }), RXE()]);
    expect(result.errors).toEqual([]);
    expect(result.events.map((e) => [e.type, e.payload.allergies])).toEqual([
      ['rx.order.new', [PENICILLIN]],
      ['rx.order.cancel', [PENICILLIN]],
    ]);
    // An AL1 after the first ORC is outside the patient group: not read.
    expect(run([msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), penicillin]).events[0]!.payload).not.toHaveProperty('allergies');
  });

  it('leaves allergies out without AL1 or without an allergen', () => {
    expect(run([msh('ADT^A08'), PID]).events[0]!.payload).not.toHaveProperty('allergies');
    expect(run([msh('ADT^A08'), PID, seg('AL1', { 1: '1', 2: 'DA', 4: 'SV' })]).events[0]!.payload).not.toHaveProperty('allergies');
  });

  it('answers a malformed identification date with 102 at AL1-6, once for a message of several orders', () => {
    const bad = seg('AL1', { 1: '1', 2: 'DA', 3: '7980^Penicillin G^RXNORM', 6: '2019-03-12' });
    expect(run([msh('ADT^A08'), PID, bad]).errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'AL1', 6]]);
    expect(run([msh('RDE^O11'), PID, bad, ORC('NW'), RXE(), ORC('NW', { 2: 'PLC101^EHR' }), RXE()]).errors.map((e) => [e.code, e.location.segment])).toEqual([[102, 'AL1']]);
  });
});

// ---- everything else -------------------------------------------------------------------------------------------

describe('ADT^A60: allergy updates (IAM)', () => {
  const iam = (fields: Record<number, string>) => seg('IAM', { 1: '1', 2: 'DA^Drug allergy^HL70127', 3: '7980^Penicillin G^RXNORM', 4: 'SV^Severe^HL70128', 5: 'hives after first dose', ...fields });

  it('gives a patient update whose allergies say what to do with each: add, update, delete', () => {
    const result = run([
      msh('ADT^A60^ADT_A60'),
      seg('EVN', { 2: '20240501083000' }),
      PID,
      iam({ 6: 'A^Add/Insert^HL70323', 9: 'AL^Allergy^HL70436', 11: '20180514', 13: '20240501080000-0400', 14: 'Doe^Rosallie', 17: 'C^Confirmed' }),
      iam({ 1: '2', 3: '2670^Codeine^RXNORM', 4: '', 6: 'D^Delete', 11: '2019' }),
      seg('IAM', { 1: '3', 2: 'FA', 3: '^shellfish', 6: 'U' }),
    ]);
    expect(result.errors).toEqual([]);
    const e = result.events[0]!;
    expect(e).toMatchObject({ type: 'patient.update', patient_ref: PATIENT, payload: { action: 'update_allergies', trigger: 'A60' } });
    expect(e.payload.allergies).toEqual([
      {
        type: 'DA',
        allergen: { code: '7980', display: 'Penicillin G', system: 'RXNORM' },
        severity: 'SV',
        action: 'A',
        sensitivity: 'AL',
        onset: '2018-05-14',
        reported_at: '2024-05-01T12:00:00.000Z',
        clinical_status: 'C',
      },
      { type: 'DA', allergen: { code: '2670', display: 'Codeine', system: 'RXNORM' }, action: 'D', onset: '2019' },
      { type: 'FA', allergen: { display: 'shellfish' }, action: 'U' },
    ]);
    // Reactions are free text and the reporter is a person: neither is carried.
    expect(JSON.stringify(result.events)).not.toMatch(/hives|Rosallie/);
    expect(leaksPhi(result)).toEqual([]);
  });

  it('answers an onset that is not a date (YYYY, YYYYMM or YYYYMMDD) with 102 at IAM-11', () => {
    for (const bad of ['2018-05', '201813', '20180230', 'spring']) {
      const result = run([msh('ADT^A60^ADT_A60'), PID, iam({ 6: 'A', 11: bad })]);
      expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field]), bad).toEqual([[102, 'IAM', 11]]);
    }
  });
});

describe('other message types → hl7v2.unhandled', () => {
  it('keeps a DFT^P03 whole, with its raw text, its patient token and the message time', () => {
    const lines = [msh('DFT^P03^DFT_P03'), PID, seg('FT1', { 1: '1', 4: '20240501', 6: 'CG', 7: '99213^Office visit^CPT' })];
    const result = run(lines);
    expect(result.errors).toEqual([]);
    expect(result.unhandled).toBe(true);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]).toMatchObject({
      type: 'hl7v2.unhandled',
      occurred_at: '2024-05-01T12:30:00.000Z',
      facility_id: 'fac-hosp',
      patient_ref: PATIENT,
      payload: { message_type: 'DFT^P03', structure: 'DFT_P03', version: '2.5.1', raw: text(lines) },
    });
    expect(result.phi.map((p) => p.token)).toEqual([PATIENT]);
  });

  it('never rejects an unhandled message for a bad MSH-7: it uses the time received', () => {
    const result = run([msh('SIU^S12', { 7: '2024-05-01' })]);
    expect(result.errors).toEqual([]);
    expect(result.events[0]!.occurred_at).toBe('2024-05-01T12:00:00.000Z');
  });

  it('treats a known code with an untranslated trigger (RRE^O12, ADT^A20, ADT^A35) as unhandled', () => {
    expect(run([msh('ADT^A20'), PID]).events.map((e) => e.type)).toEqual(['hl7v2.unhandled']);
    expect(run([msh('ADT^A35'), PID]).events.map((e) => e.type)).toEqual(['hl7v2.unhandled']);
    expect(run([msh('RRE^O12'), PID]).events.map((e) => e.type)).toEqual(['hl7v2.unhandled']);
  });
});

describe('HL7_UNHANDLED: keep, record or refuse the messages that are not translated', () => {
  const DFT = [msh('DFT^P03^DFT_P03'), PID, seg('FT1', { 1: '1', 4: '20240501', 6: 'CG', 7: '99213^Office visit^CPT' })];
  const rules = (unhandled: TranslateContext['unhandled']) => ({ unhandled });

  it('record: the event names the message (type, version, source with the SHA-256 of the bytes) without its text', () => {
    const result = run(DFT, rules({ '*': 'record' }));
    expect(result.errors).toEqual([]);
    expect(result.refused).toBeUndefined();
    const [event] = result.events;
    expect(event).toMatchObject({
      type: 'hl7v2.unhandled',
      patient_ref: PATIENT,
      source: { adapter: 'hl7v2', sender: 'EHR^HOSP', message_id: 'CTRL1', raw_sha256: RAW_SHA },
      payload: { message_type: 'DFT^P03', structure: 'DFT_P03', version: '2.5.1', reason: 'message type DFT^P03 is not translated; its text is not kept (HL7_UNHANDLED)' },
    });
    expect(event!.payload).not.toHaveProperty('raw');
    expect(JSON.stringify(event)).not.toMatch(/Office visit|99213|Zebedee/);
  });

  it('refuse: no event, and a refusal at MSH-9 — 200 for a message code never translated, 201 for an untranslated trigger of one that is', () => {
    const siu = run([msh('SIU^S12^SIU_S12'), PID], rules({ SIU: 'refuse' }));
    expect(siu.events).toEqual([]);
    expect(siu.errors).toEqual([]);
    expect(siu.refused).toMatchObject({ code: 200, location: { segment: 'MSH', field: 9 } });
    expect(siu.refused!.detail).toBe('message type SIU^S12 is not translated; this gateway does not take it (HL7_UNHANDLED)');
    const a35 = run([msh('ADT^A35'), PID], rules({ 'ADT^A35': 'refuse' }));
    expect(a35.refused).toMatchObject({ code: 201, location: { segment: 'MSH', field: 9 } });
  });

  it('takes the most specific rule: CODE^TRIGGER, then CODE, then *, else keep', () => {
    const policy = rules({ 'DFT^P03': 'keep', DFT: 'refuse', '*': 'record' });
    expect(run(DFT, policy).events[0]!.payload.raw).toBe(text(DFT));
    expect(run([msh('DFT^P11'), PID], policy).refused?.code).toBe(200);
    expect(run([msh('MDM^T02'), PID], policy).events[0]!.payload).not.toHaveProperty('raw');
    expect(run([msh('MDM^T02'), PID], rules({ SIU: 'refuse' })).events[0]!.payload.raw).toBe(text([msh('MDM^T02'), PID]));
    expect(run([msh('MDM^T02'), PID], rules({ siu: 'refuse' } as never)).refused).toBeUndefined();
  });

  it('never refuses a response (an ACK, or a message with an MSA): it is recorded instead', () => {
    const ack = run([msh('ACK^O13^ACK'), seg('MSA', { 1: 'AA', 2: 'RX0001' })], rules({ '*': 'refuse' }));
    expect(ack.refused).toBeUndefined();
    expect(ack.events.map((e) => [e.type, e.payload.raw])).toEqual([['hl7v2.unhandled', undefined]]);
    const rrd = run([msh('RRD^O14^RRD_O14'), seg('MSA', { 1: 'AA', 2: 'RX0001' }), PID], rules({ RRD: 'refuse' }));
    expect(rrd.refused).toBeUndefined();
    expect(rrd.events[0]!.payload).not.toHaveProperty('raw');
  });

  it('applies to an ORM^O01 that is not a pharmacy order, and never to the untranslated order groups of a translated message', () => {
    const lab = run([msh('ORM^O01'), PID, ORC('NW'), seg('OBR', { 1: '1', 4: '24331-1^Lipid panel^LN' })], rules({ ORM: 'refuse' }));
    expect(lab.refused).toMatchObject({ code: 200, location: { segment: 'MSH', field: 9 } });
    // An RDE whose second group is a refill authorisation request (ORC-1 RF, no state change): the order is translated, the rest kept whole as ever.
    const lines = [msh('RDE^O11^RDE_O11'), PID, ORC('NW'), RXE(), ORC('RF', { 2: 'PLC101^EHR' }), RXE()];
    const partial = run(lines, rules({ '*': 'refuse' }));
    expect(partial.refused).toBeUndefined();
    expect(partial.events.map((e) => e.type)).toEqual(['rx.order.new', 'hl7v2.unhandled']);
    expect(partial.events[1]!.payload.raw).toBe(text(lines));
  });
});

describe('envelope, facility, configuration', () => {
  it('keeps MSH-3^MSH-4 as received as the sender', () => {
    const result = run([msh('ADT^A08', { 3: 'EPIC^1.2.3^ISO', 4: 'HOSP^2.16.840.1.1^ISO' }), PID]);
    expect(result.events[0]!.source.sender).toBe('EPIC^1.2.3^ISO^HOSP^2.16.840.1.1^ISO');
  });

  it('derives the facility from PV1-3.4, then MSH-4, then MSH-6 (namespace or universal id), else the default', () => {
    const fac = (lines: string[], map: Record<string, string>) => run(lines, { facility: { defaultId: 'fac-default', map } }).events[0]!.facility_id;
    const pv1 = seg('PV1', { 1: '1', 2: 'I', 3: 'W9^12^A^WARD9&1.2.840.99&ISO' });
    const all = { WARD9: 'ward', HOSP: 'hosp', PHARM: 'pharm' };
    expect(fac([msh('ADT^A08'), PID, pv1], all)).toBe('ward');
    expect(fac([msh('ADT^A08'), PID, pv1], { '1.2.840.99': 'ward-by-oid', HOSP: 'hosp' })).toBe('ward-by-oid');
    expect(fac([msh('ADT^A08'), PID, pv1], { HOSP: 'hosp', PHARM: 'pharm' })).toBe('hosp');
    expect(fac([msh('ADT^A08'), PID, pv1], { PHARM: 'pharm' })).toBe('pharm');
    expect(fac([msh('ADT^A08'), PID, pv1], {})).toBe('fac-default');
  });

  it('reports configuration problems as 207 and emits no invalid event', () => {
    const badFacility = run(rde(), { facility: { defaultId: 'not a facility!' } });
    expect(badFacility.events).toEqual([]);
    expect(badFacility.errors.map((e) => e.code)).toEqual([207, 207]); // the rule, then the event that failed the schema
    const badZone = run(rde(), { defaultTimeZone: 'Mars/Olympus' });
    expect(badZone.errors.map((e) => [e.code, e.detail])).toEqual([[207, expect.stringContaining('Mars/Olympus')]]);
    expect(checkTranslateConfig({ facility: { defaultId: 'ok', map: { A: 'bad id' } }, defaultTimeZone: 'Nowhere/City', tokenKey: Buffer.alloc(8) })).toEqual([
      expect.stringContaining('"A"'),
      expect.stringContaining('Nowhere/City'),
      expect.stringContaining('32 bytes'),
    ]);
    expect(checkTranslateConfig(testContext())).toEqual([]);
  });

  it('reads times without offset in the configured zone', () => {
    const lines = [msh('RDS^O13'), PID, ORC('RE'), RXD({ 3: '20240115093000' })];
    expect(run(lines, { defaultTimeZone: 'America/Chicago' }).events[0]!.occurred_at).toBe('2024-01-15T15:30:00.000Z');
    expect(run(lines, { defaultTimeZone: 'Europe/Paris' }).events[0]!.occurred_at).toBe('2024-01-15T08:30:00.000Z');
    expect(run(lines).events[0]!.occurred_at).toBe('2024-01-15T09:30:00.000Z');
  });

  it("reads a facility's times in its own zone (HL7_TIME_ZONE_MAP), the other facilities' in the default one", () => {
    const ctx = { facility: { defaultId: 'hosp', map: { WARD9: 'ward' } }, defaultTimeZone: 'America/Chicago', facilityTimeZones: { ward: 'America/Denver' } };
    const dispense = (rxd3: string, pv1?: string) => [msh('RDS^O13'), PID, ...(pv1 ? [pv1] : []), ORC('RE'), RXD({ 3: rxd3 })];
    const atWard = seg('PV1', { 1: '1', 2: 'I', 3: 'W9^12^A^WARD9' });
    // January: Denver is UTC-7, Chicago UTC-6; July: UTC-6 and UTC-5.
    expect(run(dispense('20240115093000', atWard), ctx).events.map((e) => [e.facility_id, e.occurred_at])).toEqual([['ward', '2024-01-15T16:30:00.000Z']]);
    expect(run(dispense('20240715093000', atWard), ctx).events.map((e) => [e.facility_id, e.occurred_at])).toEqual([['ward', '2024-07-15T15:30:00.000Z']]);
    expect(run(dispense('20240115093000'), ctx).events.map((e) => [e.facility_id, e.occurred_at])).toEqual([['hosp', '2024-01-15T15:30:00.000Z']]);
    // A time written with its offset is read as written, whatever the zone.
    expect(run(dispense('20240115093000-0500', atWard), ctx).events[0]!.occurred_at).toBe('2024-01-15T14:30:00.000Z');
  });

  it('answers 207 naming the facility when its configured zone is unknown, and checks the zones at start-up', () => {
    const result = run(rde(), { facility: { defaultId: 'hosp' }, facilityTimeZones: { hosp: 'Mars/Olympus' } });
    expect(result.errors.map((e) => [e.code, e.detail])).toEqual([[207, expect.stringMatching(/facility hosp .*Mars\/Olympus/)]]);
    const rule = { defaultId: 'hosp', map: { WARD9: 'ward' } };
    expect(checkTranslateConfig({ facility: rule, facilityTimeZones: { ward: 'America/Denver', hosp: 'America/Chicago' }, tokenKey: Buffer.alloc(32) })).toEqual([]);
    expect(checkTranslateConfig({ facility: rule, facilityTimeZones: { ward: 'Nowhere/City', wrad: 'America/Denver' }, tokenKey: Buffer.alloc(32) })).toEqual([
      expect.stringContaining('Nowhere/City'),
      expect.stringMatching(/facility "wrad" has a time zone but the facility rule never gives it/),
    ]);
  });

  it('checks MSH-7 of a translated message (102)', () => {
    const result = run([msh('ADT^A08', { 7: '20241301' }), PID]);
    expect(result.errors.map((e) => [e.code, e.location.segment, e.location.field])).toEqual([[102, 'MSH', 7]]);
  });

  it('gives issue positions as offsets of the field in the message text', () => {
    const lines = rde('ZZ');
    const result = run(lines);
    const at = result.errors[0]!.location.position;
    expect(text(lines).slice(at, at + 3)).toBe('ZZ|');
  });
});

describe('payload schemas', () => {
  it('accept what the translator emits and refuse wrong shapes', () => {
    expect(payloadSchemas['patient.merge'].safeParse({}).success).toBe(false);
    expect(payloadSchemas['patient.merge'].safeParse({ prior_patient_ref: 'MRN123' }).success).toBe(false);
    expect(payloadSchemas['rx.administration'].safeParse({ kind: 'maybe' }).success).toBe(false);
    expect(payloadSchemas['rx.order.new'].safeParse({ refills: -1 }).success).toBe(false);
    expect(payloadSchemas['rx.order.new'].safeParse({ timing: [{ start: '2024-13-01' }] }).success).toBe(false);
    // the text may be left out (HL7_UNHANDLED record), not kept empty; the type and the reason are always there
    expect(payloadSchemas['hl7v2.unhandled'].safeParse({ message_type: 'ORU^R01', reason: 'x' }).success).toBe(true);
    expect(payloadSchemas['hl7v2.unhandled'].safeParse({ message_type: 'ORU^R01', reason: 'x', raw: '' }).success).toBe(false);
    expect(payloadSchemas['hl7v2.unhandled'].safeParse({ message_type: 'ORU^R01', raw: 'MSH|' }).success).toBe(false);
    expect(payloadSchemas['rx.order.new'].safeParse({ fhir: { resource: 'MedicationRequest/1' } }).success).toBe(true);
  });
});
