import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from './csv.ts';

describe('CSV (RFC 4180)', () => {
  it('reads quoted fields with commas, quotes and line breaks, keeping each record\'s first line', () => {
    const text = '\ufeffa,b,c\r\n1,"x, ""y""",3\r\n"multi\nline",,\n\n4,5,6';
    const { records, errors } = parseCsv(text);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, "y"', '3'] },
      { line: 3, fields: ['multi\nline', '', ''] },
      { line: 6, fields: ['4', '5', '6'] },
    ]);
  });

  it('reports bad quoting with line and column and goes on with the next line', () => {
    const { records, errors } = parseCsv('a,b\n1,x"y\n"ok",2\n3,"bad"z\n"open,4\n5,6');
    expect(errors.map((e) => [e.line, e.column, e.code])).toEqual([
      [2, 2, 'csv_quote'],
      [4, 2, 'csv_quote'],
      [5, 1, 'csv_quote'],
    ]);
    expect(records.map((r) => r.fields)).toEqual([['a', 'b'], ['ok', '2']]);
  });

  it('writes what it reads', () => {
    const rows = [['1', 'x, "y"', null], ['multi\nline', ' padded ', true]] as const;
    const text = toCsv(['a', 'b', 'c'], rows);
    expect(text).toBe('a,b,c\r\n1,"x, ""y""",\r\n"multi\nline"," padded ",true\r\n');
    expect(parseCsv(text).records.map((r) => r.fields)).toEqual([['a', 'b', 'c'], ['1', 'x, "y"', ''], ['multi\nline', ' padded ', 'true']]);
  });
});
