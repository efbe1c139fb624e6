import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AmbiguousNdcError, NdcFormatError } from './errors.ts';
import { formatNdc, hyphenatedNdc11, ndc10Candidates, parseNdc, parseProductNdc, resolveNdc, type NdcLayout } from './ndc.ts';

/**
 * DESIGN §7: NDC-10 → NDC-11 puts the zero in front of the short segment — 4-4-2 on the labeler, 5-3-2 on the
 * product, 5-4-1 on the package — and a bare 10-digit code is resolved through the product table or refused.
 * Expected values are worked out by hand from that rule.
 */

describe('parseNdc', () => {
  it.each([
    // [written, layout, NDC-11] — the zero goes in front of the short segment
    ['0002-0800-01', '4-4-2', '00002080001'],
    ['10631-106-08', '5-3-2', '10631010608'],
    ['10022-3366-1', '5-4-1', '10022336601'],
    ['00591-0369-01', '5-4-2', '00591036901'],
    ['00591036901', '5-4-2', '00591036901'],
    ['  0024-0590-10 ', '4-4-2', '00024059010'],
  ])('%s is %s → %s', (written, layout, ndc11) => {
    const ndc = parseNdc(written);
    expect(ndc.layout).toBe(layout);
    expect(ndc.ndc11).toBe(ndc11);
    expect(ndc.original).toBe(written.trim());
  });

  it('keeps the segments as written', () => {
    expect(parseNdc('10631-106-08')).toMatchObject({ labeler: '10631', product: '106', package: '08' });
  });

  it('refuses a bare 10-digit NDC as ambiguous, naming the three readings', () => {
    let err: unknown;
    try {
      parseNdc('0591036901', 'ndc_raw');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AmbiguousNdcError);
    const a = err as AmbiguousNdcError;
    expect(a.field).toBe('ndc_raw');
    // 4-4-2 0591-0369-01 → 00591036901; 5-3-2 05910-369-01 → 05910036901; 5-4-1 05910-3690-1 → 05910369001
    expect(a.candidates.map((c) => c.ndc11)).toEqual(['00591036901', '05910036901', '05910369001']);
  });

  it.each([
    ['47848-026-XX', /each segment must be digits/],
    ['02', /2 digits/],
    ['1234-567-89', /segments 4-3-2/],
    ['12345-6789-012', /segments 5-4-3/],
    ['0002-0800', /three segments/],
    ['', /empty/],
    ['NDC 0002-0800-01', /only digits and hyphens|three segments|must be digits/],
  ])('refuses %j with a message naming the problem', (text, message) => {
    expect(() => parseNdc(text, 'NDCPACKAGECODE')).toThrow(NdcFormatError);
    expect(() => parseNdc(text, 'NDCPACKAGECODE')).toThrow(message);
  });
});

describe('resolveNdc (bare 10 digits through the product table)', () => {
  it('takes the only layout that names a known drug', () => {
    const known = new Set(['00591036901']);
    const ndc = resolveNdc('0591036901', (n) => known.has(n));
    expect(ndc).toMatchObject({ ndc11: '00591036901', layout: '4-4-2', labeler: '0591', product: '0369', package: '01' });
  });

  it('refuses when no layout or several layouts are known, never guessing', () => {
    expect(() => resolveNdc('0591036901', () => false)).toThrow(AmbiguousNdcError);
    const two = new Set(['00591036901', '05910369001']);
    expect(() => resolveNdc('0591036901', (n) => two.has(n))).toThrow(/2 of its layouts are known/);
  });

  it('leaves hyphenated and 11-digit codes to parseNdc', () => {
    expect(resolveNdc('10631-106-08', () => false).ndc11).toBe('10631010608');
  });
});

