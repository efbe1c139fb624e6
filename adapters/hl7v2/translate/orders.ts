import type { EventType } from '../../../gateway/events/schema.ts';
import type { Hl7Segment } from '../message.ts';
import { codedRepetitions, cweFirst, entityId, providerOf, quantityOf, unitOf, yesNo } from './codes.ts';
import type { Job } from './job.ts';
import { ORDER_CONTROL, type OrderControl } from './order-control.ts';
import { readAllergies } from './allergies.ts';
import { prescriberDeaCheck } from './dea-check.ts';
import { readComponents } from './components.ts';
import { readObservations } from './observations.ts';
import { careLocation, firstCareLocation } from './location.ts';
import { orderGroups } from './reader.ts';
import { fromTq, fromTq1, type Timing } from './timing.ts';

const FAMILY_TYPE: Record<OrderControl['family'], EventType> = {
  new: 'rx.order.new',
  change: 'rx.order.change',
  cancel: 'rx.order.cancel',
};

/**
 * ORC-1 of a group: `{ code, control }` where control is null for valid codes that are not translated;
 * undefined (with a 101/103 issue) when empty or not in table 0119.
 */
export function orderControlOf(job: Job, orc: Hl7Segment): { code: string; control: OrderControl | null } | undefined {
  const code = job.r.val(orc, 1);
  if (code === '') {
    job.r.issue(101, { seg: orc, field: 1 }, 'ORC-1 (order control) is required');
    return undefined;
  }
  if (!Object.hasOwn(ORDER_CONTROL, code)) {
    job.r.issue(103, { seg: orc, field: 1 }, 'ORC-1 is not an order control code of HL7 table 0119');
    return undefined;
  }
  return { code, control: ORDER_CONTROL[code]! };
}

/** ORC identifiers of the order (not PHI): placer ORC-2, filler ORC-3, placer group ORC-4. */
export function orderIds(job: Job, orc: Hl7Segment | undefined): Record<string, string | undefined> {
  return { placer: entityId(job.r, orc, 2), filler: entityId(job.r, orc, 3), group: entityId(job.r, orc, 4) };
}

function routeOf(job: Job, rxr: Hl7Segment | undefined) {
  return { route: cweFirst(job.r, rxr, 1), site: cweFirst(job.r, rxr, 2) };
}

/**
 * Where an order segment keeps each value. RXE (the pharmacy's encoded order, RDE) and RXO (the order as the
 * prescriber wrote it, OMP) carry the same facts at different positions; RXO has no verifier, prescription
 * number or refills remaining.
 */
interface OrderSegmentFields {
  name: 'RXE' | 'RXO';
  codeLabel: string;
  code: number;
  amountMin: number;
  amountMax: number;
  giveUnit: number;
  dosageForm: number;
  dispenseAmount: number;
  dispenseUnit: number;
  refills: number;
  prescriberDea: number;
  verifier?: number;
  prescriptionNumber?: number;
  refillsRemaining?: number;
  /** where the pharmacy is to send the doses: the PL field, then the LA1 field of v2.5 it replaced */
  deliverTo: readonly number[];
  /** RXE-9 substitution status (table 0167) / RXO-9 allow substitutions (table 0161) */
  substitution: number;
  /** RXE-27 give indication / RXO-20 indication */
  indication: number;
  /** RXE-20 / RXO-16 needs human review (Y/N) */
  needsReview: number;
  /** RXE-19 total daily dose (CQ); RXO has none */
  totalDailyDose?: number;
  /** give per time unit (`H1`), rate amount (ST) and units (an infusion's `mL/hr`), strength and its units */
  givePer: number;
  rateAmount: number;
  rateUnit: number;
  strength: number;
  strengthUnit: number;
}

