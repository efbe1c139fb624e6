import { describe, expect, it } from 'vitest';
import { DrugTextIndex, editDistance, similarity, suggest, tokens, type SuggestDrug } from './suggest.ts';

const drugs: SuggestDrug[] = [
  { ndc11: '00591036901', proprietary_name: 'Loxitane', nonproprietary_name: 'Loxapine', strength: '5 mg/1', description: '100 CAPSULE in 1 BOTTLE', schedule: 'NC' },
  { ndc11: '00591036905', proprietary_name: 'Loxitane', nonproprietary_name: 'Loxapine', strength: '5 mg/1', description: '500 CAPSULE in 1 BOTTLE', schedule: 'NC' },
  { ndc11: '12345067890', proprietary_name: 'Oxy IR', nonproprietary_name: 'Oxycodone Hydrochloride', strength: '5 mg/1', description: '100 TABLET in 1 BOTTLE', schedule: 'II' },
  { ndc11: '10631010608', proprietary_name: 'Hydrocodone Bitartrate and Acetaminophen', nonproprietary_name: 'hydrocodone', strength: '5 mg/1; 325 mg/1', schedule: 'II' },
];
const index = new DrugTextIndex(drugs);
const byNdc11 = (n: string) => drugs.find((d) => d.ndc11 === n);

describe('suggestions for a pending code', () => {
  it('measures edit distance and similarity', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
    expect(similarity('Oxycodone', 'oxycodon')).toBeCloseTo(1 - 1 / 9);
    expect(tokens('OXYCODONE 5MG TAB, 5 mg')).toEqual(['oxycodone', '5mg', 'tab', '5', 'mg']);
  });

  it('puts the known layout of a bare NDC-10 first', () => {
    const s = suggest({ system: 'NDC', code: '0591036901' }, index, byNdc11);
    expect(s[0]).toMatchObject({ ndc11: '00591036901', score: 1, reasons: ['layout 4-4-2 of 0591036901'] });
  });

  it('suggests other packages of the product, then NDCs a digit or two away', () => {
    const s = suggest({ system: 'NDC', code: '00591036902' }, index, byNdc11);
    expect(s.map((x) => x.ndc11)).toEqual(['00591036901', '00591036905']);
    expect(s[0]!.reasons).toContain('same product, another package');
  });

  it('matches display text by words and by spelling, best first', () => {
    const byWords = suggest({ system: 'LOCAL', code: 'X1', text: 'OXYCODONE HCL 5 MG TABLET' }, index, byNdc11);
    expect(byWords[0]).toMatchObject({ ndc11: '12345067890', schedule: 'II' });
    const misspelt = suggest({ system: 'LOCAL', code: 'X2', text: 'loxapin' }, index, byNdc11);
    expect(misspelt.map((x) => x.ndc11).slice(0, 2).sort()).toEqual(['00591036901', '00591036905']);
    expect(misspelt[0]!.reasons[0]).toMatch(/spelled like Loxapine/);
  });
});
