import type { Hl7Segment } from '../message.ts';
import { quantityOf, unitOf } from './codes.ts';
import type { Reader } from './reader.ts';

/**
 * Timing of an order or a give, from a TQ1 segment or from an older TQ field (RXE-1, ORC-7, RXG-3).
 * Free-text parts (condition text, text instruction) are not carried: they may hold anything.
 */
export interface Timing {
  source: string;
  quantity?: { value: number; unit?: string };
  /** repeat pattern codes: TQ1-3 (RPT-1), or TQ-2 (RI-1) */
  repeat?: string[];
  /** explicit times as written (TM), TQ1-4 or RI-2 */
  explicit_times?: string[];
  /** TQ1-6 service duration (`3 D`), or TQ-3 as written (`D4`) */
  duration?: string;
  start?: string;
  end?: string;
  priority?: string;
  total_occurrences?: number;
}

export function fromTq1(r: Reader, tq1: Hl7Segment): Timing {
  const t: Timing = { source: 'TQ1' };
  const quantity = quantityOf(r, tq1, 2);
  if (quantity) t.quantity = quantity;
  const repeat: string[] = [];
  for (let i = 0; i < r.reps(tq1, 3); i++) {
    const code = r.val(tq1, 3, 1, 1, i);
    if (code) repeat.push(code);
  }
  if (repeat.length) t.repeat = repeat;
  const times: string[] = [];
  for (let i = 0; i < r.reps(tq1, 4); i++) {
    const time = r.val(tq1, 4, 1, 1, i);
    if (time) times.push(time);
  }
  if (times.length) t.explicit_times = times;
  const durValue = r.val(tq1, 6, 1);
  if (durValue) t.duration = [durValue, unitOf(r, tq1, 6, 2)].filter(Boolean).join(' ');
  const start = r.dtm({ seg: tq1, field: 7, component: 1 });
  const end = r.dtm({ seg: tq1, field: 8, component: 1 });
  if (start) t.start = start;
  if (end) t.end = end;
  const priority = r.val(tq1, 9, 1);
  if (priority) t.priority = priority;
  const total = r.count({ seg: tq1, field: 14, component: 1 });
  if (total !== undefined) t.total_occurrences = total;
  return t;
}

/**
 * The TQ data type (withdrawn in v2.7, still sent): 1 quantity (CQ), 2 interval (RI: pattern & explicit time),
 * 3 duration, 4 start (TS), 5 end (TS), 6 priority, 7 condition, 8 text, 9 conjunction, 10 order sequencing,
 * 11 occurrence duration, 12 total occurrences. Only the first repetition is read.
 */
export function fromTq(r: Reader, seg: Hl7Segment, field: number): Timing | undefined {
  if (![1, 2, 3, 4, 5, 6, 12].some((c) => r.val(seg, field, c) !== '')) return undefined;
  const t: Timing = { source: `${seg.name}-${field}` };
  const qty = r.num({ seg, field, component: 1, subcomponent: 1 });
  if (qty !== undefined) {
    t.quantity = { value: qty };
    const unit = r.val(seg, field, 1, 2);
    if (unit) t.quantity.unit = unit;
  }
  const pattern = r.val(seg, field, 2, 1);
  if (pattern) t.repeat = [pattern];
  const explicit = r.val(seg, field, 2, 2);
  if (explicit) t.explicit_times = explicit.split(',').map((s) => s.trim()).filter(Boolean);
  const duration = r.val(seg, field, 3);
  if (duration) t.duration = duration;
  const start = r.dtm({ seg, field, component: 4, subcomponent: 1 });
  const end = r.dtm({ seg, field, component: 5, subcomponent: 1 });
  if (start) t.start = start;
  if (end) t.end = end;
  const priority = r.val(seg, field, 6);
  if (priority) t.priority = priority;
  const total = r.count({ seg, field, component: 12 });
  if (total !== undefined) t.total_occurrences = total;
  return t;
}