const RXE_FIELDS: OrderSegmentFields = {
  name: 'RXE',
  codeLabel: 'give code',
  code: 2,
  amountMin: 3,
  amountMax: 4,
  giveUnit: 5,
  dosageForm: 6,
  dispenseAmount: 10,
  dispenseUnit: 11,
  refills: 12,
  prescriberDea: 13,
  verifier: 14,
  prescriptionNumber: 15,
  refillsRemaining: 16,
  deliverTo: [42, 8],
  substitution: 9,
  indication: 27,
  needsReview: 20,
  totalDailyDose: 19,
  givePer: 22,
  rateAmount: 23,
  rateUnit: 24,
  strength: 25,
  strengthUnit: 26,
};

const RXO_FIELDS: OrderSegmentFields = {
  name: 'RXO',
  codeLabel: 'requested give code',
  code: 1,
  amountMin: 2,
  amountMax: 3,
  giveUnit: 4,
  dosageForm: 5,
  dispenseAmount: 11,
  dispenseUnit: 12,
  refills: 13,
  prescriberDea: 14,
  deliverTo: [34, 8],
  substitution: 9,
  indication: 20,
  needsReview: 16,
  givePer: 17,
  rateAmount: 21,
  rateUnit: 22,
  strength: 18,
  strengthUnit: 19,
};

/** The segments of one ORC group around its order segment, from which route, timing, components and observations are read. */
interface OrderGroup {
  orc: Hl7Segment;
  order: Hl7Segment;
  segments: Hl7Segment[];
}

/** RDE^O11, RDE^O25 (and RDE^O01 of v2.3): one order event per ORC group, from its RXE. */
export function translateRde(job: Job): void {
  translateOrderGroups(job, RXE_FIELDS, ({ orc, order: rxe, segments }) => {
    const r = job.r;
    const afterRxe = r.following(segments, rxe, []);
    const beforeRxe = segments.slice(0, segments.indexOf(rxe));
    let timing: Timing[] = afterRxe.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = beforeRxe.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = [fromTq(r, rxe, 1) ?? fromTq(r, orc, 7)].filter((t): t is Timing => t !== undefined);
    // The RXCs after the RXE are the pharmacy's encoding of the components; those of the RXO, what was asked for.
    const afterRxeComponents = afterRxe.filter((s) => s.name === 'RXC');
    return {
      rxr: afterRxe.find((s) => s.name === 'RXR') ?? beforeRxe.find((s) => s.name === 'RXR'),
      timing,
      components: afterRxeComponents.length > 0 ? afterRxeComponents : beforeRxe.filter((s) => s.name === 'RXC'),
      observations: afterRxe,
    };
  });
}

/** OMP^O09: one order event per ORC group, from its RXO (the order as the prescriber wrote it). */
export function translateOmp(job: Job): void {
  translateOrderGroups(job, RXO_FIELDS, ({ orc, order: rxo, segments }) => {
    const r = job.r;
    let timing: Timing[] = segments.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = [fromTq(r, orc, 7)].filter((t): t is Timing => t !== undefined);
    const afterRxo = r.following(segments, rxo, []);
    return { rxr: afterRxo.find((s) => s.name === 'RXR'), timing, components: afterRxo.filter((s) => s.name === 'RXC'), observations: afterRxo };
  });
}

/**
 * ORM^O01 carries orders of every kind; in v2.3 a pharmacy order was an ORM^O01 whose order detail is RXO (what
 * OMP^O09 became in v2.4). A message whose every ORC group holds an RXO is translated as OMP; one holding lab,
 * radiology or other orders (OBR, ODS, …), even beside pharmacy ones, is kept whole as `hl7v2.unhandled`, so that
 * no part of it is dropped.
 */
export function translateOrm(job: Job): void {
  const { groups } = orderGroups(job.r.segments);
  if (groups.length > 0 && groups.every((g) => g.segments.some((s) => s.name === 'RXO'))) translateOmp(job);
  else job.notTranslated(`${job.messageType} holds an order group without RXO (not a pharmacy order)`, 200);
}

/**
 * One order event per ORC group that changes an order's state, read from the group's order segment; `locate`
 * finds the group's route (RXR), timing, components (RXC) and observations (OBX), which the two message structures
 * place differently.
 */
