import { facilityIdSchema } from '../../../gateway/events/schema.ts';
import type { Hl7Message } from '../message.ts';
import type { Reader } from './reader.ts';
import type { FacilityRule } from './types.ts';

/**
 * Facility rule (README, "Facility"). Candidates, in order, each as its HD namespace id then its universal id:
 *
 *   1. PV1-3.4  the facility of the patient's assigned location (most specific; multi-site EHRs share one MSH-4)
 *   2. MSH-4    sending facility
 *   3. MSH-6    receiving facility
 *
 * The first candidate that is a key of `rule.map` gives the facility id; when none is, `rule.defaultId`. Values the
 * sender writes never become facility ids by themselves: facility ids name ledger chains and subjects, so only
 * configured ones exist.
 */
export function facilityCandidates(r: Reader, message: Hl7Message): { source: string; value: string }[] {
  const pv1 = message.segment('PV1');
  const out: { source: string; value: string }[] = [];
  const add = (source: string, value: string) => {
    if (value) out.push({ source, value });
  };
  if (pv1) {
    add('PV1-3.4', r.val(pv1, 3, 4, 1));
    add('PV1-3.4.2', r.val(pv1, 3, 4, 2));
  }
  const msh = message.msh;
  add('MSH-4', r.val(msh, 4, 1));
  add('MSH-4.2', r.val(msh, 4, 2));
  add('MSH-6', r.val(msh, 6, 1));
  add('MSH-6.2', r.val(msh, 6, 2));
  return out;
}

export function resolveFacility(r: Reader, message: Hl7Message, rule: FacilityRule): { id: string; source: string } {
  const map = rule.map ?? {};
  for (const c of facilityCandidates(r, message)) {
    if (Object.hasOwn(map, c.value)) return { id: map[c.value]!, source: c.source };
  }
  return { id: rule.defaultId, source: 'default' };
}

/** Checks a rule at start-up: every id it can produce must be a valid facility id. Returns the problems. */
export function checkFacilityRule(rule: FacilityRule): string[] {
  const problems: string[] = [];
  if (!facilityIdSchema.safeParse(rule.defaultId).success) problems.push(`default facility ${JSON.stringify(rule.defaultId)} is not a valid facility id`);
  for (const [key, id] of Object.entries(rule.map ?? {})) {
    if (!facilityIdSchema.safeParse(id).success) problems.push(`facility for ${JSON.stringify(key)} (${JSON.stringify(id)}) is not a valid facility id`);
  }
  return problems;
}
