import type { CanonicalEvent } from '../gateway/events/schema.ts';
import { ALL_FACILITIES, normalizeCode, normalizeSystem } from './codes.ts';
import { ndc10Candidates } from './ndc.ts';
import { gs1CheckDigit } from './gtin.ts';
import { highestSchedule, type DeaSchedule } from './schedule.ts';

/**
 * The drug resolver translators call for every drug code (DESIGN §2 "enrich"): synchronous, answered from an
 * in-memory cache of the mapping tables. Pipeline: RxNorm direct match → NDC (and GTIN, which carries an NDC) →
 * local code; when nothing matches a drug with a known schedule, the drug is `UNMAPPED` (class `unm`), with
 * whatever was given (ndc_raw, ndc11 when it parses, gtin, rxnorm) kept so the event can be parked and mapped later.
 *
 * `CachedDrugResolver` is the one implementation: built from rows in memory (`createDrugResolver`, for tests of
 * other modules) or kept filled from the store by resolver-loader.ts. Invariant: `matchedBy === 'none'` exactly
 * when `drug.schedule === 'UNMAPPED'` — a drug the tables know but whose schedule nobody has mapped is unmapped too.
 */

export interface DrugCode {
  system: 'NDC' | 'RXNORM' | 'GTIN' | 'LOCAL' | string;
  code: string;
  display?: string;
}

export interface DrugResolution {
  drug: NonNullable<CanonicalEvent['drug']>;
  matchedBy: 'rxnorm' | 'ndc' | 'local' | 'none';
}

export interface DrugResolver {
  resolve(codes: DrugCode[], facilityId: string): DrugResolution;
}

/** What the resolver needs of the drug table (the rest of a drug row is ignored). */
export interface ResolverDrugRow {
  ndc11: string;
  rxnorm_cui?: string | null;
  description?: string | null;
  proprietary_name?: string | null;
  nonproprietary_name?: string | null;
  strength?: string | null;
  dose_form?: string | null;
  labeler_name?: string | null;
  ndc_original?: string | null;
  fda_dea_schedule?: string | null;
}

export interface ResolverScheduleRow {
  ndc11: string;
  schedule: DeaSchedule;
}

export interface ResolverCodeRow {
  system: string;
  /** `*` for every facility */
  facility_id: string;
  code: string;
  ndc11: string;
}

export interface ResolverRows {
  drugs: Iterable<ResolverDrugRow>;
  schedules: Iterable<ResolverScheduleRow>;
  codes: Iterable<ResolverCodeRow>;
}

/** One NDC-11 as the cache knows it: the drug row (when there is one) and its schedule (when mapped). */
export interface CachedDrug {
  ndc11: string;
  drug?: ResolverDrugRow;
  schedule?: DeaSchedule;
}

interface RxnormEntry {
  ndc11s: string[];
  /** the highest schedule of its drugs, when every one of them has a schedule */
  schedule?: DeaSchedule;
}

const SEP = '\u0000';
const codeKey = (system: string, facility: string, code: string) => `${system}${SEP}${facility}${SEP}${code}`;

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * NDC-11 of a hyphenated (4-4-2, 5-3-2, 5-4-1, 5-4-2) or 11-digit code without throwing or allocating on the way;
 * `10` for 10 bare digits (ambiguous), undefined for anything else. Surrounding blanks are allowed.
 */
export function quickNdc11(raw: string): string | 10 | undefined {
  let start = 0;
  let end = raw.length;
  while (start < end && raw.charCodeAt(start) <= 32) start++;
  while (end > start && raw.charCodeAt(end - 1) <= 32) end--;
  let h1 = -1;
  let h2 = -1;
  for (let i = start; i < end; i++) {
    const c = raw.charCodeAt(i);
    if (c === 45) {
      if (h1 < 0) h1 = i;
      else if (h2 < 0) h2 = i;
      else return undefined;
    } else if (!isDigitCode(c)) return undefined;
  }
  if (h1 < 0) {
    const n = end - start;
    if (n === 11) return start === 0 && end === raw.length ? raw : raw.slice(start, end);
    return n === 10 ? 10 : undefined;
  }
  if (h2 < 0) return undefined;
  const a = h1 - start;
  const b = h2 - h1 - 1;
  const c = end - h2 - 1;
  const lab = raw.slice(start, h1);
  const prod = raw.slice(h1 + 1, h2);
  const pkg = raw.slice(h2 + 1, end);
  if (a === 4 && b === 4 && c === 2) return `0${lab}${prod}${pkg}`;
  if (a === 5 && b === 3 && c === 2) return `${lab}0${prod}${pkg}`;
  if (a === 5 && b === 4 && c === 1) return `${lab}${prod}0${pkg}`;
  if (a === 5 && b === 4 && c === 2) return `${lab}${prod}${pkg}`;
  return undefined;
}