function translateOrderGroups(
  job: Job,
  fields: OrderSegmentFields,
  locate: (group: OrderGroup) => { rxr: Hl7Segment | undefined; timing: Timing[]; components: Hl7Segment[]; observations: Hl7Segment[] },
): void {
  const r = job.r;
  const { groups } = orderGroups(r.segments);
  if (groups.length === 0) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no ORC order group`);
    return;
  }
  const allergies = readAllergies(job);
  const pv1 = job.message.segment('PV1');
  const location = careLocation(r, pv1, 3);
  const patientClass = r.val(pv1, 2) || undefined;
  groups.forEach(({ orc, segments }, gi) => {
    const oc = orderControlOf(job, orc);
    if (!oc) return;
    if (oc.control === null) {
      job.untranslated.push(`order group ${gi + 1}: ORC-1 ${oc.code} is not an order state change`);
      return;
    }
    const order = segments.find((s) => s.name === fields.name);
    if (!order) {
      r.issue(100, { seg: orc }, `order group ${gi + 1} of ${job.messageType} has no ${fields.name}`);
      return;
    }
    const { rxr, timing, components, observations } = locate({ orc, order, segments });
    const codes = job.drugCodes(order, fields.code, fields.codeLabel);
    const dispenseAmount = r.num({ seg: order, field: fields.dispenseAmount });
    const dispenseUnit = unitOf(r, order, fields.dispenseUnit);
    const drug = job.drug(codes, { seg: order, field: fields.code });
    const prescriberDea = r.val(order, fields.prescriberDea, 1) || undefined;
    job.add({
      type: FAMILY_TYPE[oc.control.family],
      occurred_at: r.dtm({ seg: orc, field: 9, component: 1 }),
      drug,
      quantity: job.quantity(dispenseAmount, dispenseUnit, { seg: order, field: fields.dispenseUnit }),
      patient_ref: job.patient()?.token,
      payload: {
        action: oc.control.action,
        order: orderIds(job, orc),
        status: r.val(orc, 5) || undefined,
        prescription_number: fields.prescriptionNumber === undefined ? undefined : r.val(order, fields.prescriptionNumber) || undefined,
        codes,
        give: {
          amount_min: r.num({ seg: order, field: fields.amountMin }),
          amount_max: r.num({ seg: order, field: fields.amountMax }),
          unit: unitOf(r, order, fields.giveUnit),
          dosage_form: cweFirst(r, order, fields.dosageForm),
          per: r.val(order, fields.givePer) || undefined,
          rate: r.numInText({ seg: order, field: fields.rateAmount }),
          rate_unit: unitOf(r, order, fields.rateUnit),
          strength: r.num({ seg: order, field: fields.strength }),
          strength_unit: unitOf(r, order, fields.strengthUnit),
        },
        substitution: r.val(order, fields.substitution) || undefined,
        dispense: { amount: dispenseAmount, unit: dispenseUnit },
        components: readComponents(job, components),
        indications: codedRepetitions(r, order, fields.indication),
        total_daily_dose: fields.totalDailyDose === undefined ? undefined : quantityOf(r, order, fields.totalDailyDose),
        needs_review: yesNo(r, order, fields.needsReview),
        observations: readObservations(job, observations, job.ctx.orderObservations),
        refills: r.count({ seg: order, field: fields.refills }),
        refills_remaining: fields.refillsRemaining === undefined ? undefined : r.count({ seg: order, field: fields.refillsRemaining }),
        ...routeOf(job, rxr),
        timing,
        prescriber: providerOf(r, orc, 12),
        prescriber_dea: prescriberDea,
        prescriber_dea_check: prescriberDeaCheck(prescriberDea, drug?.schedule),
        verifier: fields.verifier === undefined ? undefined : providerOf(r, order, fields.verifier),
        encounter_ref: job.encounter()?.token,
        patient_class: patientClass,
        location,
        deliver_to: firstCareLocation(r, order, fields.deliverTo),
        allergies,
        ...job.patient()?.facts,
        hl7v2: { message_type: job.messageType, order_control: oc.code, group: gi + 1 },
      },
    });
  });
}
