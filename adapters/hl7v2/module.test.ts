import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config.ts';
import { dedupeWindowWarning, resultFilterWarning } from './module.ts';

describe('dedupeWindowWarning', () => {
  it('warns only when the HL7 window outlasts the duplicate window of the events stream', () => {
    expect(dedupeWindowWarning(loadConfig({}))).toBeUndefined(); // both 24 h by default
    expect(dedupeWindowWarning(loadConfig({ HL7_DEDUPE_WINDOW_S: '3600', DUPLICATE_WINDOW_S: '7200' }))).toBeUndefined();
    expect(dedupeWindowWarning(loadConfig({ HL7_DEDUPE_WINDOW_S: '172800', DUPLICATE_WINDOW_S: '86400' }))).toMatch(/HL7_DEDUPE_WINDOW_S is longer than DUPLICATE_WINDOW_S/);
  });
});

describe('resultFilterWarning', () => {
  it('warns when a list of results to carry meets HL7_UNHANDLED keeping the rest whole', () => {
    expect(resultFilterWarning(loadConfig({}))).toBeUndefined(); // every result carried
    expect(resultFilterWarning(loadConfig({ HL7_RESULT_OBSERVATIONS: 'none' }))).toBeUndefined(); // results not taken: the operator's HL7_UNHANDLED decides
    expect(resultFilterWarning(loadConfig({ HL7_RESULT_OBSERVATIONS: '2160-0,6301-6' }))).toMatch(/add ORU=record/);
    expect(resultFilterWarning(loadConfig({ HL7_RESULT_OBSERVATIONS: '2160-0', HL7_UNHANDLED: 'SIU=refuse' }))).toMatch(/add ORU=record/);
    for (const rules of ['ORU=record', 'ORU^R01=refuse', '*=record']) {
      expect(resultFilterWarning(loadConfig({ HL7_RESULT_OBSERVATIONS: '2160-0', HL7_UNHANDLED: rules })), rules).toBeUndefined();
    }
  });
});