function bareDigits(raw: string): string {
  return raw.trim();
}

/** The NDC-10 (bare) inside an NDC-based GTIN-14/13/12 with a correct check digit, else undefined. */
function gtinParts(raw: string): { gtin14: string; ndc10?: string } | undefined {
  const t = raw.trim();
  if (!/^\d+$/.test(t) || (t.length !== 12 && t.length !== 13 && t.length !== 14)) return undefined;
  const g = t.padStart(14, '0');
  if (gs1CheckDigit(g.slice(0, 13)) !== g.charCodeAt(13) - 48) return undefined;
  const ndc = g[0] !== '9' && g[1] === '0' && g[2] === '3' ? g.slice(3, 13) : undefined;
  return ndc ? { gtin14: g, ndc10: ndc } : { gtin14: g };
}

export class CachedDrugResolver implements DrugResolver {
  private byNdc11 = new Map<string, CachedDrug>();
  private codes = new Map<string, string>();
  private byRxnorm = new Map<string, RxnormEntry>();
  private rxnormDirty = false;
  private drugCount = 0;
  private scheduleCount = 0;
  /** bumped on every change, so callers (suggestion indexes, memo tables) know when to rebuild */
  generation = 0;

  constructor(rows?: ResolverRows) {
    if (rows) this.replace(rows);
  }

  /** Replaces everything at once (a full load from the store). */
  replace(rows: ResolverRows): void {
    const byNdc11 = new Map<string, CachedDrug>();
    let drugs = 0;
    let schedules = 0;
    for (const d of rows.drugs) {
      byNdc11.set(d.ndc11, { ndc11: d.ndc11, drug: d });
      drugs++;
    }
    for (const s of rows.schedules) {
      const entry = byNdc11.get(s.ndc11);
      if (entry) entry.schedule = s.schedule;
      else byNdc11.set(s.ndc11, { ndc11: s.ndc11, schedule: s.schedule });
      schedules++;
    }
    const codes = new Map<string, string>();
    for (const c of rows.codes) codes.set(codeKey(normalizeSystem(c.system), c.facility_id, normalizeCode(normalizeSystem(c.system), c.code)), c.ndc11);
    this.byNdc11 = byNdc11;
    this.codes = codes;
    this.drugCount = drugs;
    this.scheduleCount = schedules;
    this.byRxnorm = this.buildRxnorm();
    this.rxnormDirty = false;
    this.generation++;
  }

  /** A drug row added, changed (row) or removed (null). */
  applyDrug(ndc11: string, row: ResolverDrugRow | null): void {
    const entry = this.byNdc11.get(ndc11);
    if (row) {
      if (!entry?.drug) this.drugCount++;
      if (entry) entry.drug = row;
      else this.byNdc11.set(ndc11, { ndc11, drug: row });
    } else if (entry?.drug) {
      this.drugCount--;
      delete entry.drug;
      if (!entry.schedule) this.byNdc11.delete(ndc11);
    }
    this.rxnormDirty = true;
    this.generation++;
  }

  /** A schedule mapping added, changed or removed (null). */
  applySchedule(ndc11: string, schedule: DeaSchedule | null): void {
    const entry = this.byNdc11.get(ndc11);
    if (schedule) {
      if (!entry?.schedule) this.scheduleCount++;
      if (entry) entry.schedule = schedule;
      else this.byNdc11.set(ndc11, { ndc11, schedule });
    } else if (entry?.schedule) {
      this.scheduleCount--;
      delete entry.schedule;
      if (!entry.drug) this.byNdc11.delete(ndc11);
    }
    this.rxnormDirty = true;
    this.generation++;
  }

