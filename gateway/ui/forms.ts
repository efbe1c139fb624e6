import type { z } from 'zod';
import type { FieldProblem } from '../../mappings/errors.ts';
import type { SummaryProblem } from './components/error-summary.tsx';
import { fieldId } from './components/form-field.tsx';
import { fieldLabel } from './labels.ts';

/** Reading posted forms, and turning the service's field problems into messages beside fields. */

export type FormBody = Record<string, string | File | (string | File)[]>;

/** A text field of a posted form ('' when absent or not text). */
export function text(body: FormBody, name: string): string {
  const v = body[name];
  return typeof v === 'string' ? v : '';
}

/** A query's fields that hold more than blanks, trimmed: an empty field of a filter form means "any". */
export function givenFields(query: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()]));
}

/**
 * A listing's filters and page from the query, by the API's own schema; when they do not pass it (a hand-edited
 * address), the first page unfiltered, as a link gone stale would give.
 */
export function listingQuery<S extends z.ZodType<{ limit: number }>>(schema: S, query: Record<string, string>, limit: number): z.output<S> {
  const parsed = schema.safeParse({ ...givenFields(query), limit });
  return parsed.success ? parsed.data : schema.parse({ limit });
}

/** A positive integer field, or undefined. */
export function positiveInt(body: FormBody | Record<string, string | undefined>, name: string): number | undefined {
  const v = body[name];
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/**
 * Problems → messages per field (for the fields the form shows) and the summary list (every problem; a link to
 * its field when the form has it). `ids` maps a problem's field name to the control's id; by default `f-<field>`.
 */
export function placeProblems(
  problems: readonly FieldProblem[],
  shown: ReadonlySet<string>,
  opts: { ids?: (field: string) => string; label?: (field: string) => string } = {},
): { errors: Record<string, string[]>; summary: SummaryProblem[] } {
  const errors: Record<string, string[]> = {};
  const summary: SummaryProblem[] = [];
  for (const p of problems) {
    const where = p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `, column ${p.column}` : ''})` : '';
    const message = `${p.message}${where}`;
    const label = opts.label ? opts.label(p.field) : p.field === '(body)' ? 'Form' : p.field === 'reason' ? 'Why' : fieldLabel(p.field);
    if (shown.has(p.field)) {
      (errors[p.field] ??= []).push(message);
      summary.push({ label, message, target: opts.ids ? opts.ids(p.field) : fieldId(p.field) });
    } else {
      summary.push({ label, message });
    }
  }
  return { errors, summary };
}
