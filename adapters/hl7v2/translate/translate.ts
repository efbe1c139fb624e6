import type { Hl7Message } from '../message.ts';
import { translateAdministrations, translateGives } from './administration.ts';
import { PATIENT_MERGE_TRIGGERS, PATIENT_UPDATE_TRIGGERS, translateMerge, translatePatientUpdate, translateSwap } from './adt.ts';
import { isValidTimeZone } from './datetime.ts';
import { translateRds } from './dispense.ts';
import { checkFacilityRule } from './facility.ts';
import { Job } from './job.ts';
import { translateOmp, translateOrm, translateRde } from './orders.ts';
import { translateResults } from './results.ts';
import type { TranslateContext, TranslationResult } from './types.ts';

type Handler = (job: Job) => void;

/**
 * Handled message types: `CODE^TRIGGER` → translator. Everything else becomes one `hl7v2.unhandled` event.
 * O01 triggers are the v2.3 pharmacy messages (before O09–O25 were split out); ORM^O01 only when its orders are RXO.
 */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  'RDE^O11': translateRde,
  'RDE^O25': translateRde,
  'RDE^O01': translateRde,
  'OMP^O09': translateOmp,
  'ORM^O01': translateOrm,
  'RDS^O13': translateRds,
  'RDS^O01': translateRds,
  'RAS^O17': translateAdministrations,
  'RAS^O01': translateAdministrations,
  'VXU^V04': translateAdministrations,
  'RGV^O15': translateGives,
  'RGV^O01': translateGives,
  'ORU^R01': translateResults,
  ...Object.fromEntries(Object.keys(PATIENT_UPDATE_TRIGGERS).map((trigger) => [`ADT^${trigger}`, translatePatientUpdate])),
  ...Object.fromEntries(Object.keys(PATIENT_MERGE_TRIGGERS).map((trigger) => [`ADT^${trigger}`, translateMerge])),
  'ADT^A17': translateSwap,
};

/** Message codes of which some trigger is translated: another trigger of one is an unsupported event (201). */
const TRANSLATED_CODES: ReadonlySet<string> = new Set(Object.keys(HANDLERS).map((type) => type.split('^')[0]!));

/**
 * A parsed HL7 v2 message → canonical events, PHI for the vault, and the issues that make it an AE.
 * Pure: everything it needs comes in `ctx` (time, ids, keys, facility rule, drug resolver); it never throws for
 * anything a message can contain, and reports configuration problems as code 207 issues.
 */
export function translate(message: Hl7Message, ctx: TranslateContext): TranslationResult {
  let job: Job | undefined;
  try {
    job = new Job(message, ctx);
    const code = message.messageCode.trim();
    const handler = HANDLERS[`${code}^${message.triggerEvent.trim()}`];
    try {
      if (handler) handler(job);
      else job.notTranslated(`message type ${job.messageType || '(none)'} is not translated`, TRANSLATED_CODES.has(code) ? 201 : 200);
    } catch (e) {
      job.r.issue(207, { seg: message.msh }, `translation failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return job.finish();
  } catch (e) {
    // Only a broken context or message object gets here; still an answer, never an exception.
    return {
      events: [],
      phi: [],
      errors: [
        ...(job?.r.issues ?? []),
        {
          code: 207,
          severity: 'E',
          detail: `translation failed: ${e instanceof Error ? e.message : String(e)}`,
          location: { segment: 'MSH', segmentIndex: 1, occurrence: 1, position: 0 },
        },
      ],
    };
  }
}

/** Start-up check of the configuration part of a context; returns the problems (empty when fine). */
export function checkTranslateConfig(config: Pick<TranslateContext, 'facility' | 'defaultTimeZone' | 'facilityTimeZones' | 'tokenKey'>): string[] {
  const problems = checkFacilityRule(config.facility);
  if (config.defaultTimeZone !== undefined && !isValidTimeZone(config.defaultTimeZone)) {
    problems.push(`default time zone ${JSON.stringify(config.defaultTimeZone)} is not a known IANA zone`);
  }
  // A facility the rule never yields would never have its zone applied: a typo that would go unnoticed for good.
  const facilities = new Set([config.facility.defaultId, ...Object.values(config.facility.map ?? {})]);
  for (const [facility, zone] of Object.entries(config.facilityTimeZones ?? {})) {
    if (!isValidTimeZone(zone)) problems.push(`time zone ${JSON.stringify(zone)} of facility ${JSON.stringify(facility)} is not a known IANA zone`);
    if (!facilities.has(facility)) problems.push(`facility ${JSON.stringify(facility)} has a time zone but the facility rule never gives it (not the default, not in the map)`);
  }
  if (config.tokenKey.length < 32) problems.push('the patient token key must be at least 32 bytes');
  return problems;
}
