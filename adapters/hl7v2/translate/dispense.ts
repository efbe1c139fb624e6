import type { Hl7Segment } from '../message.ts';
import { codedRepetitions, cweFirst, providerOf, quantityOf, unitOf, yesNo } from './codes.ts';
import type { Job } from './job.ts';
import { DISPENSE_REVERSAL_CODES } from './order-control.ts';
import { orderControlOf, orderIds } from './orders.ts';
import { readComponents } from './components.ts';
import { careLocation } from './location.ts';
import { orderGroups } from './reader.ts';

/**
 * RDS^O13 (and RDS^O01 of v2.3): one `rx.dispense` per RXD, or `rx.dispense.reversal` when the group's ORC-1 is
 * CA, CR or OC (the form the outbound client uses for a reversal).
 */
export function translateRds(job: Job): void {
  const r = job.r;
  const { head, groups } = orderGroups(r.segments);
  const units: { orc?: Hl7Segment; segments: Hl7Segment[]; gi: number }[] = [
    { segments: head, gi: 0 },
    ...groups.map((g, i) => ({ orc: g.orc, segments: g.segments, gi: i + 1 })),
  ];
  const pv1 = job.message.segment('PV1');
  const location = careLocation(r, pv1, 3);
  const patientClass = r.val(pv1, 2) || undefined;
  let count = 0;
  for (const { orc, segments, gi } of units) {
    const rxds = segments.filter((s) => s.name === 'RXD');
    if (rxds.length === 0) continue;
    let code: string | undefined;
    if (orc) {
      const oc = orderControlOf(job, orc);
      if (!oc) continue;
      code = oc.code;
    }
    const rxe = segments.find((s) => s.name === 'RXE');
    for (const rxd of rxds) {
      count++;
      const afterRxd = r.following(segments, rxd, ['RXD', 'ORC']);
      const rxr = afterRxd.find((s) => s.name === 'RXR');
      const codes = job.drugCodes(rxd, 2, 'dispense/give code');
      const amount = r.num({ seg: rxd, field: 4 });
      const unit = unitOf(r, rxd, 5);
      const lots: { lot?: string; expiry?: string }[] = [];
      for (let i = 1; i < Math.max(r.reps(rxd, 18), r.reps(rxd, 19)); i++) {
        lots.push({ lot: r.limited({ seg: rxd, field: 18, repetition: i }, 64), expiry: r.date({ seg: rxd, field: 19, component: 1, repetition: i }) });
      }
      const drug = job.drug(codes, { seg: rxd, field: 2 }, { lot: { seg: rxd, field: 18 }, expiry: { seg: rxd, field: 19, component: 1 } });
      job.add({
        type: code !== undefined && DISPENSE_REVERSAL_CODES.has(code) ? 'rx.dispense.reversal' : 'rx.dispense',
        occurred_at: r.dtm({ seg: rxd, field: 3, component: 1 }) ?? (orc ? r.dtm({ seg: orc, field: 9, component: 1 }) : undefined),
        drug,
        quantity: job.quantity(amount, unit, { seg: rxd, field: 5 }),
        patient_ref: job.patient()?.token,
        payload: {
          order: orderIds(job, orc),
          prescription_number: r.val(rxd, 7) || r.val(rxe, 15) || undefined,
          dispense_sub_id: r.num({ seg: rxd, field: 1 }),
          codes,
          amount,
          unit,
          dosage_form: cweFirst(r, rxd, 6),
          components: readComponents(job, afterRxd),
          indications: codedRepetitions(r, rxd, 21),
          total_daily_dose: quantityOf(r, rxd, 12),
          needs_review: yesNo(r, rxd, 14),
          refills_remaining: r.count({ seg: rxd, field: 8 }),
          dispensing_provider: providerOf(r, rxd, 10),
          substitution: r.val(rxd, 11) || undefined,
          // further lots of a multi-lot dispense (the first is drug.lot / drug.expiry)
          more_lots: lots.filter((l) => l.lot || l.expiry),
          dispense_type: cweFirst(r, rxd, 33),
          route: cweFirst(r, rxr, 1),
          site: cweFirst(r, rxr, 2),
          encounter_ref: job.encounter()?.token,
          location,
          dispense_to: careLocation(r, rxd, 13),
          patient_class: patientClass,
          hl7v2: { message_type: job.messageType, order_control: code, group: orc ? gi : undefined },
        },
      });
    }
  }
  if (count === 0) r.issue(100, { seg: job.msh }, `${job.messageType} has no RXD`);
}
