import { patientToken, type PatientIdentifier } from '../../../gateway/phi/token.ts';
import type { PhiRecord } from '../../../gateway/phi/vault.ts';
import type { Hl7Segment } from '../message.ts';
import { wholeYearsBetween } from './datetime.ts';
import type { Reader } from './reader.ts';

/**
 * Patients (DESIGN §6). Identifiers become a keyed token; identifiers and demographics go to the PHI vault only.
 *
 * Token rule: among the PID-3 repetitions, the first whose identifier type (CX-5) is `MR`; else the first PID-3
 * repetition with a value; else (v2.3 and older senders) the first PID-2. The token is
 * HMAC(authority | type | value) with authority = CX-4 namespace id, or its universal id when the namespace is
 * empty. The same PID-3 therefore always gives the same token, whatever the message type.
 */

/** One CX repetition as an identifier: CX-1 value, CX-5 type, CX-4 authority (namespace id, else universal id). */
export function cx(r: Reader, seg: Hl7Segment, field: number, rep: number): PatientIdentifier | undefined {
  const value = r.val(seg, field, 1, 1, rep);
  if (!value) return undefined;
  return {
    value,
    type: r.val(seg, field, 5, 1, rep),
    authority: r.val(seg, field, 4, 1, rep) || r.val(seg, field, 4, 2, rep),
  };
}

function cxList(r: Reader, seg: Hl7Segment, field: number): PatientIdentifier[] {
  const out: PatientIdentifier[] = [];
  for (let i = 0; i < r.reps(seg, field); i++) {
    const id = cx(r, seg, field, i);
    if (id) out.push(id);
  }
  return out;
}

/** The identifier that keys the token, by the rule above. */
export function tokenIdentifier(r: Reader, pid: Hl7Segment): PatientIdentifier | undefined {
  const ids = cxList(r, pid, 3);
  return ids.find((i) => i.type.toUpperCase() === 'MR') ?? ids[0] ?? cxList(r, pid, 2)[0];
}

export interface PatientRead {
  token: string;
  record: PhiRecord;
  /** identifier type codes present (no values), for the patient.update payload */
  identifierTypes: string[];
  /** sex and age on the day of the message (patientFacts) */
  facts: PatientFacts;
}

/** A DTM's calendar date as written (YYYY-MM-DD, no time-zone shift); other text as is. */
function dateAsWritten(text: string): string {
  return /^\d{8}/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}` : text;
}

function put(d: Record<string, string>, key: string, value: string): void {
  if (value) d[key] = value;
}

/** Everything the vault keeps about the patient of one PID. */
function demographics(r: Reader, pid: Hl7Segment): Record<string, string> {
  const d: Record<string, string> = {};
  put(d, 'family_name', r.val(pid, 5, 1, 1));
  put(d, 'given_name', r.val(pid, 5, 2));
  put(d, 'middle_name', r.val(pid, 5, 3));
  put(d, 'name_suffix', r.val(pid, 5, 4));
  put(d, 'name_prefix', r.val(pid, 5, 5));
  put(d, 'mothers_maiden_name', r.val(pid, 6, 1, 1));
  put(d, 'birth_date', dateAsWritten(r.val(pid, 7, 1)));
  put(d, 'sex', r.val(pid, 8, 1));
  // SAD: street or mailing address & street name & dwelling number; senders split it either way.
  put(d, 'address_street', [1, 2, 3].map((sc) => r.val(pid, 11, 1, sc)).filter(Boolean).join(' '));
  put(d, 'address_other', r.val(pid, 11, 2));
  put(d, 'address_city', r.val(pid, 11, 3));
  put(d, 'address_state', r.val(pid, 11, 4));
  put(d, 'address_postal_code', r.val(pid, 11, 5));
  put(d, 'address_country', r.val(pid, 11, 6));
  const phone = (field: number) =>
    r.val(pid, field, 1) || `${r.val(pid, field, 6)}${r.val(pid, field, 7)}` || r.val(pid, field, 4);
  put(d, 'phone_home', phone(13));
  put(d, 'phone_business', phone(14));
  put(d, 'death_date', dateAsWritten(r.val(pid, 29, 1)));
  put(d, 'death_indicator', r.val(pid, 30, 1));
  return d;
}

/** Every identifier in a PID: PID-3, PID-2, PID-4, PID-18 (account, type AN), PID-19 (SSN, type SS), PID-20 (DL). */
function allIdentifiers(r: Reader, pid: Hl7Segment): PatientIdentifier[] {
  const ids = [...cxList(r, pid, 3), ...cxList(r, pid, 2), ...cxList(r, pid, 4)];
  const account = cx(r, pid, 18, 0);
  if (account) ids.push({ ...account, type: account.type || 'AN' });
  const ssn = r.val(pid, 19);
  if (ssn) ids.push({ authority: '', type: 'SS', value: ssn });
  const dl = r.val(pid, 20, 1);
  if (dl) ids.push({ authority: r.val(pid, 20, 2), type: 'DL', value: dl });
  return ids;
}

/** `onDay`: the date/time of the message as written, the day the age is counted to (Job.eventDay). */
export function readPatient(r: Reader, pid: Hl7Segment, tokenKey: Buffer, onDay: string): PatientRead | undefined {
  const key = tokenIdentifier(r, pid);
  if (!key) return undefined;
  const identifiers = allIdentifiers(r, pid);
  const record: PhiRecord = { identifiers };
  const demo = demographics(r, pid);
  if (Object.keys(demo).length > 0) record.demographics = demo;
  const identifierTypes = [...new Set(cxList(r, pid, 3).map((i) => i.type).filter((t) => t !== ''))];
  return { token: patientToken(tokenKey, key), record, identifierTypes, facts: patientFacts(r, pid, onDay) };
}

/** The prior patient of a merge: MRG-1 by the same rule as PID-3 (MR first), MRG-4 (prior patient id) as fallback. */
export function readPrior(r: Reader, mrg: Hl7Segment, tokenKey: Buffer): { token: string; record: PhiRecord } | undefined {
  const ids = cxList(r, mrg, 1);
  const key = ids.find((i) => i.type.toUpperCase() === 'MR') ?? ids[0] ?? cxList(r, mrg, 4)[0];
  if (!key) return undefined;
  const identifiers = [...ids, ...cxList(r, mrg, 4)];
  const account = cx(r, mrg, 3, 0);
  if (account) identifiers.push({ ...account, type: account.type || 'AN' });
  return { token: patientToken(tokenKey, key), record: { identifiers } };
}

/** HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(C)): ages over 89 are one category, "90 or older". */
const OLDEST_AGE = 90;

/** Sex and age, as every event about a dose or the patient carries them. */
export interface PatientFacts {
  sex?: string;
  age_years?: number;
}

/**
 * What a dose is checked against besides the weight: sex (PID-8, HL7 table 0001) and age in whole years on the day of
 * the message (`onDay`, a date/time as the sender wrote it), never above 90 — a creatinine clearance needs both.
 * Neither is an identifier: the birth date stays in the vault, an age in years beside the event's date says no more
 * than the year of birth, and ages over 89 are one category, as Safe Harbor de-identification has them.
 */
export function patientFacts(r: Reader, pid: Hl7Segment, onDay: string): PatientFacts {
  const facts: PatientFacts = {};
  const sex = r.val(pid, 8, 1);
  if (sex) facts.sex = sex;
  const age = wholeYearsBetween(r.val(pid, 7, 1), onDay);
  if (age !== undefined) facts.age_years = Math.min(age, OLDEST_AGE);
  return facts;
}
