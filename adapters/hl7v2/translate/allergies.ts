import type { Hl7Segment } from '../message.ts';
import { cweCodes } from './codes.ts';
import type { Job } from './job.ts';

export interface Allergy {
  type?: string;
  allergen: { code?: string; display?: string; system?: string };
  severity?: string;
  identified_on?: string;
  action?: string;
  sensitivity?: string;
  onset?: string;
  reported_at?: string;
  clinical_status?: string;
}

/**
 * The patient's allergies a message lists, carried on its patient updates and orders: a pharmacy checks every order
 * against them. Both segments belong to the patient group, so only those before the first ORC are read; undefined
 * when there are none.
 *
 * AL1 (v2.5 §3.4.6): AL1-2 type and AL1-4 severity are codes (tables 0127, 0128); AL1-3 the allergen, coded, or its
 * text alone when the sender has no code (dropping it would leave an allergy out of a list a pharmacist relies on);
 * AL1-6 the date it was identified.
 * IAM (v2.5 §3.4.7, the allergy of an ADT^A60 update): the same type, allergen and severity, and what to do with the
 * patient's list — IAM-6 action (table 0323: A add, D delete, U update, X no change) — with IAM-9 sensitivity (table
 * 0436: AL allergy, AD adverse reaction, FI food intolerance, …), IAM-11 onset (a date, often only year and month),
 * IAM-13 when reported, IAM-17 clinical status (table 0438: C confirmed, P pending, S suspect, …). The allergy's own
 * identifier (IAM-7) is a record number and is not carried; an update or delete names its allergen.
 * Reactions (AL1-5, IAM-5), IAM-8 reason and IAM-12 onset text are free text, and IAM-14 names a person: not carried.
 */
export function readAllergies(job: Job): Allergy[] | undefined {
  const r = job.r;
  const firstOrc = r.segments.findIndex((s) => s.name === 'ORC');
  const patientGroup = firstOrc < 0 ? r.segments : r.segments.slice(0, firstOrc);
  const allergies = patientGroup.flatMap((seg): Allergy[] => {
    if (seg.name !== 'AL1' && seg.name !== 'IAM') return [];
    const allergen = allergenOf(job, seg);
    if (!allergen) return [];
    const common = { type: r.val(seg, 2) || undefined, allergen, severity: r.val(seg, 4) || undefined };
    if (seg.name === 'AL1') return [{ ...common, identified_on: r.date({ seg, field: 6, component: 1 }) }];
    return [
      {
        ...common,
        action: r.val(seg, 6) || undefined,
        sensitivity: r.val(seg, 9) || undefined,
        onset: r.partialDate({ seg, field: 11 }),
        reported_at: r.dtm({ seg, field: 13, component: 1 }),
        clinical_status: r.val(seg, 17) || undefined,
      },
    ];
  });
  return allergies.length > 0 ? allergies : undefined;
}

function allergenOf(job: Job, seg: Hl7Segment): Allergy['allergen'] | undefined {
  const [coded] = cweCodes(job.r, seg, 3);
  if (coded) return coded;
  const text = job.r.val(seg, 3, 2);
  return text ? { display: text } : undefined;
}
