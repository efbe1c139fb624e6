import type { CanonicalEvent } from '../events/schema.ts';

/** How many observations, diagnoses or indications a summary names before it says how many more there are. */
const OBSERVATIONS_SHOWN = 4;
const CODES_SHOWN = 3;

interface Coded {
  code: string;
  display?: string;
}

interface Observation {
  code: Coded;
  comparator?: string;
  value?: number;
  separator?: string;
  value2?: number;
  value_coded?: Coded;
  value_date?: string;
  value_time?: string;
  unit?: string;
  abnormal?: string;
}

interface Place {
  point_of_care?: string;
  room?: string;
  bed?: string;
}

/** HL7 table 0322, what became of a dose */
const COMPLETION: Readonly<Record<string, string>> = { CP: 'given', PA: 'partly given', RE: 'refused', NA: 'not given' };

const name = (c: Coded) => c.display ?? c.code;

/** `Atrial fibrillation, CKD stage 4, 2 more`: the first few by name, then how many are left. */
function codedList(items: readonly Coded[]): string {
  const shown = items.slice(0, CODES_SHOWN).map(name);
  if (items.length > CODES_SHOWN) shown.push(`${items.length - CODES_SHOWN} more`);
  return shown.join(', ');
}
const place = (p: Place | undefined) => (p ? [p.point_of_care, p.room, p.bed].filter(Boolean).join(' ') : '');

/** `Creatinine 2.4 mg/dL H`, `eGFR <25`, `Titer 1:128`, `Pregnancy status: Pregnant`. */
export function observationText(o: Observation): string {
  let value: string;
  if (o.value_coded) value = `: ${name(o.value_coded)}`;
  else if (o.value_date ?? o.value_time) value = ` ${o.value_date ?? o.value_time}`;
  else {
    const second = o.value2 === undefined ? '' : `${o.separator ?? ''}${o.value2}`;
    value = ` ${o.comparator ?? ''}${o.value ?? ''}${second}`;
  }
  return [`${name(o.code)}${value}`, o.unit, o.abnormal && o.abnormal !== 'N' ? o.abnormal : undefined].filter(Boolean).join(' ');
}

/**
 * One line that says what an event was about, for a person reading a patient's history: what happened to the
 * patient (an admission and where to), the results (the values and their flags), whether a dose was given. Only
 * what the event already holds — tokens and codes, never an identifier. Undefined when the drug, quantity and
 * message columns already say it all.
 */
export function eventSummary(event: Pick<CanonicalEvent, 'type' | 'payload'>): string | undefined {
  const p = event.payload as Record<string, unknown>;
  switch (event.type) {
    case 'patient.update': {
      const where = place(p.location as Place | undefined);
      const action = typeof p.action === 'string' ? p.action.replaceAll('_', ' ') : undefined;
      const diagnoses = ((p.diagnoses as { code: Coded }[] | undefined) ?? []).map((d) => d.code);
      return [action, where, diagnoses.length > 0 ? `diagnoses: ${codedList(diagnoses)}` : undefined].filter(Boolean).join(' · ') || undefined;
    }
    case 'patient.merge':
      return typeof p.action === 'string' ? p.action.replaceAll('_', ' ') : 'merge';
    case 'patient.observation': {
      const observations = (p.observations as Observation[] | undefined) ?? [];
      const shown = observations.slice(0, OBSERVATIONS_SHOWN).map(observationText);
      if (observations.length > OBSERVATIONS_SHOWN) shown.push(`${observations.length - OBSERVATIONS_SHOWN} more`);
      return shown.join('; ') || undefined;
    }
    case 'rx.administration': {
      if (p.kind === 'give') return 'to give';
      const status = typeof p.completion_status === 'string' ? p.completion_status : 'CP';
      return COMPLETION[status] ?? `completion status ${status}`;
    }
    case 'rx.order.new':
    case 'rx.order.change':
    case 'rx.dispense': {
      const indications = (p.indications as Coded[] | undefined) ?? [];
      return indications.length > 0 ? `for ${codedList(indications)}` : undefined;
    }
    case 'hl7v2.unhandled':
      return typeof p.message_type === 'string' ? `${p.message_type}, not translated` : undefined;
    default:
      return undefined;
  }
}
