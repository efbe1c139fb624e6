import type { EventType } from '../../../gateway/events/schema.ts';
import type { Hl7Segment } from '../message.ts';
import { cweFirst, entityId, providerOf, unitOf } from './codes.ts';
import type { Job } from './job.ts';
import { ORDER_CONTROL, type OrderControl } from './order-control.ts';
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

/** RDE^O11, RDE^O25 (and RDE^O01 of v2.3): one order event per ORC group, from its RXE. */
export function translateRde(job: Job): void {
  const r = job.r;
  const { groups } = orderGroups(r.segments);
  if (groups.length === 0) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no ORC order group`);
    return;
  }
  groups.forEach(({ orc, segments }, gi) => {
    const oc = orderControlOf(job, orc);
    if (!oc) return;
    if (oc.control === null) {
      job.untranslated.push(`order group ${gi + 1}: ORC-1 ${oc.code} is not an order state change`);
      return;
    }
    const rxe = segments.find((s) => s.name === 'RXE');
    if (!rxe) {
      r.issue(100, { seg: orc }, `order group ${gi + 1} of ${job.messageType} has no RXE`);
      return;
    }
    const afterRxe = r.following(segments, rxe, []);
    const beforeRxe = segments.slice(0, segments.indexOf(rxe));
    const rxr = afterRxe.find((s) => s.name === 'RXR') ?? beforeRxe.find((s) => s.name === 'RXR');
    let timing: Timing[] = afterRxe.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = beforeRxe.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = [fromTq(r, rxe, 1) ?? fromTq(r, orc, 7)].filter((t): t is Timing => t !== undefined);

    const codes = job.drugCodes(rxe, 2, 'give code');
    const dispenseAmount = r.num({ seg: rxe, field: 10 });
    const dispenseUnit = unitOf(r, rxe, 11);
    const patient = job.patient();
    job.add({
      type: FAMILY_TYPE[oc.control.family],
      occurred_at: r.dtm({ seg: orc, field: 9, component: 1 }),
      drug: job.drug(codes, { seg: rxe, field: 2 }),
      quantity: job.quantity(dispenseAmount, dispenseUnit, { seg: rxe, field: 11 }),
      patient_ref: patient?.token,
      payload: {
        action: oc.control.action,
        order: orderIds(job, orc),
        status: r.val(orc, 5) || undefined,
        prescription_number: r.val(rxe, 15) || undefined,
        codes,
        give: {
          amount_min: r.num({ seg: rxe, field: 3 }),
          amount_max: r.num({ seg: rxe, field: 4 }),
          unit: unitOf(r, rxe, 5),
          dosage_form: cweFirst(r, rxe, 6),
        },
        dispense: { amount: dispenseAmount, unit: dispenseUnit },
        refills: r.count({ seg: rxe, field: 12 }),
        refills_remaining: r.count({ seg: rxe, field: 16 }),
        ...routeOf(job, rxr),
        timing,
        prescriber: providerOf(r, orc, 12),
        prescriber_dea: r.val(rxe, 13, 1) || undefined,
        verifier: providerOf(r, rxe, 14),
        hl7v2: { message_type: job.messageType, order_control: oc.code, group: gi + 1 },
      },
    });
  });
}

/** OMP^O09: one order event per ORC group, from its RXO (the order as the prescriber wrote it). */
export function translateOmp(job: Job): void {
  const r = job.r;
  const { groups } = orderGroups(r.segments);
  if (groups.length === 0) {
    r.issue(100, { seg: job.msh }, `${job.messageType} has no ORC order group`);
    return;
  }
  groups.forEach(({ orc, segments }, gi) => {
    const oc = orderControlOf(job, orc);
    if (!oc) return;
    if (oc.control === null) {
      job.untranslated.push(`order group ${gi + 1}: ORC-1 ${oc.code} is not an order state change`);
      return;
    }
    const rxo = segments.find((s) => s.name === 'RXO');
    if (!rxo) {
      r.issue(100, { seg: orc }, `order group ${gi + 1} of ${job.messageType} has no RXO`);
      return;
    }
    const rxr = r.following(segments, rxo, []).find((s) => s.name === 'RXR');
    let timing: Timing[] = segments.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = [fromTq(r, orc, 7)].filter((t): t is Timing => t !== undefined);

    const codes = job.drugCodes(rxo, 1, 'requested give code');
    const dispenseAmount = r.num({ seg: rxo, field: 11 });
    const dispenseUnit = unitOf(r, rxo, 12);
    const patient = job.patient();
    job.add({
      type: FAMILY_TYPE[oc.control.family],
      occurred_at: r.dtm({ seg: orc, field: 9, component: 1 }),
      drug: job.drug(codes, { seg: rxo, field: 1 }),
      quantity: job.quantity(dispenseAmount, dispenseUnit, { seg: rxo, field: 12 }),
      patient_ref: patient?.token,
      payload: {
        action: oc.control.action,
        order: orderIds(job, orc),
        status: r.val(orc, 5) || undefined,
        codes,
        give: {
          amount_min: r.num({ seg: rxo, field: 2 }),
          amount_max: r.num({ seg: rxo, field: 3 }),
          unit: unitOf(r, rxo, 4),
          dosage_form: cweFirst(r, rxo, 5),
        },
        dispense: { amount: dispenseAmount, unit: dispenseUnit },
        refills: r.count({ seg: rxo, field: 13 }),
        ...routeOf(job, rxr),
        timing,
        prescriber: providerOf(r, orc, 12),
        prescriber_dea: r.val(rxo, 14, 1) || undefined,
        hl7v2: { message_type: job.messageType, order_control: oc.code, group: gi + 1 },
      },
    });
  });
}
