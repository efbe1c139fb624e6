import type { CanonicalEvent } from '../../gateway/events/schema.ts';
import { ALL_FACILITIES, normalizeCode, normalizeSystem } from '../codes.ts';
import type { DrugCode } from '../resolver.ts';

/**
 * What a parked event is waiting for: the drug codes it carries, and the one pending code it is parked on.
 *
 * The canonical drug keeps `ndc11`, `ndc_raw`, `gtin` and `rxnorm`. A local (formulary) code has no place there, so
 * translators also put the codes as the sender wrote them into the payload: `payload.codes`
 * (`[{code, display?, system?}]`, the HL7 translator's convention; no system means LOCAL) or `payload.drug_codes`
 * (`[{system, code, display?}]`). The parking worker and the release read the drug fields and both lists.
 */

export interface PendingKey {
  system: string;
  /** `*` unless the code is a facility's own (LOCAL and other sender-defined systems) */
  facility_id: string;
  code: string;
  display: string | null;
}

/** The pending-code system of events that carry no drug code at all: one pending entry per event. */
export const NO_CODE_SYSTEM = 'NONE';

const GLOBAL_SYSTEMS = new Set(['NDC', 'GTIN', 'RXNORM']);

function payloadCodes(event: CanonicalEvent): DrugCode[] {
  const payload = event.payload as { codes?: unknown; drug_codes?: unknown };
  const out: DrugCode[] = [];
  for (const list of [payload.codes, payload.drug_codes]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!c || typeof c !== 'object') continue;
      const { system, code, display } = c as Record<string, unknown>;
      if (typeof code !== 'string' || code.trim() === '') continue;
      const named = typeof system === 'string' && system.trim() !== '' ? normalizeSystem(system) : 'LOCAL';
      out.push({ system: named, code, ...(typeof display === 'string' && display !== '' ? { display } : {}) });
    }
  }
  return out;
}

/** Every drug code an event carries: its drug fields first, then payload.drug_codes. */
export function drugCodesOf(event: CanonicalEvent): DrugCode[] {
  const d = event.drug;
  const codes: DrugCode[] = [];
  if (d?.rxnorm) codes.push({ system: 'RXNORM', code: d.rxnorm });
  if (d?.ndc_raw) codes.push({ system: 'NDC', code: d.ndc_raw });
  else if (d?.ndc11) codes.push({ system: 'NDC', code: d.ndc11 });
  if (d?.gtin) codes.push({ system: 'GTIN', code: d.gtin });
  for (const c of payloadCodes(event)) {
    const same = codes.find((x) => normalizeSystem(x.system) === c.system && normalizeCode(c.system, x.code) === normalizeCode(c.system, c.code));
    if (!same) codes.push(c);
    else if (c.display && !same.display) same.display = c.display;
  }
  return codes;
}

const PRIORITY = ['NDC', 'GTIN', 'RXNORM'];

/**
 * The code an event is parked on: the most specific it has (NDC, then GTIN, RxNorm, then a local code). An NDC
 * that parses is keyed by its NDC-11, so every spelling of one package waits on one entry.
 */
export function pendingKeyOf(event: CanonicalEvent, codes: DrugCode[] = drugCodesOf(event)): PendingKey {
  const normalized = codes.map((c) => ({ system: normalizeSystem(c.system), code: c.code, display: c.display ?? null }));
  normalized.sort((a, b) => rank(a.system) - rank(b.system));
  const first = normalized[0];
  if (!first) return { system: NO_CODE_SYSTEM, facility_id: event.facility_id, code: event.idempotency_key, display: null };
  const display = normalized.find((c) => c.display)?.display ?? null;
  return {
    system: printable(first.system).slice(0, 64),
    facility_id: GLOBAL_SYSTEMS.has(first.system) ? ALL_FACILITIES : event.facility_id,
    code: printable(normalizeCode(first.system, first.code)).slice(0, 128),
    display: display ? printable(display).slice(0, 300) : null,
  };
}

function rank(system: string): number {
  const i = PRIORITY.indexOf(system);
  return i < 0 ? PRIORITY.length : i;
}

/** Codes and texts from a sender as a table can keep them (no NUL, no unpaired surrogate). */
function printable(text: string): string {
  return text.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
