import { normalizeSystem } from '../../../mappings/codes.ts';
import type { Hl7Segment } from '../message.ts';
import { normaliseNdc } from './ndc.ts';
import type { Reader } from './reader.ts';
import type { DrugCode } from './types.ts';

/** One coded value as the message wrote it. */
export interface Coded {
  code: string;
  display?: string;
  system?: string;
}

/**
 * The codes of a CWE/CE field: the primary triplet (components 1–3), the alternate (4–6) and, from v2.7, the
 * second alternate (10–12). Triplets without an identifier are skipped.
 */
export function cweCodes(r: Reader, seg: Hl7Segment | undefined, field: number, repetition = 0): Coded[] {
  if (!seg) return [];
  const out: Coded[] = [];
  for (const first of [1, 4, 10]) {
    const code = r.val(seg, field, first, 1, repetition);
    if (code === '') continue;
    const c: Coded = { code };
    const display = r.val(seg, field, first + 1, 1, repetition);
    const system = r.val(seg, field, first + 2, 1, repetition);
    if (display) c.display = display;
    if (system) c.system = system;
    out.push(c);
  }
  return out;
}

/** The first code of a CWE, or, when it has only text, the text as the code. */
export function cweFirst(r: Reader, seg: Hl7Segment | undefined, field: number, repetition = 0): Coded | undefined {
  const codes = cweCodes(r, seg, field, repetition);
  if (codes[0]) return codes[0];
  const text = r.val(seg, field, 2, 1, repetition);
  return text ? { code: text } : undefined;
}

/** A CQ field (quantity ^ units, the units a CWE in subcomponents): `60^mg&milligram&UCUM`; 102 when not a number. */
export function quantityOf(r: Reader, seg: Hl7Segment | undefined, field: number): { value: number; unit?: string } | undefined {
  if (!seg) return undefined;
  const value = r.num({ seg, field, component: 1 });
  if (value === undefined) return undefined;
  const unit = unitOf(r, seg, field, 2);
  return unit ? { value, unit } : { value };
}

/** HL7 table 0136 (Y/N) → a boolean; anything else, nothing. */
export function yesNo(r: Reader, seg: Hl7Segment | undefined, field: number): boolean | undefined {
  const v = r.val(seg, field).toUpperCase();
  return v === 'Y' ? true : v === 'N' ? false : undefined;
}

/** The first coded triplet of every repetition of a CWE field; a repetition of text alone is skipped (never carried). */
export function codedRepetitions(r: Reader, seg: Hl7Segment | undefined, field: number): Coded[] {
  if (!seg) return [];
  const out: Coded[] = [];
  for (let i = 0; i < r.reps(seg, field); i++) {
    const first = cweCodes(r, seg, field, i)[0];
    if (first) out.push(first);
  }
  return out;
}

/**
 * A unit (CWE): its identifier, or its text when the identifier is empty. Some senders put the unit in the first
 * subcomponent of the text component (`2^&cap`): that is read too.
 */
export function unitOf(r: Reader, seg: Hl7Segment | undefined, field: number, component = 1): string | undefined {
  if (!seg) return undefined;
  if (component === 1) {
    return r.val(seg, field, 1) || r.val(seg, field, 2) || undefined;
  }
  // A CQ's unit component is itself a CWE held in subcomponents.
  return r.val(seg, field, component, 1) || r.val(seg, field, component, 2) || undefined;
}

/**
 * A CWE coding system → the resolver's system: the mapping engine's own normalisation (aliases such as `L` → LOCAL,
 * `RXN` → RXNORM, `NDC11` → NDC; other names upper-cased as written, e.g. `99LOC`, `GPI`, `CVX`), so that a code an
 * analyst maps under a system is found under the same name. An empty system (uncoded identifier) is LOCAL.
 */
export function drugSystem(system: string | undefined): string {
  const s = (system ?? '').trim();
  return s === '' ? 'LOCAL' : normalizeSystem(s);
}

export function toDrugCodes(codes: readonly Coded[]): DrugCode[] {
  return codes.map((c) => {
    const d: DrugCode = { system: drugSystem(c.system), code: c.code };
    if (c.display) d.display = c.display;
    return d;
  });
}

/** The first NDC-tagged code and what its text says about NDC-11. */
export function firstNdc(codes: readonly Coded[]): { raw: string; ndc11?: string } | undefined {
  const c = codes.find((x) => drugSystem(x.system) === 'NDC');
  if (!c) return undefined;
  const n = normaliseNdc(c.code);
  return n.kind === 'ndc11' ? { raw: c.code, ndc11: n.ndc11 } : { raw: c.code };
}

/** A provider by identifier only (XCN-1, XCN-13 type, XCN-9 authority); names are never read. */
export interface ProviderRef {
  id: string;
  id_type?: string;
  authority?: string;
}

export function providerOf(r: Reader, seg: Hl7Segment | undefined, field: number, repetition = 0): ProviderRef | undefined {
  if (!seg) return undefined;
  const id = r.val(seg, field, 1, 1, repetition);
  if (!id) return undefined;
  const p: ProviderRef = { id };
  const type = r.val(seg, field, 13, 1, repetition);
  const authority = r.val(seg, field, 9, 1, repetition) || r.val(seg, field, 9, 2, repetition);
  if (type) p.id_type = type;
  if (authority) p.authority = authority;
  return p;
}

export function providersOf(r: Reader, seg: Hl7Segment | undefined, field: number): ProviderRef[] {
  if (!seg) return [];
  const out: ProviderRef[] = [];
  for (let i = 0; i < r.reps(seg, field); i++) {
    const p = providerOf(r, seg, field, i);
    if (p) out.push(p);
  }
  return out;
}

/** An entity identifier (EI) as `id` or `id^namespace`. */
export function entityId(r: Reader, seg: Hl7Segment | undefined, field: number): string | undefined {
  if (!seg) return undefined;
  const id = r.val(seg, field, 1);
  if (!id) return undefined;
  const ns = r.val(seg, field, 2) || r.val(seg, field, 3);
  return ns ? `${id}^${ns}` : id;
}
