import type { z } from 'zod';
import type { FieldProblem } from './errors.ts';

/** zod issues as field problems: the field's dotted path, or each unknown key by name. */
export function zodProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ field: `${prefix}${path ? `${path}.` : ''}${key}`, code: 'unknown_field', message: 'not a field of this table' });
      }
      continue;
    }
    const params = (issue as { params?: { code?: string } }).params;
    out.push({ field: `${prefix}${path}` || '(body)', code: params?.code ?? issue.code, message: issue.message });
  }
  return out;
}
