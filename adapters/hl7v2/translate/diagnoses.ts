import type { Hl7Segment } from '../message.ts';
import { cweCodes, entityId, providerOf, yesNo } from './codes.ts';
import type { Job } from './job.ts';
import type { CodeFilter } from './types.ts';

/**
 * The patient's diagnoses as an ADT message lists them (DG1, HL7 v2.5 §6.5.2): what a pharmacist checks an order's
 * indication and dose against — kidney or liver failure, pregnancy, the reason for an anticoagulant. The code (DG1-3
 * with its alternates), never the description (DG1-4, free text) nor a code given as text alone; a diagnosis its
 * sender marks confidential (DG1-18 `Y`) is not carried at all, since the sender said it should go no further, and
 * HL7_ADT_DIAGNOSES narrows the others to the codes a pharmacy uses. What an event carries stays in the ledger for
 * good.
 */
export function readDiagnoses(job: Job, segments: readonly Hl7Segment[], wanted: CodeFilter = 'all'): Record<string, unknown>[] {
  const r = job.r;
  const out: Record<string, unknown>[] = [];
  if (wanted === 'none') return out;
  for (const dg1 of segments) {
    if (dg1.name !== 'DG1') continue;
    if (yesNo(r, dg1, 18) === true) continue;
    const codes = cweCodes(r, dg1, 3);
    if (codes.length === 0) continue;
    if (wanted !== 'all' && !codes.some((c) => wanted.has(c.code))) continue;
    const diagnosis: Record<string, unknown> = {
      code: codes[0],
      // HL7 table 0052: A admitting, W working, F final (DG1-6: IS in v2.5, CWE later)
      type: r.val(dg1, 6) || undefined,
      priority: r.val(dg1, 15) || undefined,
      diagnosed_at: r.dtm({ seg: dg1, field: 5, component: 1 }),
      clinician: providerOf(r, dg1, 16),
      // HL7 table 0206: A add, D delete, U update — with the identifier (DG1-20), how a feed corrects one diagnosis
      action: r.val(dg1, 21) || undefined,
      id: entityId(r, dg1, 20),
    };
    if (codes.length > 1) diagnosis.alternate_codes = codes.slice(1);
    out.push(diagnosis);
  }
  return out;
}
