import { describe, expect, it } from 'vitest';
import { canonicalEventSchema, type CanonicalEvent } from '../../../gateway/events/schema.ts';
import { encounterToken, patientToken } from '../../../gateway/phi/token.ts';
import type { PhiRecord } from '../../../gateway/phi/vault.ts';
import { encodeText } from '../charset.ts';
import { parseMessage } from '../parse.ts';
import { resolverWith, testContext, TOKEN_KEY } from '../translate/test-support.ts';
import { translate } from '../translate/translate.ts';
import { buildDispenseMessage, controlIdForEvent, hl7Timestamp, number, OutboundBuildError, type DispenseMessageInput } from './rds-builder.ts';

/*
 * Expectations written by hand from HL7 v2.5 chapter 4 (RDS^O13: MSH, PID, ORC, RXD, RXR) and chapter 2/3 data
 * types (CX, XPN, CWE, XCN, TS), not by snapshotting the builder's output.
 */

const PATIENT_REF = `pt_${'a'.repeat(64)}`;

function dispense(overrides: Partial<CanonicalEvent> & { payload?: Record<string, unknown> } = {}): CanonicalEvent {
  return canonicalEventSchema.parse({
    id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    type: 'rx.dispense',
    facility_id: 'HOSP1',
    occurred_at: '2026-11-21T10:10:00.000Z',
    received_at: '2026-11-21T10:10:05.000Z',
    source: { adapter: 'api', sender: 'pharmacy-system', message_id: 'D-1', raw_sha256: 'ab'.repeat(32) },
    correlation_id: 'corr-1',
    idempotency_key: 'cd'.repeat(32),
    drug: { ndc11: '00591036901', rxnorm: '857005', schedule: 'II', lot: 'LOT-9', expiry: '2027-12-31' },
    quantity: { value: 30, unit: 'TAB' },
    patient_ref: PATIENT_REF,
    payload: {
      order: { placer: 'ORD-1', filler: 'FIL-1' },
      prescription_number: 'RX-778',
      codes: [{ code: '00591-0369-01', display: 'Hydrocodone 5mg/APAP 325mg', system: 'NDC' }],
      amount: 30,
      unit: 'TAB',
      refills_remaining: 2,
      dispensing_provider: { id: '1234567893', id_type: 'NPI', authority: 'CMS' },
      more_lots: [{ lot: 'LOT-10', expiry: '2028-01-31' }],
      route: { code: 'PO', display: 'oral', system: 'HL70162' },
    },
    ...overrides,
  });
}

const PATIENT: PhiRecord = {
  identifiers: [
    { authority: 'HOSP1', type: 'MR', value: 'ZZMRN4455' },
    { authority: '2.16.840.1.113883.4.1', type: 'SS', value: '999-99-9999' },
    { authority: 'HOSP1', type: 'AN', value: 'ACC-1' },
    { authority: '1.2.840.114350', type: 'PI', value: 'E123' },
  ],
  demographics: { family_name: 'ZZTEST', given_name: 'PATIENT', birth_date: '1970-01-01', sex: 'F', address_city: 'Springfield' },
};

const HEADER = { sendingApplication: 'RXGATE', sendingFacility: 'HOSP1', receivingApplication: 'EPIC', receivingFacility: 'HOSP1' };

function build(input: Partial<DispenseMessageInput> = {}) {
  return buildDispenseMessage({
    event: dispense(),
    patient: PATIENT,
    controlId: 'RX0001',
    timestamp: new Date('2026-11-21T10:15:00.000Z'),
    header: HEADER,
    ...input,
  });
}

/** A segment from its fields by number (unlisted fields empty). */
function seg(name: string, fields: Record<number, string>): string {
  const max = Math.max(0, ...Object.keys(fields).map(Number));
  const parts = [name];
  for (let i = 1; i <= max; i++) parts.push(fields[i] ?? '');
  return parts.join('|');
}

const PID = seg('PID', {
  1: '1',
  // SS is never sent; AN goes to PID-18; an OID authority is HD-2 with HD-3 ISO
  3: 'ZZMRN4455^^^HOSP1^MR~E123^^^&1.2.840.114350&ISO^PI',
  5: 'ZZTEST^PATIENT',
  7: '19700101',
  8: 'F',
  18: 'ACC-1^^^HOSP1^AN',
});
const ORC_RE = seg('ORC', { 1: 'RE', 2: 'ORD-1', 3: 'FIL-1', 9: '20261121101000+0000' });
const RXD = seg('RXD', {
  1: '1',
  2: '00591-0369-01^Hydrocodone 5mg/APAP 325mg^NDC^857005^^RXNORM',
  3: '20261121101000+0000',
  4: '30',
  5: 'TAB',
  7: 'RX-778',
  8: '2',
  10: '1234567893^^^^^^^^CMS^^^^NPI',
  18: 'LOT-9~LOT-10',
  19: '20271231~20280131',
});
const RXR = 'RXR|PO^oral^HL70162';

