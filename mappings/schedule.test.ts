import { describe, expect, it } from 'vitest';
import { ScheduleError } from './errors.ts';
import { classOfSchedule, highestSchedule, parseFdaDeaSchedule, parseSchedule } from './schedule.ts';

describe('DEA schedules', () => {
  it('reads the FDA directory DEASCHEDULE column', () => {
    expect(parseFdaDeaSchedule('')).toBe('NC');
    expect(parseFdaDeaSchedule('CII')).toBe('II');
    expect(parseFdaDeaSchedule('CIII')).toBe('III');
    expect(parseFdaDeaSchedule('CIV')).toBe('IV');
    expect(parseFdaDeaSchedule('CV')).toBe('V');
  });

  it('reports CI and unknown values with the column and position', () => {
    expect(() => parseFdaDeaSchedule('CI')).toThrow(/schedule I/);
    let err: ScheduleError | undefined;
    try {
      parseFdaDeaSchedule('DEA', 'DEASCHEDULE', { file: 'product.txt', line: 3, column: 18 });
    } catch (e) {
      err = e as ScheduleError;
    }
    expect(err).toBeInstanceOf(ScheduleError);
    expect(err!.toIssue()).toEqual({ field: 'DEASCHEDULE', code: 'schedule', file: 'product.txt', line: 3, column: 18, message: expect.stringContaining('"DEA"') });
  });

  it('gives a combination product the highest schedule of its ingredients', () => {
    // e.g. a schedule III ingredient with a non-controlled one is schedule III; II beats everything
    expect(highestSchedule(['NC', 'III'])).toBe('III');
    expect(highestSchedule(['V', 'IV', 'NC'])).toBe('IV');
    expect(highestSchedule(['III', 'II', 'V'])).toBe('II');
    expect(highestSchedule([])).toBe('NC');
  });

  it('parses schedules as people write them', () => {
    expect(parseSchedule('ii')).toBe('II');
    expect(parseSchedule('C-III')).toBe('III');
    expect(parseSchedule('CIV')).toBe('IV');
    expect(parseSchedule('C5')).toBe('V');
    expect(parseSchedule('NC')).toBe('NC');
    expect(() => parseSchedule('I')).toThrow(ScheduleError);
    expect(() => parseSchedule('VI')).toThrow(/II, III, IV, V or NC/);
  });

  it('maps schedules to event classes', () => {
    expect(classOfSchedule('II')).toBe('ctl');
    expect(classOfSchedule('V')).toBe('ctl');
    expect(classOfSchedule('NC')).toBe('gen');
    expect(classOfSchedule('UNMAPPED')).toBe('unm');
  });
});
