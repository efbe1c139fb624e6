import type { z } from 'zod';
import type { EntityData, EntitySpec, TableName } from './entities/spec.ts';
import { MappingInputError, type FieldProblem } from './errors.ts';
import { diffData, sameData, type FieldChange, type VersionRow } from './versioning.ts';

/**
 * What an import would do, line by line, before anything is written: the dry run shows this plan and the real run
 * applies it. Pure: the current entries are handed in.
 *
 * Merge semantics: a field the input does not carry (a column the CSV does not have, a product field of a
 * package-only FDA import) keeps its current value; a field it carries empty clears it. Entries the input does not
 * mention are left alone (an import never deletes).
 */

export type LineStatus = 'added' | 'changed' | 'unchanged' | 'skipped' | 'error';

export interface ImportCandidate {
  /** 1-based line in its file */
  line: number;
  file?: string;
  /** the fields this line sets (raw values; validated here) */
  input: Record<string, unknown>;
  /** CSV: field name → 1-based column, so errors can say where */
  columns?: Record<string, number>;
  /** decided by the caller (an FDA schedule that would replace a manual one is skipped) */
  skip?: (current: VersionRow | undefined, data: EntityData) => string | undefined;
}

export interface PlannedLine {
  table: TableName;
  line: number;
  file?: string;
  key?: string;
  status: LineStatus;
  /** the validated entry as it will be written (added, changed) or is (unchanged) */
  data?: EntityData;
  current?: VersionRow;
  changes?: FieldChange[];
  errors?: FieldProblem[];
  message?: string;
}

export interface ImportCounts {
  added: number;
  changed: number;
  unchanged: number;
  skipped: number;
  errors: number;
}

export function emptyCounts(): ImportCounts {
  return { added: 0, changed: 0, unchanged: 0, skipped: 0, errors: 0 };
}

export function countLines(lines: readonly { status: LineStatus }[], into: ImportCounts = emptyCounts()): ImportCounts {
  for (const l of lines) {
    if (l.status === 'error') into.errors++;
    else into[l.status]++;
  }
  return into;
}

function zodProblems(error: z.ZodError, candidate: ImportCandidate): FieldProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(line)';
    const column = candidate.columns?.[String(issue.path[0] ?? '')];
    return {
      field,
      code: issue.code === 'unrecognized_keys' ? 'unknown_field' : 'invalid',
      message: issue.message,
      ...(candidate.file !== undefined ? { file: candidate.file } : {}),
      line: candidate.line,
      ...(column !== undefined ? { column } : {}),
    };
  });
}

/** Plans one table's import against its current entries. */
export function planImport(spec: EntitySpec, candidates: readonly ImportCandidate[], current: ReadonlyMap<string, VersionRow>): PlannedLine[] {
  const seen = new Map<string, ImportCandidate>();
  const written = (c: ImportCandidate) => {
    const raw = c.input.ndc_original ?? c.input[spec.keyFields[0]!];
    return typeof raw === 'string' ? ` (written ${raw.trim()})` : '';
  };
  const out: PlannedLine[] = [];
  for (const c of candidates) {
    const base = { table: spec.table, line: c.line, ...(c.file !== undefined ? { file: c.file } : {}) };
    let key: string;
    try {
      key = spec.keyOfInput(c.input);
    } catch (err) {
      const e = err instanceof MappingInputError ? err : new MappingInputError('invalid', '(key)', String(err));
      const column = c.columns?.[e.field];
      out.push({ ...base, status: 'error', errors: [{ ...e.toIssue(), ...(c.file !== undefined ? { file: c.file } : {}), line: c.line, ...(column !== undefined ? { column } : {}) }] });
      continue;
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const message = `${key}${written(c)} appears again: line ${earlier.line}${written(earlier)} already sets it`;
      out.push({ ...base, key, status: 'error', errors: [{ field: spec.keyFields.join('|'), code: 'duplicate', message, line: c.line, ...(c.file !== undefined ? { file: c.file } : {}) }] });
      continue;
    }
    seen.set(key, c);
    const existing = current.get(key);
    const live = existing && !existing.deleted ? existing : undefined;
    const merged: Record<string, unknown> = live ? { ...live.data } : {};
    for (const [k, v] of Object.entries(c.input)) if (v !== undefined) merged[k] = v;
    const parsed = spec.input.safeParse(merged);
    if (!parsed.success) {
      out.push({ ...base, key, status: 'error', errors: zodProblems(parsed.error, c) });
      continue;
    }
    const data = parsed.data;
    const skipped = c.skip?.(live, data);
    if (skipped) {
      out.push({ ...base, key, status: 'skipped', data, ...(live ? { current: live } : {}), message: skipped });
      continue;
    }
    if (!live) {
      out.push({ ...base, key, status: 'added', data, ...(existing ? { current: existing } : {}), changes: diffData(spec, null, data) });
    } else if (sameData(spec, live.data, data)) {
      out.push({ ...base, key, status: 'unchanged', data, current: live });
    } else {
      out.push({ ...base, key, status: 'changed', data, current: live, changes: diffData(spec, live.data, data) });
    }
  }
  return out;
}

/** Problems found before planning (a bad byte, a ragged line, a bad quote) as error lines of the report. */
export function problemLines(table: TableName, problems: readonly MappingInputError[]): PlannedLine[] {
  return problems.map((p) => ({
    table,
    line: p.line ?? 0,
    ...(p.file !== undefined ? { file: p.file } : {}),
    status: 'error' as const,
    errors: [p.toIssue()],
  }));
}
