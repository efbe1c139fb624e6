import type { Hl7Segment } from '../message.ts';
import { codedRepetitions, cweFirst, providersOf, unitOf, yesNo, type Coded } from './codes.ts';
import type { Job } from './job.ts';
import { readComponents } from './components.ts';
import { careLocation, firstCareLocation } from './location.ts';
import { readObservations } from './observations.ts';
import { orderControlOf, orderIds } from './orders.ts';
import { orderGroups } from './reader.ts';
import { fromTq, fromTq1, type Timing } from './timing.ts';

/** Each segment named `name`, with the ORC group it sits in (none when it comes before any ORC). */
function withGroups(job: Job, name: string): { seg: Hl7Segment; orc?: Hl7Segment; segments: Hl7Segment[]; gi?: number }[] {
  const { head, groups } = orderGroups(job.r.segments);
  const out: { seg: Hl7Segment; orc?: Hl7Segment; segments: Hl7Segment[]; gi?: number }[] = [];
  for (const seg of head) if (seg.name === name) out.push({ seg, segments: head });
  groups.forEach((g, i) => {
    for (const seg of g.segments) if (seg.name === name) out.push({ seg, orc: g.orc, segments: g.segments, gi: i + 1 });
  });
  return out;
}

/**
 * The segments with their order group, minus those whose group's ORC-1 is refused (reported once per ORC by
 * orderControlOf); `code` is the group's ORC-1, undefined when the segment has no ORC.
 */
function* withOrderControl<T extends { orc?: Hl7Segment | undefined }>(job: Job, items: readonly T[]): Generator<T & { code: string | undefined }> {
  const checked = new Map<Hl7Segment, string | null>();
  for (const item of items) {
    if (!item.orc) {
      yield { ...item, code: undefined };
      continue;
    }
    if (!checked.has(item.orc)) checked.set(item.orc, orderControlOf(job, item.orc)?.code ?? null);
    const code = checked.get(item.orc);
    if (code !== null) yield { ...item, code };
  }
}

/** The `name` segments to translate, with their group and ORC-1; none (and a 100 issue) when the message has none. */
function segmentsToTranslate(job: Job, name: string) {
  const items = withGroups(job, name);
  if (items.length === 0) job.r.issue(100, { seg: job.msh }, `${job.messageType} has no ${name}`);
  return withOrderControl(job, items);
}

/**
 * RAS^O17 and VXU^V04: one `rx.administration` (payload.kind `administered`) per RXA, with the observations (OBX)
 * that follow it. Administrations that did not happen are still events: RXA-20 completion status (`NA` not
 * administered, `RE` refused, `PA` partial) and RXA-21 action code (`D` delete, `U` update) are in the payload for
 * consumers to act on.
 */
export function translateAdministrations(job: Job): void {
  const r = job.r;
  const location = careLocation(r, job.message.segment('PV1'), 3);
  for (const { seg: rxa, orc, segments, gi, code } of segmentsToTranslate(job, 'RXA')) {
    const after = r.following(segments, rxa, ['RXA', 'ORC']);
    const rxr = after.find((s) => s.name === 'RXR');
    const codes = job.drugCodes(rxa, 5, 'administered code');
    const amount = r.num({ seg: rxa, field: 6 });
    const unit = unitOf(r, rxa, 7);
    const start = r.dtm({ seg: rxa, field: 3, component: 1 });
    const notes: Coded[] = [];
    for (let i = 0; i < r.reps(rxa, 9); i++) {
      const n = cweFirst(r, rxa, 9, i);
      if (n) notes.push(n);
    }
    job.add({
      type: 'rx.administration',
      occurred_at: start ?? (orc ? r.dtm({ seg: orc, field: 9, component: 1 }) : undefined),
      drug: job.drug(codes, { seg: rxa, field: 5 }, { lot: { seg: rxa, field: 15 }, expiry: { seg: rxa, field: 16, component: 1 } }),
      quantity: job.quantity(amount, unit, { seg: rxa, field: 7 }),
      patient_ref: job.patient()?.token,
      payload: {
        kind: 'administered',
        order: orderIds(job, orc),
        codes,
        amount,
        unit,
        dosage_form: cweFirst(r, rxa, 8),
        start,
        end: r.dtm({ seg: rxa, field: 4, component: 1 }),
        give_sub_id: r.num({ seg: rxa, field: 1 }),
        administration_sub_id: r.num({ seg: rxa, field: 2 }),
        administering_providers: providersOf(r, rxa, 10),
        notes,
        manufacturer: cweFirst(r, rxa, 17),
        indications: codedRepetitions(r, rxa, 19),
        completion_status: r.val(rxa, 20) || undefined,
        action_code: r.val(rxa, 21) || undefined,
        route: cweFirst(r, rxr, 1),
        site: cweFirst(r, rxr, 2),
        // the OBXs after the RXA: a vaccine's funding and eligibility, the VIS presented, a score taken with the dose
        observations: readObservations(job, after, job.ctx.administrationObservations),
        encounter_ref: job.encounter()?.token,
        location,
        // RXA-27 (PL) of v2.7, else RXA-11 (LA2) of v2.5: the ward or clinic where the dose was given
        administered_at: firstCareLocation(r, rxa, [27, 11]),
        hl7v2: { message_type: job.messageType, order_control: code, group: gi },
      },
    });
  }
}

