import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AmbiguousNdcError } from './errors.ts';
import { extractNdcs } from './ndc-extract.ts';

const fixture = (name: string) => readFileSync(new URL(`../conformance/ndc/${name}`, import.meta.url), 'utf8');

describe('NDCs in free text', () => {
  it.each([
    // the FDA recall reports of conformance/ndc, one per layout
    ['openfda__res_ndc-4-4-2.xml', '0024-0590-10', '00024059010'],
    ['openfda__res_ndc-5-3-2.xml', '10631-106-08', '10631010608'],
    ['openfda__res_ndc-5-4-2.xml', '00591-0369-01', '00591036901'],
  ])('finds the NDC in %s', (file, raw, ndc11) => {
    const found = extractNdcs(fixture(file));
    expect(found.map((f) => [f.raw, f.ndc?.ndc11])).toEqual([[raw, ndc11]]);
  });

  it('finds every NDC of a kit description, in order', () => {
    const text = '1 KIT in 1 CARTON (0002-0485-04)  > 2 BOTTLE in 1 KIT (0002-0486-01) [NDC 10631-106-08]';
    expect(extractNdcs(text).map((f) => f.ndc?.ndc11)).toEqual(['00002048504', '00002048601', '10631010608']);
  });

  it('takes bare digits only after the word NDC, and refuses a bare NDC-10 unless the product table settles it', () => {
    const text = 'Call 5551234567. NDC#0591036901, NDC: 00591036901, lot 1234567890';
    const found = extractNdcs(text);
    expect(found).toHaveLength(2);
    expect(found[0]!.raw).toBe('0591036901');
    expect(found[0]!.error).toBeInstanceOf(AmbiguousNdcError);
    expect(found[1]!.ndc?.ndc11).toBe('00591036901');

    const settled = extractNdcs(text, (n) => n === '00591036901');
    expect(settled[0]!.ndc).toMatchObject({ ndc11: '00591036901', layout: '4-4-2' });
  });

  it('ignores hyphenated numbers that are no NDC layout, and codes glued to other digits', () => {
    expect(extractNdcs('phone 555-123-4567, date 2026-11-21, id 12-0002-0800-01-9')).toEqual([]);
  });
});