describe('buildDispenseMessage', () => {
  it('writes a dispense as RDS^O13 v2.5 with ORC-1 RE', () => {
    expect(build().toString()).toBe(
      [
        'MSH|^~\\&|RXGATE|HOSP1|EPIC|HOSP1|20261121101500+0000||RDS^O13^RDS_O13|RX0001|P|2.5',
        PID,
        ORC_RE,
        RXD,
        RXR,
        '',
      ].join('\r'),
    );
  });

  it('writes a PV1 after PID when the dispense says where the patient was: PV1-2 class (U when unknown), PV1-3 the place', () => {
    const withPlace = (payload: Record<string, unknown>) =>
      build({ event: dispense({ payload: { ...dispense().payload, ...payload } }) })
        .toString()
        .split('\r');
    // PL: point of care ^ room ^ bed ^ facility ^ status ^ person location type ^ building ^ floor
    const place = { point_of_care: '4W', room: '412', bed: 'B', facility: 'WARD9', building: 'TOWER A', floor: '4' };
    expect(withPlace({ location: place, patient_class: 'I' }).slice(1, 4)).toEqual([PID, 'PV1|1|I|4W^412^B^WARD9^^^TOWER A^4', ORC_RE]);
    expect(withPlace({ location: { point_of_care: 'ER' } })[2]).toBe('PV1|1|U|ER');
    expect(withPlace({ patient_class: 'O' })[2]).toBe('PV1|1|O');
    // read back by our own inbound translator: the same place and class
    const text = withPlace({ location: place, patient_class: 'I' }).join('\r');
    const [event] = translate(parseMessage(text), testContext({ drugs: resolverWith([{ ndc11: '00591036901', schedule: 'II' }]) })).events;
    expect(event!.payload).toMatchObject({ location: place, patient_class: 'I' });
  });

  it("writes the visit number behind the dispense's encounter_ref in PV1-19, read back by our translator as the same encounter", () => {
    const visit = { authority: 'HOSP1', type: 'VN', value: 'V7781' };
    const encounterRef = encounterToken(TOKEN_KEY, visit);
    const withVisit = (payload: Record<string, unknown>) =>
      build({ event: dispense({ payload: { ...dispense().payload, encounter_ref: encounterRef, ...payload } }), encounter: { identifiers: [visit] } }).toString();
    // PV1 is required to carry PV1-2: U (unknown) when the dispense does not say the class.
    expect(withVisit({}).split('\r')[2]).toBe('PV1|1|U' + '|'.repeat(17) + 'V7781^^^HOSP1^VN');
    const text = withVisit({ patient_class: 'I', location: { point_of_care: '4W' } });
    expect(text.split('\r')[2]).toBe('PV1|1|I|4W' + '|'.repeat(16) + 'V7781^^^HOSP1^VN');
    const [event] = translate(parseMessage(text), testContext({ drugs: resolverWith([{ ndc11: '00591036901', schedule: 'II' }]) })).events;
    expect(event!.payload.encounter_ref).toBe(encounterRef);
    // A visit the vault does not hold is left out, not invented.
    expect(build({ event: dispense({ payload: { ...dispense().payload, encounter_ref: encounterRef } }) }).toString()).not.toContain('\rPV1|');
  });

  it("writes a compounded dispense's components as RXCs after the RXR, read back by our translator as the same components", () => {
    const components = [
      { type: 'B', codes: [{ code: '0338-0049-04', display: 'Sodium chloride 0.9%', system: 'NDC' }], drug: { ndc11: '00338004904', ndc_raw: '0338-0049-04', schedule: 'NC' }, amount: 100, unit: 'mL' },
      {
        type: 'A',
        codes: [{ code: 'HM10', display: 'Hydromorphone 10 mg/mL', system: 'LOCAL' }],
        drug: { schedule: 'UNMAPPED' },
        amount: 2,
        unit: 'mL',
        strength: 20,
        strength_unit: 'mg',
        volume: 10,
        volume_unit: 'mL',
      },
    ];
    const text = build({ event: dispense({ payload: { ...dispense().payload, components } }) }).toString();
    const lines = text.split('\r');
    expect(lines.slice(-4)).toEqual([
      RXR,
      'RXC|B|00338-0049-04^Sodium chloride 0.9%^NDC|100|mL',
      'RXC|A|HM10^Hydromorphone 10 mg/mL^LOCAL|2|mL|20|mg||10|mL',
      '',
    ]);
    const drugs = resolverWith([{ ndc11: '00591036901', schedule: 'II' }, { ndc11: '00338004904', schedule: 'NC' }]);
    const [event] = translate(parseMessage(text), testContext({ drugs })).events;
    expect(event!.payload.components).toEqual([
      { ...components[0], codes: [{ code: '00338-0049-04', display: 'Sodium chloride 0.9%', system: 'NDC' }], drug: { ndc11: '00338004904', ndc_raw: '00338-0049-04', schedule: 'NC' } },
      components[1],
    ]);
  });

  it('writes where the dispense went in RXD-13 (LA2: the place, no address), read back by our translator', () => {
    const cabinet = { point_of_care: 'PYXIS-4W', facility: 'WARD9', building: 'TOWER A', floor: '4' };
    const text = build({ event: dispense({ payload: { ...dispense().payload, dispense_to: cabinet } }) }).toString();
    const rxd = text.split('\r').find((line) => line.startsWith('RXD|'))!;
    expect(rxd.split('|')[13]).toBe('PYXIS-4W^^^WARD9^^^TOWER A^4');
    const [event] = translate(parseMessage(text), testContext({ drugs: resolverWith([{ ndc11: '00591036901', schedule: 'II' }]) })).events;
    expect(event!.payload.dispense_to).toEqual(cabinet);
    expect(build().toString().split('\r').find((line) => line.startsWith('RXD|'))).toBe(RXD);
  });

  it('writes the total daily dose in RXD-12 (CQ, the unit as a CWE) and the indications in RXD-21, read back by our translator', () => {
    const indications = [
      { code: 'I48.91', display: 'Atrial fibrillation', system: 'I10' },
      { code: '49436004', system: 'SCT' },
    ];
    const text = build({ event: dispense({ payload: { ...dispense().payload, total_daily_dose: { value: 5, unit: 'mg' }, indications } }) }).toString();
    const rxd = text.split('\r').find((line) => line.startsWith('RXD|'))!.split('|');
    expect(rxd[12]).toBe('5^mg');
    expect(rxd[21]).toBe('I48.91^Atrial fibrillation^I10~49436004^^SCT');
    const [event] = translate(parseMessage(text), testContext({ drugs: resolverWith([{ ndc11: '00591036901', schedule: 'II' }]) })).events;
    expect(event!.payload).toMatchObject({ total_daily_dose: { value: 5, unit: 'mg' }, indications });
  });

  it('writes a reversal as the same RDS with ORC-1 CA (rds-ca, the default)', () => {
    const text = build({ event: dispense({ type: 'rx.dispense.reversal', occurred_at: '2026-11-22T08:00:00.000Z' }) }).toString();
    const lines = text.split('\r');
    expect(lines[0]).toContain('|RDS^O13^RDS_O13|');
    expect(lines[2]).toBe(seg('ORC', { 1: 'CA', 2: 'ORD-1', 3: 'FIL-1', 9: '20261122080000+0000' }));
    expect(lines[3]).toBe(RXD.replace('|20261121101000+0000|', '|20261122080000+0000|'));
  });

  it('writes a reversal as RDE^O11 with ORC-1 CA for an EHR configured rde-ca', () => {
    const text = build({ event: dispense({ type: 'rx.dispense.reversal' }), reversalForm: 'rde-ca' }).toString();
    expect(text.split('\r')).toEqual([
      'MSH|^~\\&|RXGATE|HOSP1|EPIC|HOSP1|20261121101500+0000||RDE^O11^RDE_O11|RX0001|P|2.5',
      PID,
      seg('ORC', { 1: 'CA', 2: 'ORD-1', 3: 'FIL-1', 9: '20261121101000+0000' }),
      // RXE-2 give code, RXE-10/11 dispense amount/units, RXE-15 prescription number, RXE-16 refills remaining
      seg('RXE', { 2: '00591-0369-01^Hydrocodone 5mg/APAP 325mg^NDC^857005^^RXNORM', 10: '30', 11: 'TAB', 15: 'RX-778', 16: '2' }),
      RXR,
      '',
    ]);
    // a dispense is always RDS, whatever the reversal form
    expect(build({ reversalForm: 'rde-ca' }).toString()).toContain('|RDS^O13^RDS_O13|');
  });

  it('writes a reversal as a credit for an EHR configured rds-negative: the same RDS with ORC-1 RE and RXD-4 negative', () => {
    const text = build({ event: dispense({ type: 'rx.dispense.reversal' }), reversalForm: 'rds-negative' }).toString();
    expect(text.split('\r')).toEqual([
      'MSH|^~\\&|RXGATE|HOSP1|EPIC|HOSP1|20261121101500+0000||RDS^O13^RDS_O13|RX0001|P|2.5',
      PID,
      ORC_RE,
      // the dispense's RXD, RXD-4 negated
      RXD.replace('|20261121101000+0000|30|TAB|', '|20261121101000+0000|-30|TAB|'),
      RXR,
      '',
    ]);
    // an amount already negative stays one credit, not a double negative
    const negative = dispense({ type: 'rx.dispense.reversal', quantity: { value: -30, unit: 'TAB' } });
    expect(build({ event: negative, reversalForm: 'rds-negative' }).toString()).toContain('|20261121101000+0000|-30|TAB|');
    // without an amount there is nothing to credit
    const bare = dispense({ type: 'rx.dispense.reversal', quantity: undefined, payload: {} });
    expect(() => build({ event: bare, reversalForm: 'rds-negative' })).toThrow(/as a negative dispense, RXD-4 is required/);
  });

  it('reads back every value through parseMessage', () => {
    const m = parseMessage(build().toString());
    expect([m.messageCode, m.triggerEvent, m.messageStructure, m.controlId, m.processingId, m.version]).toEqual(['RDS', 'O13', 'RDS_O13', 'RX0001', 'P', '2.5']);
    expect([m.msh.get(3), m.msh.get(4), m.msh.get(5), m.msh.get(6), m.msh.get(7)]).toEqual(['RXGATE', 'HOSP1', 'EPIC', 'HOSP1', '20261121101500+0000']);
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'PID', 'ORC', 'RXD', 'RXR']);
    const pid = m.segment('PID')!;
    expect(pid.repetitions(3)).toBe(2);
    expect([pid.get(3, 1, 1, 0), pid.get(3, 4, 1, 0), pid.get(3, 5, 1, 0)]).toEqual(['ZZMRN4455', 'HOSP1', 'MR']);
    expect([pid.get(3, 1, 1, 1), pid.get(3, 4, 2, 1), pid.get(3, 4, 3, 1), pid.get(3, 5, 1, 1)]).toEqual(['E123', '1.2.840.114350', 'ISO', 'PI']);
    expect([pid.get(5, 1), pid.get(5, 2), pid.get(7), pid.get(8), pid.get(18, 1), pid.get(18, 5)]).toEqual(['ZZTEST', 'PATIENT', '19700101', 'F', 'ACC-1', 'AN']);
    expect(pid.raw).not.toContain('999-99-9999');
    const orc = m.segment('ORC')!;
    expect([orc.get(1), orc.get(2), orc.get(3), orc.get(9)]).toEqual(['RE', 'ORD-1', 'FIL-1', '20261121101000+0000']);
    const rxd = m.segment('RXD')!;
    expect([rxd.get(1), rxd.get(2, 1), rxd.get(2, 2), rxd.get(2, 3), rxd.get(2, 4), rxd.get(2, 6)]).toEqual([
      '1',
      '00591-0369-01',
      'Hydrocodone 5mg/APAP 325mg',
      'NDC',
      '857005',
      'RXNORM',
    ]);
    expect([rxd.get(3), rxd.get(4), rxd.get(5), rxd.get(7), rxd.get(8), rxd.get(10, 1), rxd.get(10, 9), rxd.get(10, 13)]).toEqual([
      '20261121101000+0000',
      '30',
      'TAB',
      'RX-778',
      '2',
      '1234567893',
      'CMS',
      'NPI',
    ]);
    expect([rxd.get(18, 1, 1, 0), rxd.get(18, 1, 1, 1), rxd.get(19, 1, 1, 0), rxd.get(19, 1, 1, 1)]).toEqual(['LOT-9', 'LOT-10', '20271231', '20280131']);
    const rxr = m.segment('RXR')!;
    expect([rxr.get(1, 1), rxr.get(1, 2), rxr.get(1, 3)]).toEqual(['PO', 'oral', 'HL70162']);
  });

  it('is read back by our own inbound translator as the same dispense of the same patient', () => {
    const ctx = testContext({ drugs: resolverWith([{ ndc11: '00591036901', schedule: 'II' }]) });
    const result = translate(parseMessage(build().toString()), ctx);
    expect(result.errors).toEqual([]);
    expect(result.events).toHaveLength(1);
    const [event] = result.events;
    expect(event).toMatchObject({
      type: 'rx.dispense',
      occurred_at: '2026-11-21T10:10:00.000Z',
      drug: { ndc11: '00591036901', schedule: 'II', lot: 'LOT-9', expiry: '2027-12-31' },
      quantity: { value: 30, unit: 'TAB' },
      patient_ref: patientToken(TOKEN_KEY, { authority: 'HOSP1', type: 'MR', value: 'ZZMRN4455' }),
      payload: {
        order: { placer: 'ORD-1', filler: 'FIL-1' },
        prescription_number: 'RX-778',
        refills_remaining: 2,
        dispensing_provider: { id: '1234567893', id_type: 'NPI', authority: 'CMS' },
        more_lots: [{ lot: 'LOT-10', expiry: '2028-01-31' }],
        route: { code: 'PO', display: 'oral', system: 'HL70162' },
      },
    });
    const reversal = translate(parseMessage(build({ event: dispense({ type: 'rx.dispense.reversal' }) }).toString()), ctx);
    expect(reversal.events.map((e) => e.type)).toEqual(['rx.dispense.reversal']);
  });

  it('escapes delimiters and control characters in values, which read back unchanged', () => {
    const tricky = 'A|B^C&D~E\\F\nG';
    const event = dispense({
      payload: { ...dispense().payload, prescription_number: tricky, codes: [{ code: '00591-0369-01', display: tricky, system: 'NDC' }] },
    });
    const text = build({ event, patient: { identifiers: [{ authority: 'H&1', type: 'MR', value: 'M|1' }] } }).toString();
    expect(text).toContain('|A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F\\X0A\\G|');
    expect(text.split('\r')).toHaveLength(6); // the line break did not end a segment
    const m = parseMessage(text);
    expect(m.segment('RXD')!.get(7)).toBe(tricky);
    expect(m.segment('RXD')!.get(2, 2)).toBe(tricky);
    expect([m.segment('PID')!.get(3, 1), m.segment('PID')!.get(3, 4)]).toEqual(['M|1', 'H&1']);
  });

  it('declares UTF-8 in MSH-18 when a value is not ASCII, and the bytes read back', () => {
    const message = build({ patient: { ...PATIENT, demographics: { family_name: 'MÜLLER', given_name: 'ZOË' } } });
    expect(message.charset).toBe('UNICODE UTF-8');
    const back = parseMessage(encodeText(message.toString(), message.charset));
    expect([back.segment('PID')!.get(5, 1), back.segment('PID')!.get(5, 2)]).toEqual(['MÜLLER', 'ZOË']);
    expect(build().charset).toBe('');
  });

  it('writes in the character set the EHR reads, when it names one: declared in MSH-18, the bytes from its code chart', () => {
    const patient = { ...PATIENT, demographics: { family_name: 'RENÉE', given_name: 'ŁUCJA' } };
    const latin2 = build({ patient, header: { ...HEADER, charset: '8859/2' } });
    expect(latin2.charset).toBe('8859/2');
    // ISO 8859-2: É is 0xC9, Ł is 0xA3.
    const bytes = Buffer.from(encodeText(latin2.toString(), latin2.charset));
    expect(bytes.includes(Buffer.from([0x52, 0x45, 0x4e, 0xc9, 0x45, 0x5e, 0xa3, 0x55]))).toBe(true);
    // Declared even when every value is ASCII, since the EHR was configured to expect it.
    expect(build({ header: { ...HEADER, charset: '8859/1' } }).toString().split('\r')[0]!.split('|')[17]).toBe('8859/1');
  });

  it('refuses a value the character set of the EHR cannot carry, naming the field and not the value', () => {
    const patient = { ...PATIENT, demographics: { family_name: 'RENÉE', given_name: 'ŁUCJA' } };
    try {
      build({ patient, header: { ...HEADER, charset: '8859/1' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OutboundBuildError);
      expect((err as OutboundBuildError).reason).toBe('unwritable_character');
      expect((err as OutboundBuildError).message).toBe("PID-5 holds a character that 8859/1 (the EHR's MSH-18) cannot carry");
    }
    try {
      build({ header: { ...HEADER, sendingFacility: 'APOTEKA Ł', charset: 'ASCII' } });
      expect.unreachable();
    } catch (err) {
      expect((err as OutboundBuildError).message).toMatch(/^MSH-4 holds/);
    }
  });

  it('asks for a commit acknowledgement only when the EHR works in enhanced mode (MSH-15 AL, MSH-16 NE)', () => {
    const msh = build({ header: { ...HEADER, enhancedAck: true } }).toString().split('\r')[0]!.split('|');
    expect([msh[14], msh[15]]).toEqual(['AL', 'NE']);
    expect(build().toString().split('\r')[0]!.split('|')).toHaveLength(12);
  });

  it('writes HD components of the configured names, MSH-11 and the sender facility', () => {
    const text = build({
      header: { sendingApplication: 'RXGATE^1.2.3^ISO', sendingFacility: 'PHARM', receivingApplication: undefined, receivingFacility: 'HOSP1', processingId: 'T' },
    }).toString();
    expect(text.split('\r')[0]).toBe('MSH|^~\\&|RXGATE^1.2.3^ISO|PHARM||HOSP1|20261121101500+0000||RDS^O13^RDS_O13|RX0001|T|2.5');
  });

  it('falls back to the RxNorm CUI, then to the code as the sender wrote it; leaves out what the event does not hold', () => {
    const minimal = (drug: CanonicalEvent['drug'], payload: Record<string, unknown>) =>
      build({
        event: dispense({ drug, quantity: undefined, payload }),
        patient: { identifiers: [{ authority: '', type: '', value: 'M1' }] },
      }).toString();
    const rxnorm = minimal({ rxnorm: '857005', schedule: 'II' }, { amount: 2.5, unit: 'mL' }).split('\r');
    expect(rxnorm.slice(1)).toEqual([
      'PID|1||M1',
      seg('ORC', { 1: 'RE', 9: '20261121101000+0000' }),
      'RXD|1|857005^^RXNORM|20261121101000+0000|2.5|mL',
      '',
    ]);
    const local = minimal({ schedule: 'UNMAPPED' }, { amount: 1, codes: [{ code: 'X1', display: 'local thing', system: '99LOC' }] }).split('\r');
    expect(local[3]).toBe('RXD|1|X1^local thing^99LOC|20261121101000+0000|1');
  });

  it('refuses what it cannot write: no identifiers, no drug code, no amount, another event type', () => {
    const reason = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(OutboundBuildError);
        return (err as OutboundBuildError).reason;
      }
      return 'no error';
    };
    expect(reason(() => build({ patient: { identifiers: [{ authority: 'X', type: 'SS', value: '999' }] } }))).toBe('no_patient_identifiers');
    expect(reason(() => build({ patient: { identifiers: [] } }))).toBe('no_patient_identifiers');
    expect(reason(() => build({ event: dispense({ drug: { schedule: 'NC' }, payload: {} }) }))).toBe('no_drug_code');
    expect(reason(() => build({ event: dispense({ quantity: undefined, payload: {} }) }))).toBe('no_amount');
    expect(reason(() => build({ event: dispense({ type: 'rx.order.new' }) }))).toBe('not_a_dispense');
    // a reversal may leave the amount out
    const bare = dispense({ type: 'rx.dispense.reversal', drug: { ndc11: '00591036901', schedule: 'II' }, quantity: undefined, payload: {} });
    expect(build({ event: bare }).toString()).toContain('\rRXD|1|00591-0369-01^^NDC|20261121101000+0000\r');
  });
});

describe('helpers', () => {
  it('gives an event always the same MSH-10, of at most 20 characters', () => {
    const id = controlIdForEvent('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    expect(id).toMatch(/^RX[0-9A-F]{18}$/);
    expect(controlIdForEvent('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe(id);
    expect(controlIdForEvent('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c')).not.toBe(id);
  });

  it('writes NM without exponents and TS in UTC with milliseconds only when present', () => {
    expect([number(30), number(2.5), number(1e-7), number(undefined), number(Number.NaN)]).toEqual(['30', '2.5', '0.0000001', undefined, undefined]);
    expect(hl7Timestamp(new Date('2026-01-02T03:04:05.000Z'))).toBe('20260102030405+0000');
    expect(hl7Timestamp(new Date('2026-01-02T03:04:05.067Z'))).toBe('20260102030405.067+0000');
  });
});
