import type { Hl7Segment } from '../message.ts';
import { cweCodes, cweFirst, unitOf } from './codes.ts';
import type { Job } from './job.ts';
import type { CodeFilter } from './types.ts';

/**
 * The observations (OBX) an order, an administration, an ADT message or a result carries (HL7 v2.5 §4A, §4.13, §3,
 * §7): the weight, height, creatinine or eGFR a pharmacist doses by; the vaccine funding source and eligibility and
 * the date the VIS was presented that an immunisation record needs; the pain score taken before a dose. Only values
 * that are numbers (NM), structured numbers (SN: `>60`, `1:128`), codes (CE, CWE, CNE) or dates and times (DT, TS,
 * DTM) are carried; text (ST, TX, FT), documents and anything else can hold free text, and are not. `wanted` (one
 * of HL7_ORDER_, HL7_ADMINISTRATION_, HL7_ADT_ and HL7_RESULT_OBSERVATIONS) narrows them to the codes a pharmacy
 * uses, or to none: what an event carries stays in the ledger for good, and every observation costs its share of
 * each write.
 */
const CODED_TYPES: ReadonlySet<string> = new Set(['CE', 'CWE', 'CNE']);
const TIME_TYPES: ReadonlySet<string> = new Set(['TS', 'DTM']);

export function readObservations(job: Job, segments: readonly Hl7Segment[], wanted: CodeFilter = 'all'): Record<string, unknown>[] {
  const r = job.r;
  const out: Record<string, unknown>[] = [];
  if (wanted === 'none') return out;
  for (const obx of segments) {
    if (obx.name !== 'OBX') continue;
    const codes = cweCodes(r, obx, 3);
    const code = codes[0] ?? cweFirst(r, obx, 3);
    if (!code) continue; // OBX-3 is required: the message is already answered for it (validate.ts)
    // A listed code may be the primary one or an alternate (a local code with its LOINC beside it, OBX-3.4).
    if (wanted !== 'all' && !wanted.has(code.code) && !codes.some((c) => wanted.has(c.code))) continue;
    const type = r.val(obx, 2).toUpperCase();
    let value: Record<string, unknown>;
    if (type === 'NM') {
      value = { value: r.num({ seg: obx, field: 5 }) };
    } else if (type === 'SN') {
      // comparator ^ number ^ separator or suffix ^ number: `>^60`, `^1^:^128`
      value = {
        comparator: r.val(obx, 5, 1) || undefined,
        value: r.num({ seg: obx, field: 5, component: 2 }),
        separator: r.val(obx, 5, 3) || undefined,
        value2: r.num({ seg: obx, field: 5, component: 4 }),
      };
    } else if (CODED_TYPES.has(type)) {
      value = { value_coded: cweFirst(r, obx, 5) };
    } else if (type === 'DT') {
      value = { value_date: r.partialDate({ seg: obx, field: 5 }) };
    } else if (TIME_TYPES.has(type)) {
      value = { value_time: r.dtm({ seg: obx, field: 5, component: 1 }) };
    } else {
      continue;
    }
    if (value.value === undefined && value.value_coded === undefined && value.value_date === undefined && value.value_time === undefined) continue;
    const observation: Record<string, unknown> = {
      code,
      ...value,
      unit: unitOf(r, obx, 6),
      abnormal: r.val(obx, 8) || undefined,
      status: r.val(obx, 11) || undefined,
      observed_at: r.dtm({ seg: obx, field: 14, component: 1 }),
    };
    // the same observation in other code systems: what lets a reader that knows LOINC read a local code
    if (codes.length > 1) observation.alternate_codes = codes.slice(1);
    out.push(observation);
  }
  return out;
}