  /** A code mapping added, changed (its target) or removed (null). */
  applyCode(row: Omit<ResolverCodeRow, 'ndc11'>, ndc11: string | null): void {
    const system = normalizeSystem(row.system);
    const key = codeKey(system, row.facility_id, normalizeCode(system, row.code));
    if (ndc11) this.codes.set(key, ndc11);
    else this.codes.delete(key);
    this.generation++;
  }

  private buildRxnorm(): Map<string, RxnormEntry> {
    const groups = new Map<string, CachedDrug[]>();
    for (const e of this.byNdc11.values()) {
      const cui = e.drug?.rxnorm_cui;
      if (!cui) continue;
      const g = groups.get(cui);
      if (g) g.push(e);
      else groups.set(cui, [e]);
    }
    const out = new Map<string, RxnormEntry>();
    for (const [cui, entries] of groups) {
      const complete = entries.every((e) => e.schedule !== undefined);
      out.set(cui, {
        ndc11s: entries.map((e) => e.ndc11),
        ...(complete ? { schedule: highestSchedule(entries.map((e) => e.schedule!)) } : {}),
      });
    }
    return out;
  }

  private rxnorm(): Map<string, RxnormEntry> {
    if (this.rxnormDirty) {
      this.byRxnorm = this.buildRxnorm();
      this.rxnormDirty = false;
    }
    return this.byRxnorm;
  }

  /** What the cache knows of an NDC-11 (drug row and/or schedule). */
  lookup(ndc11: string): CachedDrug | undefined {
    return this.byNdc11.get(ndc11);
  }

  /** True when the drug table has this NDC-11: what resolves a bare 10-digit NDC. */
  isKnownNdc11 = (ndc11: string): boolean => this.byNdc11.get(ndc11)?.drug !== undefined;

  /** Every drug row in the cache (for suggestions and diagnostics). */
  *drugs(): IterableIterator<ResolverDrugRow> {
    for (const e of this.byNdc11.values()) if (e.drug) yield e.drug;
  }

  stats(): { drugs: number; schedules: number; codes: number; rxnorm: number } {
    return { drugs: this.drugCount, schedules: this.scheduleCount, codes: this.codes.size, rxnorm: this.rxnorm().size };
  }

  /** The NDC-11 a mapped code points at: this facility's mapping first, then one for every facility. */
  private mappedCode(system: string, facilityId: string, code: string): string | undefined {
    return this.codes.get(codeKey(system, facilityId, code)) ?? this.codes.get(codeKey(system, ALL_FACILITIES, code));
  }

  /** A bare 10-digit NDC: the one layout that names a known drug, else an analyst's mapping of those digits. */
  private bareNdc10(digits: string, facilityId: string): string | undefined {
    let found: string | undefined;
    for (const c of ndc10Candidates(digits)) {
      if (this.byNdc11.get(c.ndc11)?.drug) {
        if (found) return this.mappedCode('NDC', facilityId, digits);
        found = c.ndc11;
      }
    }
    return found ?? this.mappedCode('NDC', facilityId, digits);
  }

  resolve(codes: DrugCode[], facilityId: string): DrugResolution {
    let ndcRaw: string | undefined;
    let ndc11Given: string | undefined;
    let gtin: string | undefined;
    let rxnormGiven: string | undefined;

    // 1. RxNorm: an analyst's mapping of the CUI to one NDC-11, else the drugs that carry the CUI.
    let rxMatch: { ndc11?: string; schedule: DeaSchedule; cui: string } | undefined;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      const system = c.system === 'RXNORM' ? 'RXNORM' : normalizeSystem(c.system);
      if (system !== 'RXNORM') continue;
      const cui = normalizeCode('RXNORM', c.code);
      if (!/^\d{1,12}$/.test(cui)) continue;
      rxnormGiven ??= cui;
      if (rxMatch) continue;
      const mapped = this.mappedCode('RXNORM', facilityId, cui);
      const mappedSchedule = mapped ? this.byNdc11.get(mapped)?.schedule : undefined;
      if (mapped && mappedSchedule) {
        rxMatch = { ndc11: mapped, schedule: mappedSchedule, cui };
        continue;
      }
      const entry = this.rxnorm().get(cui);
      if (entry?.schedule) rxMatch = { ...(entry.ndc11s.length === 1 ? { ndc11: entry.ndc11s[0]! } : {}), schedule: entry.schedule, cui };
    }

