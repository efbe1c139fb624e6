import { describe, expect, it } from 'vitest';
import { createBusNames, partitionOf, sourceToken } from './subjects.ts';

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
    expect(names.quarantineSubject('hl7 v2', 'parse.error')).toBe('staging.quarantine.hl7_v2.parse_error._');
    expect(() => createBusNames('a.b')).toThrow(/namespace/);
  });

  it('ends a quarantine subject with a digest of the message id, so that a trace finds it by subject', () => {
    const names = createBusNames();
    // sha256("MSG.00 1*>") begins 14ae21fe0e98a555 (sha256sum): dots, blanks and wildcards cannot break the subject.
    expect(sourceToken('MSG.00 1*>')).toBe('14ae21fe0e98a555');
    expect(names.quarantineSubject('hl7v2', 'translate', 'MSG.00 1*>')).toBe('quarantine.hl7v2.translate.14ae21fe0e98a555');
    expect(names.quarantineSubjects({ messageId: 'MSG.00 1*>' })).toEqual(['quarantine.*.*.14ae21fe0e98a555']);
    expect(names.quarantineSubjects({ adapter: 'hl7v2', messageId: 'MSG.00 1*>' })).toEqual(['quarantine.hl7v2.*.14ae21fe0e98a555']);
    // Listing by adapter and reason also finds entries kept under the older three-token subject.
    expect(names.quarantineSubjects({ reason: 'parse' })).toEqual(['quarantine.*.parse.*', 'quarantine.*.parse']);
    expect(names.quarantineSubjects({})).toEqual(['quarantine.*.*.*', 'quarantine.*.*']);
  });
});