describe('formatNdc (NDC-11 back to a layout)', () => {
  it.each([
    ['00002080001', '4-4-2', '0002-0800-01', '0002080001'],
    ['10631010608', '5-3-2', '10631-106-08', '1063110608'],
    ['10022336601', '5-4-1', '10022-3366-1', '1002233661'],
    ['00591036901', '5-4-2', '00591-0369-01', '00591036901'],
  ] as [string, NdcLayout, string, string][])('%s as %s is %s (bare %s)', (ndc11, layout, hyphenated, bare) => {
    expect(formatNdc(ndc11, layout)).toBe(hyphenated);
    expect(formatNdc(ndc11, layout, { hyphens: false })).toBe(bare);
  });

  it('refuses a layout whose padding digit is not zero', () => {
    expect(() => formatNdc('10631110608', '5-3-2')).toThrow(/digit 6 is 1/);
    expect(hyphenatedNdc11('00591036901')).toBe('00591-0369-01');
  });

  it('gives three candidates for ten digits, one per layout', () => {
    expect(ndc10Candidates('1063110608').map((c) => `${c.layout}:${c.ndc11}`)).toEqual([
      '4-4-2:01063110608',
      '5-3-2:10631010608',
      '5-4-1:10631106008',
    ]);
  });
});

describe('parseProductNdc', () => {
  it('reads 4-4, 5-3 and 5-4 product codes', () => {
    expect(parseProductNdc('0002-0800').product9).toBe('000020800');
    expect(parseProductNdc('10631-106').product9).toBe('106310106');
    expect(parseProductNdc('10022-3366').product9).toBe('100223366');
    expect(() => parseProductNdc('0002-080')).toThrow(NdcFormatError);
  });
});

describe('every package NDC of the FDA unfinished-drug list (conformance/ndc)', () => {
  const text = readFileSync(new URL('../conformance/ndc/openfda__ndc_unfinished_package.txt', import.meta.url), 'utf8');
  const lines = text.split('\n');

  it('converts to NDC-11 and back to its original layout; malformed codes are reported with their line', () => {
    const header = lines[0]!.split('\t');
    const column = header.indexOf('NDCPACKAGECODE');
    const productColumn = header.indexOf('PRODUCTNDC');
    const layouts: Record<string, number> = {};
    const malformed: { line: number; code: string; message: string }[] = [];
    const wrong: string[] = [];
    let converted = 0;
    for (let i = 1; i < lines.length; i++) {
      if (lines[i]!.trim() === '') continue;
      const fields = lines[i]!.split('\t');
      const code = fields[column]!;
      let ndc;
      try {
        ndc = parseNdc(code, 'NDCPACKAGECODE', { line: i + 1 });
      } catch (err) {
        const e = err as NdcFormatError;
        malformed.push({ line: e.line!, code, message: e.message });
        continue;
      }
      // The rule, checked independently of toNdc11: 11 digits, the layout's padding digit is 0, and taking it out
      // gives the original digits; the package code starts with its product code; and it formats back.
      const pad = { '4-4-2': 0, '5-3-2': 5, '5-4-1': 9, '5-4-2': -1 }[ndc.layout];
      const ok =
        /^\d{11}$/.test(ndc.ndc11) &&
        (pad < 0 || (ndc.ndc11[pad] === '0' && ndc.ndc11.slice(0, pad) + ndc.ndc11.slice(pad + 1) === code.replace(/-/g, ''))) &&
        code.startsWith(`${fields[productColumn]}-`) &&
        formatNdc(ndc.ndc11, ndc.layout) === code;
      if (!ok) wrong.push(`line ${i + 1}: ${code} → ${ndc.ndc11} (${ndc.layout})`);
      layouts[ndc.layout] = (layouts[ndc.layout] ?? 0) + 1;
      converted++;
    }
    // Counts from the corpus's SOURCES.md: 4-4-2 1,493, 5-3-2 12,325, 5-4-1 21,501, and two malformed codes.
    expect(wrong).toEqual([]);
    expect(layouts).toEqual({ '4-4-2': 1493, '5-3-2': 12325, '5-4-1': 21501 });
    expect(converted).toBe(35319);
    expect(malformed.map((m) => [m.line, m.code])).toEqual([
      [9584, '47848-026-XX'],
      [16515, '02'],
    ]);
  });
});
