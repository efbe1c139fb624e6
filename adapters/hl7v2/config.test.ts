import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CodeList } from './translate/code-list.ts';
import { hl7ConfigShape } from './config.ts';

const parse = (name: keyof typeof hl7ConfigShape, value: string) => (hl7ConfigShape[name] as z.ZodType).safeParse(value);

describe('HL7 adapter settings', () => {
  it('reads HL7_FACILITY_MAP keys as the HD values senders write, spaces inside them included', () => {
    // PV1-3.4 of the GHH samples is "HOMERTON UNIVER"; MSH-4 of others "Healthmatics Clinic" or an OID.
    expect(parse('HL7_FACILITY_MAP', 'HOMERTON UNIVER=homerton, Healthmatics Clinic=clinic,1.2.840.1=oid').data).toEqual({
      'HOMERTON UNIVER': 'homerton',
      'Healthmatics Clinic': 'clinic',
      '1.2.840.1': 'oid',
    });
  });

  it('refuses an HL7_FACILITY_MAP that is not KEY=FACILITY pairs, or names a facility id that cannot be one', () => {
    for (const bad of ['HOSP1', 'HOSP1=', '=FAC1', 'HOSP1=FAC 1', 'HOSP1=FAC1,,HOSP2=FAC2', 'A=B=C']) {
      expect(parse('HL7_FACILITY_MAP', bad).error?.issues[0]?.message, bad).toBe('KEY=FACILITY pairs separated by commas');
    }
  });

  it('reads HL7_TIME_ZONE_MAP as facility ids and zones', () => {
    expect(parse('HL7_TIME_ZONE_MAP', 'FAC2=America/Denver, FAC3=America/Phoenix').data).toEqual({ FAC2: 'America/Denver', FAC3: 'America/Phoenix' });
    for (const bad of ['FAC2', 'FAC 2=America/Denver', 'FAC2=America/New York']) {
      expect(parse('HL7_TIME_ZONE_MAP', bad).error?.issues[0]?.message, bad).toBe('FACILITY=ZONE pairs separated by commas');
    }
  });

  it.each(['HL7_ORDER_OBSERVATIONS', 'HL7_ADMINISTRATION_OBSERVATIONS', 'HL7_ADT_OBSERVATIONS', 'HL7_RESULT_OBSERVATIONS', 'HL7_ADT_DIAGNOSES'] as const)(
    'reads %s as all (the default), none, or a list of codes and prefixes, local codes with spaces included',
    (name) => {
      expect(parse(name, 'all').data).toBe('all');
      expect(parse(name, ' none ').data).toBe('none');
      const list = parse(name, '29463-7, 8302-2,Most Current Weight, N18*').data;
      expect(list).toBeInstanceOf(CodeList);
      expect((list as CodeList).entries()).toEqual(['29463-7', '8302-2', 'Most Current Weight', 'N18*']);
      expect((list as CodeList).has('N18.4')).toBe(true);
      expect((hl7ConfigShape[name] as z.ZodType).parse(undefined)).toBe('all');
      for (const bad of ['', ',', '29463-7,,8302-2', '29463-7,']) expect(parse(name, bad).success, bad).toBe(false);
    },
  );

  it('reads HL7_UNHANDLED rules by message type, code or *, upper-casing the types', () => {
    expect(parse('HL7_UNHANDLED', 'ORU^R01=keep, siu=refuse,*=record').data).toEqual({ 'ORU^R01': 'keep', SIU: 'refuse', '*': 'record' });
    for (const bad of ['SIU', 'SIU=drop', 'SIU^=refuse', 'SIUX=refuse', 'S I U=refuse', 'SIU^S12^SIU_S12=refuse', '**=keep']) {
      expect(parse('HL7_UNHANDLED', bad).success, bad).toBe(false);
    }
  });
});