    // 2. NDC (and GTIN, whose digits 4-13 are an NDC-10).
    let ndcMatch: string | undefined;
    let ndcMatchedDrug: string | undefined;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      const system = c.system === 'NDC' || c.system === 'GTIN' ? c.system : normalizeSystem(c.system);
      if (system === 'NDC') {
        ndcRaw ??= c.code.trim().slice(0, 64);
        const parsed = quickNdc11(c.code);
        let target: string | undefined;
        if (typeof parsed === 'string') {
          ndc11Given ??= parsed;
          target = this.mappedCode('NDC', facilityId, parsed) ?? parsed;
        } else if (parsed === 10) {
          target = this.bareNdc10(bareDigits(c.code), facilityId);
          if (target) ndc11Given ??= target;
        } else {
          target = this.mappedCode('NDC', facilityId, c.code.trim().toUpperCase());
        }
        if (target) {
          ndcMatchedDrug ??= target;
          if (!ndcMatch && this.byNdc11.get(target)?.schedule) ndcMatch = target;
        }
      } else if (system === 'GTIN') {
        const g = gtinParts(c.code);
        if (!g) continue;
        gtin ??= g.gtin14;
        const target = this.mappedCode('GTIN', facilityId, g.gtin14) ?? (g.ndc10 ? this.bareNdc10(g.ndc10, facilityId) : undefined);
        if (target) {
          ndc11Given ??= target;
          ndcMatchedDrug ??= target;
          if (!ndcMatch && this.byNdc11.get(target)?.schedule) ndcMatch = target;
        }
      }
    }

    if (rxMatch) {
      // Keep the package the message named when it belongs to the CUI; otherwise the CUI's only package, if one.
      const named = ndcMatchedDrug ?? ndc11Given;
      const namedCui = named ? this.byNdc11.get(named)?.drug?.rxnorm_cui : undefined;
      const ndc11 = named && (namedCui === rxMatch.cui || named === rxMatch.ndc11) ? named : rxMatch.ndc11;
      return this.answer(rxMatch.schedule, 'rxnorm', ndc11, ndcRaw, gtin, rxMatch.cui);
    }
    if (ndcMatch) {
      const entry = this.byNdc11.get(ndcMatch)!;
      return this.answer(entry.schedule!, 'ndc', ndcMatch, ndcRaw, gtin, rxnormGiven ?? entry.drug?.rxnorm_cui ?? undefined);
    }

    // 3. Local codes (and any other named system): this facility's mapping, then one for every facility.
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      const system = normalizeSystem(c.system);
      if (system === 'NDC' || system === 'GTIN' || system === 'RXNORM') continue;
      const target = this.mappedCode(system, facilityId, normalizeCode(system, c.code));
      const entry = target ? this.byNdc11.get(target) : undefined;
      if (entry?.schedule) return this.answer(entry.schedule, 'local', target, ndcRaw, gtin, rxnormGiven ?? entry.drug?.rxnorm_cui ?? undefined);
    }

    return this.answer('UNMAPPED', 'none', ndcMatchedDrug ?? ndc11Given, ndcRaw, gtin, rxnormGiven);
  }

  private answer(
    schedule: DeaSchedule | 'UNMAPPED',
    matchedBy: DrugResolution['matchedBy'],
    ndc11: string | undefined,
    ndcRaw: string | undefined,
    gtin: string | undefined,
    rxnorm: string | undefined,
  ): DrugResolution {
    const drug: DrugResolution['drug'] = { schedule };
    if (ndc11 !== undefined) drug.ndc11 = ndc11;
    if (ndcRaw !== undefined && ndcRaw.length > 0) drug.ndc_raw = ndcRaw;
    if (gtin !== undefined) drug.gtin = gtin;
    if (rxnorm !== undefined && /^\d{1,12}$/.test(rxnorm)) drug.rxnorm = rxnorm;
    return { drug, matchedBy };
  }
}

/** A resolver over rows held in memory: the same class the gateway runs, for tests of other modules. */
export function createDrugResolver(rows: Partial<ResolverRows> = {}): CachedDrugResolver {
  return new CachedDrugResolver({ drugs: rows.drugs ?? [], schedules: rows.schedules ?? [], codes: rows.codes ?? [] });
}
