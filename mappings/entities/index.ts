import { codesSpec } from './codes.ts';
import { drugsSpec } from './drugs.ts';
import { facilitiesSpec } from './facilities.ts';
import { patientsSpec } from './patients.ts';
import { prescribersSpec } from './prescribers.ts';
import { schedulesSpec } from './schedules.ts';
import { TABLE_NAMES, type EntitySpec, type TableName } from './spec.ts';

export { TABLE_NAMES, type EntityData, type EntitySpec, type FieldDef, type TableName } from './spec.ts';
export { codeKey, type CodeData } from './codes.ts';
export type { DrugData } from './drugs.ts';
export type { FacilityData } from './facilities.ts';
export type { PatientTokenData } from './patients.ts';
export type { PrescriberData } from './prescribers.ts';
export { FDA_SOURCE, MANUAL_SOURCE, type ScheduleData } from './schedules.ts';

export const SPECS: Record<TableName, EntitySpec> = {
  drugs: drugsSpec,
  schedules: schedulesSpec,
  codes: codesSpec,
  prescribers: prescribersSpec,
  facilities: facilitiesSpec,
  patients: patientsSpec,
};

export function isTableName(name: string): name is TableName {
  return (TABLE_NAMES as readonly string[]).includes(name);
}
