export { translate, checkTranslateConfig, HANDLERS } from './translate.ts';
export { ORDER_CONTROL, DISPENSE_REVERSAL_CODES, type OrderControl, type OrderFamily } from './order-control.ts';
export { normaliseNdc, type NdcNormalisation } from './ndc.ts';
export { hl7DtmToIso, hl7DateToIsoDate, isValidTimeZone } from './datetime.ts';
export type {
  DrugCode,
  DrugResolution,
  DrugResolver,
  FacilityRule,
  TranslateErrorCode,
  PhiEntry,
  TranslateContext,
  TranslateIssue,
  TranslationResult,
} from './types.ts';
