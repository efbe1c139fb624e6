import { z } from 'zod';
import { keyText } from './key-input.ts';
import { parseNdc } from '../ndc.ts';
import { highestSchedule, type DeaSchedule } from '../schedule.ts';
import { scheduleVersions } from '../schema.ts';
import { ndc11Field, optionalInstant, optionalScheduleList, optionalText, scheduleField } from './fields.ts';
import type { EntityData, EntitySpec } from './spec.ts';

/**
 * The DEA schedule of a package NDC. A combination product may list its ingredients' schedules; its own schedule
 * is then the highest of them (given or not). `source` says where the schedule comes from (`FDA NDC Directory`,
 * `manual`, …) and `verified_at` when it was last checked against that source.
 */

export const MANUAL_SOURCE = 'manual';
export const FDA_SOURCE = 'FDA NDC Directory';

const scheduleInput = z
  .strictObject({
    ndc11: ndc11Field,
    schedule: z.union([scheduleField, z.null()]).optional(),
    ingredient_schedules: optionalScheduleList,
    source: optionalText(100).transform((s) => s ?? MANUAL_SOURCE),
    source_value: optionalText(32),
    verified_at: optionalInstant,
  })
  .transform((v, ctx) => {
    let schedule: DeaSchedule | null = v.schedule ?? null;
    if (v.ingredient_schedules) {
      const highest = highestSchedule(v.ingredient_schedules);
      if (schedule !== null && schedule !== highest) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedule'],
          message: `a combination product takes the highest schedule of its ingredients (${v.ingredient_schedules.join(', ')}): ${highest}, not ${schedule}`,
        });
        return z.NEVER;
      }
      schedule = highest;
    }
    if (schedule === null) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'required: II, III, IV, V or NC (or ingredient_schedules)' });
      return z.NEVER;
    }
    return { ...v, schedule };
  });

export type ScheduleData = z.output<typeof scheduleInput>;

export const schedulesSpec: EntitySpec = {
  table: 'schedules',
  entity: 'schedule mapping',
  dbTable: scheduleVersions,
  fields: [
    { name: 'ndc11', kind: 'text' },
    { name: 'schedule', kind: 'text' },
    { name: 'ingredient_schedules', kind: 'schedules' },
    { name: 'source', kind: 'text' },
    { name: 'source_value', kind: 'text' },
    { name: 'verified_at', kind: 'timestamp' },
  ],
  keyFields: ['ndc11'],
  keyDescription: 'NDC-11 (11 digits)',
  input: scheduleInput as unknown as z.ZodType<EntityData>,
  keyOf: (d) => d.ndc11 as string,
  keyOfInput: (i) => parseNdc(keyText(i, 'ndc11'), 'ndc11').ndc11,
  searchFields: ['ndc11', 'schedule', 'source'],
};
