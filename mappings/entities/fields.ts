import { z } from 'zod';
import { facilityIdSchema } from '../../gateway/events/schema.ts';
import { parseDeaNumber } from '../dea-number.ts';
import { MappingInputError } from '../errors.ts';
import { parseNdc } from '../ndc.ts';
import { parseNpi } from '../npi.ts';
import { parseSchedule, type DeaSchedule } from '../schedule.ts';
import { isStorableText } from '../../gateway/store/unstorable-text.ts';

/**
 * Field schemas shared by the mapping entities. They validate *and* normalise (an NDC in any unambiguous layout
 * becomes its NDC-11, a DEA number is upper-cased), and their messages come from the typed parsers, so an HTTP 422,
 * a CSV import line and a form field all say the same thing. Optional text is `null` when absent or blank.
 */

/** Runs one of our throwing parsers inside zod, turning its error into an issue on this field. */
function parsed<T>(parse: (text: string) => T) {
  return (value: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err), params: err instanceof MappingInputError ? { code: err.code } : undefined });
      return z.NEVER;
    }
  };
}

/** Text PostgreSQL can store: no NUL character, no unpaired surrogate. */
export const storableText = isStorableText;
const STORABLE = 'must not contain NUL characters or unpaired surrogates';

export const optionalText = (max = 500) =>
  z
    .union([z.string(), z.null()])
    .optional()
    .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()))
    .pipe(z.union([z.string().max(max, `at most ${max} characters`).refine(storableText, STORABLE), z.null()]));

export const requiredText = (max = 500) => z.string().trim().min(1, 'required').max(max, `at most ${max} characters`).refine(storableText, STORABLE);

/** An NDC in any unambiguous form (hyphenated 4-4-2/5-3-2/5-4-1/5-4-2, or 11 digits) → its NDC-11. */
export const ndc11Field = z.string().transform(parsed((t) => parseNdc(t, 'ndc11').ndc11));

export const npiField = z.string().transform(parsed((t) => parseNpi(t)));
export const optionalNpiField = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v, ctx) => (v === undefined || v === null || v.trim() === '' ? null : parsed((t) => parseNpi(t))(v, ctx)));

export const optionalDeaNumberField = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v, ctx) => (v === undefined || v === null || v.trim() === '' ? null : parsed((t) => parseDeaNumber(t))(v, ctx)));

export const scheduleField = z.string().transform(parsed((t): DeaSchedule => parseSchedule(t)));

/** A list of schedules, as an array or as text separated by `;` (CSV). */
export const optionalScheduleList = z
  .union([z.array(z.string()), z.string(), z.null()])
  .optional()
  .transform((v, ctx): DeaSchedule[] | null => {
    if (v === undefined || v === null) return null;
    const items = (Array.isArray(v) ? v : v.split(';')).map((s) => s.trim()).filter((s) => s.length > 0);
    if (items.length === 0) return null;
    const out: DeaSchedule[] = [];
    for (const item of items) {
      const s = parsed((t): DeaSchedule => parseSchedule(t))(item, ctx);
      if (typeof s === 'string') out.push(s);
    }
    return out;
  });

export const facilityIdField = z.string().trim().pipe(facilityIdSchema);
export const optionalFacilityIdField = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()))
  .pipe(z.union([facilityIdSchema, z.null()]));

/** ISO-8601 with offset → normalised to UTC with milliseconds; blank → null. */
export const optionalInstant = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === null || v.trim() === '') return null;
    const ok = z.iso.datetime({ offset: true }).safeParse(v.trim());
    if (!ok.success) {
      ctx.addIssue({ code: 'custom', message: 'an ISO-8601 date-time with offset, e.g. 2026-01-02T03:04:05Z' });
      return z.NEVER;
    }
    return new Date(v.trim()).toISOString();
  });

/** Booleans as JSON or as CSV text (true/false, yes/no, 1/0); absent → the default. */
export const booleanField = (fallback: boolean) =>
  z
    .union([z.boolean(), z.string(), z.null()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null || v === '') return fallback;
      if (typeof v === 'boolean') return v;
      const t = v.trim().toLowerCase();
      if (['true', 'yes', '1'].includes(t)) return true;
      if (['false', 'no', '0'].includes(t)) return false;
      ctx.addIssue({ code: 'custom', message: 'true or false' });
      return z.NEVER;
    });

/** A field an entity computes itself: accepted in input (an exported CSV has it) and ignored. */
export const derivedField = z.unknown().optional();