/**
 * RGV^O15: one `rx.administration` with payload.kind `give` per RXG. A give is the pharmacy's instruction for a
 * dose (what to give, when), not a record that it was given; consumers counting administrations filter on kind.
 */
export function translateGives(job: Job): void {
  const r = job.r;
  const location = careLocation(r, job.message.segment('PV1'), 3);
  for (const { seg: rxg, orc, segments, gi, code } of segmentsToTranslate(job, 'RXG')) {
    const after = r.following(segments, rxg, ['RXG', 'ORC']);
    const rxr = after.find((s) => s.name === 'RXR');
    let timing: Timing[] = after.filter((s) => s.name === 'TQ1').map((t) => fromTq1(r, t));
    if (timing.length === 0) timing = [fromTq(r, rxg, 3)].filter((t): t is Timing => t !== undefined);
    const codes = job.drugCodes(rxg, 4, 'give code');
    const amount = r.num({ seg: rxg, field: 5 });
    const unit = unitOf(r, rxg, 7);
    job.add({
      type: 'rx.administration',
      occurred_at: orc ? r.dtm({ seg: orc, field: 9, component: 1 }) : undefined,
      drug: job.drug(codes, { seg: rxg, field: 4 }, { lot: { seg: rxg, field: 19 }, expiry: { seg: rxg, field: 20, component: 1 } }),
      quantity: job.quantity(amount, unit, { seg: rxg, field: 7 }),
      patient_ref: job.patient()?.token,
      payload: {
        kind: 'give',
        order: orderIds(job, orc),
        codes,
        give: {
          amount_min: amount,
          amount_max: r.num({ seg: rxg, field: 6 }),
          unit,
          dosage_form: cweFirst(r, rxg, 8),
          per: r.val(rxg, 14) || undefined,
          rate: r.numInText({ seg: rxg, field: 15 }),
          rate_unit: unitOf(r, rxg, 16),
          strength: r.num({ seg: rxg, field: 17 }),
          strength_unit: unitOf(r, rxg, 18),
        },
        components: readComponents(job, after),
        indications: codedRepetitions(r, rxg, 22),
        needs_review: yesNo(r, rxg, 12),
        give_sub_id: r.num({ seg: rxg, field: 1 }),
        dispense_sub_id: r.num({ seg: rxg, field: 2 }),
        timing,
        route: cweFirst(r, rxr, 1),
        site: cweFirst(r, rxr, 2),
        encounter_ref: job.encounter()?.token,
        location,
        // RXG-29 (PL), else RXG-11 (LA2) of v2.5: where the pharmacy sends the dose
        deliver_to: firstCareLocation(r, rxg, [29, 11]),
        hl7v2: { message_type: job.messageType, order_control: code, group: gi },
      },
    });
  }
}
