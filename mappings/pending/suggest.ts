import { ndc10Candidates } from '../ndc.ts';
import type { ResolverDrugRow } from '../resolver.ts';
import type { DeaSchedule } from '../schedule.ts';

/**
 * Suggestions for a pending code, best first: which known drugs the analyst most likely means.
 *
 * - a bare 10-digit NDC (or the NDC-10 of a GTIN): the layouts that name a known drug, first;
 * - an NDC: packages of the same product (same labeler and product code), then NDC-11s one or two digits away
 *   (a typo, a transposition);
 * - text (the code's display text, or what the analyst types): the share of its words found in a drug's names,
 *   description and strength (token match), and the edit distance between the text and the drug's names.
 *
 * Pure; the drug list comes from the resolver cache. Scores are in [0, 1].
 */

export interface Suggestion {
  ndc11: string;
  score: number;
  /** why it is suggested: `layout 4-4-2 of 0591036901`, `same product`, `2 digits away`, `words: loxapine, 5` … */
  reasons: string[];
  description: string | null;
  proprietary_name: string | null;
  nonproprietary_name: string | null;
  strength: string | null;
  schedule: DeaSchedule | null;
}

export interface SuggestTarget {
  system: string;
  code: string;
  /** the display text the sender gave, or the analyst's search text */
  text?: string | null;
}

export interface SuggestDrug extends ResolverDrugRow {
  schedule?: DeaSchedule | null;
}

const WORD = /[a-z0-9]+(?:\.[0-9]+)?/g;

export function tokens(text: string): string[] {
  return [...new Set(text.toLowerCase().match(WORD) ?? [])].filter((t) => t.length > 1 || /\d/.test(t));
}

/** Levenshtein distance, two rows, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let curr = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    curr[0] = i;
    let rowMin = curr[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
      if (curr[j]! < rowMin) rowMin = curr[j]!;
    }
    if (rowMin > max) return max + 1;
    [prev, curr] = [curr, prev];
  }
  return prev[b.length]!;
}

/** 1 − distance / longer length, on lower-cased text. */
export function similarity(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const longer = Math.max(x.length, y.length);
  return longer === 0 ? 1 : 1 - editDistance(x, y) / longer;
}

function drugText(d: ResolverDrugRow): string {
  return [d.proprietary_name, d.nonproprietary_name, d.description, d.strength, d.dose_form, d.labeler_name].filter(Boolean).join(' ');
}

/** An inverted index of drug words, rebuilt when the drug list changes (the caller keys it by cache generation). */
export class DrugTextIndex {
  private readonly byToken = new Map<string, number[]>();
  readonly drugs: SuggestDrug[];

  constructor(drugs: Iterable<SuggestDrug>) {
    this.drugs = [...drugs];
    this.drugs.forEach((d, i) => {
      for (const t of tokens(drugText(d))) {
        const list = this.byToken.get(t);
        if (list) list.push(i);
        else this.byToken.set(t, [i]);
      }
    });
  }

  /** Drugs sharing words with the text, with the share of the text's words each has, best first. */
  match(text: string, limit: number): { drug: SuggestDrug; share: number; words: string[] }[] {
    const words = tokens(text);
    if (words.length === 0) return [];
    const hits = new Map<number, string[]>();
    for (const w of words) {
      // common words (in more than a fifth of the drugs) say little and cost a lot
      const list = this.byToken.get(w);
      if (!list || list.length > Math.max(50, this.drugs.length / 5)) continue;
      for (const i of list) {
        const h = hits.get(i);
        if (h) h.push(w);
        else hits.set(i, [w]);
      }
    }
    return [...hits.entries()]
      .map(([i, ws]) => ({ drug: this.drugs[i]!, share: ws.length / words.length, words: ws }))
      .sort((a, b) => b.share - a.share)
      .slice(0, limit);
  }
}

export function suggest(target: SuggestTarget, index: DrugTextIndex, byNdc11: (ndc11: string) => SuggestDrug | undefined, limit = 10): Suggestion[] {
  const scored = new Map<string, { score: number; reasons: string[]; drug: SuggestDrug }>();
  const add = (drug: SuggestDrug | undefined, score: number, reason: string) => {
    if (!drug) return;
    const s = scored.get(drug.ndc11);
    if (!s) scored.set(drug.ndc11, { score, reasons: [reason], drug });
    else {
      s.score = Math.max(s.score, score) + 0.01 * Math.min(score, s.score);
      s.reasons.push(reason);
    }
  };

  const digits = target.code.replace(/[\s-]/g, '');
  if ((target.system === 'NDC' || target.system === 'GTIN') && /^\d+$/.test(digits)) {
    const ndc10 = target.system === 'GTIN' && digits.length === 14 ? digits.slice(3, 13) : digits.length === 10 ? digits : undefined;
    if (ndc10) for (const c of ndc10Candidates(ndc10)) add(byNdc11(c.ndc11), 1, `layout ${c.layout} of ${ndc10}`);
    const ndc11 = digits.length === 11 ? digits : undefined;
    if (ndc11) {
      for (const d of index.drugs) {
        if (d.ndc11 === ndc11) continue;
        if (d.ndc11.slice(0, 9) === ndc11.slice(0, 9)) add(d, 0.8, 'same product, another package');
        else if (d.ndc11.slice(0, 5) === ndc11.slice(0, 5)) {
          const dist = editDistance(d.ndc11, ndc11, 2);
          if (dist <= 2) add(d, 0.75 - 0.1 * dist, `${dist} digit${dist === 1 ? '' : 's'} away`);
        } else {
          const dist = editDistance(d.ndc11, ndc11, 1);
          if (dist <= 1) add(d, 0.6, '1 digit away');
        }
      }
    }
  }

  const text = (target.text ?? '').trim();
  if (text) {
    for (const m of index.match(text, 200)) {
      const names = [m.drug.proprietary_name, m.drug.nonproprietary_name, m.drug.description].filter((n): n is string => !!n);
      const closeness = names.length > 0 ? Math.max(...names.map((n) => similarity(text, n))) : 0;
      add(m.drug, 0.65 * m.share + 0.3 * closeness, `words: ${m.words.join(', ')}`);
    }
    // Short names with a typo share no word: compare the text with each name directly when nothing matched well.
    if (scored.size < limit && text.length <= 40) {
      for (const d of index.drugs) {
        for (const name of [d.proprietary_name, d.nonproprietary_name]) {
          if (!name) continue;
          const sim = similarity(text, name);
          if (sim >= 0.7) add(d, 0.6 * sim, `spelled like ${name}`);
        }
      }
    }
  }

  return [...scored.values()]
    .sort((a, b) => b.score - a.score || a.drug.ndc11.localeCompare(b.drug.ndc11))
    .slice(0, limit)
    .map(({ score, reasons, drug }) => ({
      ndc11: drug.ndc11,
      score: Math.round(Math.min(1, score) * 1000) / 1000,
      reasons,
      description: drug.description ?? null,
      proprietary_name: drug.proprietary_name ?? null,
      nonproprietary_name: drug.nonproprietary_name ?? null,
      strength: drug.strength ?? null,
      schedule: drug.schedule ?? null,
    }));
}
