import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, parseTabFile } from './tab-file.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../conformance/ndc/${name}`, import.meta.url)));

describe('FDA tab-separated files', () => {
  it('reads the header and records of the directory extracts', () => {
    const f = parseTabFile(fixture('openfda__ndc_package_trimmed.txt'), 'package.txt');
    expect(f.errors).toEqual([]);
    expect(f.header).toEqual(['PRODUCTID', 'PRODUCTNDC', 'NDCPACKAGECODE', 'PACKAGEDESCRIPTION', 'STARTMARKETINGDATE', 'ENDMARKETINGDATE', 'NDC_EXCLUDE_FLAG', 'SAMPLE_PACKAGE']);
    expect(f.records.map((r) => [r.line, r.fields[2]])).toEqual([
      [2, '0002-0800-01'],
      [3, '0002-1200-30'],
      [4, '0002-1200-50'],
    ]);
  });

  it('reports an invalid UTF-8 byte with its line and byte position (openfda badutf8.txt: 0x80 at byte 28)', () => {
    const f = parseTabFile(fixture('openfda__badutf8.txt'), 'badutf8.txt');
    expect(f.errors.map((e) => [e.code, e.file, e.line, e.column])).toEqual([['encoding', 'badutf8.txt', 1, 28]]);
    expect(f.errors[0]!.message).toMatch(/byte 0x80 at byte 28/);
  });

  it('skips only the bad line, and reports ragged lines', () => {
    const bytes = new Uint8Array([...Buffer.from('A\tB\r\n1\t2\r\n'), 0xc3, 0x28, 0x09, 0x78, 0x0a, ...Buffer.from('3\t4\n5\n')]);
    const f = parseTabFile(bytes, 't.txt');
    expect(f.records.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1', '2']],
      [4, ['3', '4']],
    ]);
    expect(f.errors.map((e) => [e.line, e.code, e.column])).toEqual([
      [3, 'encoding', 1],
      [5, 'columns', 2],
    ]);
  });

  it('finds the first invalid byte of overlong, surrogate and truncated sequences', () => {
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xc0, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(new Uint8Array([0x61, 0xe2, 0x82]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]))).toBe(7);
  });
});
