import type { Hl7Segment } from '../message.ts';
import { cweCodes } from './codes.ts';
import type { Job } from './job.ts';

export interface Allergy {
  type?: string;
  allergen: { code?: string; display?: string; system?: string };
  severity?: string;
  identified_on?: string;
}

/**
 * The patient's allergies (AL1, v2.5 §3.4.6) a message lists, carried on its patient updates and orders: a pharmacy
 * checks every order against them. AL1 belongs to the patient group, so only the AL1s before the first ORC are read;
 * undefined when there are none.
 *
 * AL1-2 type and AL1-4 severity are codes (tables 0127, 0128); AL1-3 the allergen, coded, or its text alone when the
 * sender has no code (dropping it would leave an allergy out of a list a pharmacist relies on); AL1-6 the date it
 * was identified. AL1-5 (reactions) is free text and is not carried, like every other free text.
 */
export function readAllergies(job: Job): Allergy[] | undefined {
  const r = job.r;
  const firstOrc = r.segments.findIndex((s) => s.name === 'ORC');
  const segments = (firstOrc < 0 ? r.segments : r.segments.slice(0, firstOrc)).filter((s) => s.name === 'AL1');
  const allergies = segments.flatMap((al1): Allergy[] => {
    const allergen = allergenOf(job, al1);
    if (!allergen) return [];
    return [{ type: r.val(al1, 2) || undefined, allergen, severity: r.val(al1, 4) || undefined, identified_on: r.date({ seg: al1, field: 6, component: 1 }) }];
  });
  return allergies.length > 0 ? allergies : undefined;
}

function allergenOf(job: Job, al1: Hl7Segment): Allergy['allergen'] | undefined {
  const [coded] = cweCodes(job.r, al1, 3);
  if (coded) return coded;
  const text = job.r.val(al1, 3, 2);
  return text ? { display: text } : undefined;
}
