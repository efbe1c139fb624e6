import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config.ts';
import { dedupeWindowWarning } from './module.ts';

describe('dedupeWindowWarning', () => {
  it('warns only when the HL7 window outlasts the duplicate window of the events stream', () => {
    expect(dedupeWindowWarning(loadConfig({}))).toBeUndefined(); // both 24 h by default
    expect(dedupeWindowWarning(loadConfig({ HL7_DEDUPE_WINDOW_S: '3600', DUPLICATE_WINDOW_S: '7200' }))).toBeUndefined();
    expect(dedupeWindowWarning(loadConfig({ HL7_DEDUPE_WINDOW_S: '172800', DUPLICATE_WINDOW_S: '86400' }))).toMatch(/HL7_DEDUPE_WINDOW_S is longer than DUPLICATE_WINDOW_S/);
  });
});
