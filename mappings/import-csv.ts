import type { EntityData, EntitySpec } from './entities/spec.ts';
import { CsvError, MappingInputError } from './errors.ts';
import { parseCsv, toCsv, type CsvValue } from './csv.ts';
import type { ImportCandidate } from './import-plan.ts';
import type { VersionRow } from './versioning.ts';

/**
 * CSV import and export of a mapping table. The header names the fields (the same names as the API and the
 * export); columns may come in any order and may be left out (a left-out field keeps its current value, see
 * import-plan.ts); the key fields are required. An unknown column is an error of the header, so a typo never
 * silently drops a field. Export writes every current entry with every field, plus its version, and reads back
 * as an import that changes nothing.
 */

export const EXPORT_META_COLUMNS = ['version', 'changed_at', 'changed_by'] as const;

export function readCsvImport(spec: EntitySpec, text: string, fileName = 'import.csv'): { candidates: ImportCandidate[]; problems: MappingInputError[] } {
  const { records, errors } = parseCsv(text);
  const problems: MappingInputError[] = errors.map((e) => e.at({ file: fileName }));
  const header = records.shift();
  if (!header) {
    problems.push(new CsvError('csv_header', '(header)', 'the CSV is empty: a header line naming the fields is expected', { file: fileName, line: 1 }));
    return { candidates: [], problems };
  }
  const known = new Map(spec.fields.map((f) => [f.name, f]));
  const columns: Record<string, number> = {};
  const use: { index: number; name: string }[] = [];
  header.fields.forEach((raw, index) => {
    const name = raw.trim();
    if ((EXPORT_META_COLUMNS as readonly string[]).includes(name)) return;
    if (!known.has(name)) {
      problems.push(new CsvError('csv_header', name, `unknown column ${JSON.stringify(name)}; ${spec.table} has ${spec.fields.map((f) => f.name).join(', ')}`, { file: fileName, line: header.line, column: index + 1 }));
      return;
    }
    if (columns[name] !== undefined) {
      problems.push(new CsvError('csv_header', name, `column ${name} appears twice`, { file: fileName, line: header.line, column: index + 1 }));
      return;
    }
    columns[name] = index + 1;
    use.push({ index, name });
  });
  const missingKeys = spec.keyFields.filter((k) => columns[k] === undefined && !(spec.table === 'codes' && k === 'facility_id'));
  if (missingKeys.length > 0) {
    problems.push(new CsvError('csv_header', missingKeys.join(', '), `the header must name the key column(s) ${missingKeys.join(', ')}`, { file: fileName, line: header.line }));
  }
  if (problems.some((p) => p.code === 'csv_header')) return { candidates: [], problems };

  const candidates: ImportCandidate[] = [];
  for (const record of records) {
    if (record.fields.length !== header.fields.length) {
      problems.push(new CsvError('csv_columns', '(line)', `line ${record.line} has ${record.fields.length} fields; the header has ${header.fields.length}`, { file: fileName, line: record.line, column: Math.min(record.fields.length, header.fields.length) + 1 }));
      continue;
    }
    const input: Record<string, unknown> = {};
    for (const { index, name } of use) input[name] = record.fields[index]!;
    candidates.push({ line: record.line, file: fileName, input, columns });
  }
  return { candidates, problems };
}

function csvValue(value: unknown): CsvValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'object') return JSON.stringify(value);
  return value as CsvValue;
}

export function csvHeader(spec: EntitySpec): string[] {
  return [...spec.fields.map((f) => f.name), ...EXPORT_META_COLUMNS];
}

export function csvRow(spec: EntitySpec, v: Pick<VersionRow, 'data' | 'version' | 'changed_at' | 'changed_by'>): CsvValue[] {
  const data: EntityData = v.data;
  return [...spec.fields.map((f) => csvValue(data[f.name])), v.version, v.changed_at, v.changed_by];
}

export function exportCsv(spec: EntitySpec, entries: Iterable<VersionRow>): string {
  const rows: CsvValue[][] = [];
  for (const v of entries) rows.push(csvRow(spec, v));
  return toCsv(csvHeader(spec), rows);
}
