import type { EventClass } from '../gateway/events/schema.ts';
import { ScheduleError, type InputPosition } from './errors.ts';

/**
 * DEA schedules (21 CFR 1308) as the mapping tables keep them: II, III, IV, V for controlled substances that can be
 * dispensed, NC for not controlled. Schedule I substances have no accepted medical use and are not dispensed; a
 * source that says CI is reported, never mapped silently. `UNMAPPED` belongs to events (a drug nobody has mapped
 * yet), never to a mapping.
 */

export const DEA_SCHEDULES = ['II', 'III', 'IV', 'V', 'NC'] as const;
export type DeaSchedule = (typeof DEA_SCHEDULES)[number];

const RANK: Record<DeaSchedule, number> = { II: 4, III: 3, IV: 2, V: 1, NC: 0 };

export function isDeaSchedule(value: unknown): value is DeaSchedule {
  return typeof value === 'string' && (DEA_SCHEDULES as readonly string[]).includes(value);
}

/** Higher is more controlled: II > III > IV > V > NC. */
export function scheduleRank(schedule: DeaSchedule): number {
  return RANK[schedule];
}

/**
 * The schedule of a combination product: the most controlled of its ingredients (a product with a schedule III
 * and a non-controlled ingredient is schedule III). An empty list is NC.
 */
export function highestSchedule(schedules: Iterable<DeaSchedule>): DeaSchedule {
  let best: DeaSchedule = 'NC';
  for (const s of schedules) if (RANK[s] > RANK[best]) best = s;
  return best;
}

export function isControlled(schedule: DeaSchedule): boolean {
  return schedule !== 'NC';
}

/** The event class (DESIGN §3) of a drug with this schedule. */
export function classOfSchedule(schedule: DeaSchedule | 'UNMAPPED'): EventClass {
  if (schedule === 'UNMAPPED') return 'unm';
  return schedule === 'NC' ? 'gen' : 'ctl';
}

const FDA_VALUES: Record<string, DeaSchedule> = { '': 'NC', CII: 'II', CIII: 'III', CIV: 'IV', CV: 'V' };

/**
 * The FDA NDC Directory's DEASCHEDULE column: empty (not controlled), CII, CIII, CIV or CV. CI and anything else
 * throw ScheduleError naming the column and position.
 */
export function parseFdaDeaSchedule(text: string, field = 'DEASCHEDULE', position?: InputPosition): DeaSchedule {
  const value = text.trim().toUpperCase();
  const schedule = FDA_VALUES[value];
  if (schedule) return schedule;
  if (value === 'CI') {
    throw new ScheduleError(field, 'DEASCHEDULE is CI: schedule I substances are not dispensed and have no mapping; classify this product by hand', position);
  }
  throw new ScheduleError(field, `DEASCHEDULE ${JSON.stringify(text.trim())} is not one of CII, CIII, CIV, CV or empty`, position);
}

/**
 * A schedule as people write it in a CSV or a form: II, III, IV, V, NC, and the C-prefixed forms (CII, C-II, C2 …
 * C5). Throws ScheduleError for anything else.
 */
export function parseSchedule(text: string, field = 'schedule', position?: InputPosition): DeaSchedule {
  const upper = text.trim().toUpperCase();
  const value = upper.startsWith('C') ? upper.slice(upper[1] === '-' ? 2 : 1) : upper;
  const arabic: Record<string, DeaSchedule> = { '2': 'II', '3': 'III', '4': 'IV', '5': 'V' };
  const schedule = isDeaSchedule(value) ? value : arabic[value];
  if (!schedule) throw new ScheduleError(field, `${JSON.stringify(text.trim())} is not a DEA schedule: II, III, IV, V or NC`, position);
  return schedule;
}
