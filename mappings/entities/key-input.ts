import { MappingInputError } from '../errors.ts';

/** A key field of raw input as trimmed text, or a MappingInputError naming it. */
export function keyText(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v.trim() === '') throw new MappingInputError('required', field, `${field} is required (it is the entry's key)`);
  return v.trim();
}
