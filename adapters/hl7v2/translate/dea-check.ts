import { isValidDeaNumber } from '../../../mappings/dea-number.ts';
import type { Schedule } from '../../../gateway/events/schema.ts';

/**
 * Whether an order's prescriber DEA number (RXE-13 / RXO-14) can be what 21 CFR 1306.05 asks of a controlled
 * substance prescription: `valid` (two letters, seven digits, the check digit right), `invalid`, or `missing` for a
 * drug of schedule II–V without one. Not a refusal: the order is taken and the pharmacist sees the flag (a
 * prescriber may write under a hospital's registration, which this cannot know). A hospital's number with its
 * internal suffix (`AB1234563-017`) is judged by the number. Undefined when there is nothing to say: no number on a
 * drug that is not controlled, or whose schedule is not known yet (an unmapped drug, parked).
 */
export type PrescriberDeaCheck = 'valid' | 'invalid' | 'missing';

const CONTROLLED: ReadonlySet<Schedule | undefined> = new Set<Schedule>(['II', 'III', 'IV', 'V']);

export function prescriberDeaCheck(dea: string | undefined, schedule: Schedule | undefined): PrescriberDeaCheck | undefined {
  if (dea === undefined || dea.trim() === '') return CONTROLLED.has(schedule) ? 'missing' : undefined;
  const number = dea.trim().replace(/-[A-Za-z0-9]{1,10}$/, '');
  return isValidDeaNumber(number) ? 'valid' : 'invalid';
}
