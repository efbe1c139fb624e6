import { describe, expect, it } from 'vitest';
import { createBusNames, partitionOf } from './subjects.ts';

describe('bus names', () => {
  it('puts class, partition, facility and type in the event subject', () => {
    const names = createBusNames();
    const p = partitionOf('HOSP1', 8);
    expect(names.eventSubject({ facility_id: 'HOSP1', type: 'rx.dispense', drug: { schedule: 'II' } }, 8)).toBe(`ev.ctl.p${p}.HOSP1.rx.dispense`);
    expect(names.eventSubject({ facility_id: 'HOSP1', type: 'inv.count', drug: { schedule: 'NC' } }, 8)).toBe(`ev.gen.p${p}.HOSP1.inv.count`);
    expect(names.eventSubject({ facility_id: 'HOSP1', type: 'patient.update' }, 8)).toBe(`ev.gen.p${p}.HOSP1.patient.update`);
    expect(names.eventSubject({ facility_id: 'HOSP1', type: 'rx.dispense', drug: { schedule: 'UNMAPPED' } }, 8)).toBe(
      `ev.unm.p${p}.HOSP1.rx.dispense`,
    );
    expect(names.partitionFilter(3)).toBe('ev.*.p3.>');
  });

  it('computes FNV-1a, so a facility keeps its partition across processes and releases', () => {
    // FNV-1a 32-bit of "a" is 0xe40c292c and of "foobar" 0xbf9cf968 (published test vectors of the hash).
    expect(partitionOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(partitionOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
  });

  it('prefixes every name with the namespace and refuses unsafe namespaces', () => {
    const names = createBusNames('staging');
    expect(names.streams).toEqual({ events: 'staging_EVENTS', quarantine: 'staging_QUARANTINE', dlq: 'staging_DLQ' });
    expect(names.subjects.eventsAll).toBe('staging.ev.>');
    expect(names.quarantineSubject('hl7 v2', 'parse.error')).toBe('staging.quarantine.hl7_v2.parse_error');
    expect(() => createBusNames('a.b')).toThrow(/namespace/);
  });
});
