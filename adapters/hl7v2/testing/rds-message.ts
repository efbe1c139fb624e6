/** The patient of handWrittenRds: tests check that neither value reaches the bus, the ledger or a log line. */
export const RDS_PATIENT = { mrn: 'ZZMRN4455', family: 'ZZTEST' } as const;

/**
 * An RDS^O13 written by hand from HL7 v2.5 §4.13.5: one dispense of 30 tablets (NDC 0591-0369-01 unless `ndc`
 * says otherwise) at facility HOSP1, from sender PHARM^HOSP1. `extraMsh` is appended to MSH-12 (MSH-13 onwards).
 */
export function handWrittenRds(controlId: string, ndc = '00591-0369-01', extraMsh = ''): string {
  return [
    `MSH|^~\\&|PHARM|HOSP1|EHR|HOSP1|20261121101500||RDS^O13^RDS_O13|${controlId}|P|2.5${extraMsh}`,
    `PID|1||${RDS_PATIENT.mrn}^^^HOSP1^MR||${RDS_PATIENT.family}^PATIENT||19700101|F`,
    'ORC|RE|ORD-1|FIL-1',
    `RXD|1|${ndc}^Hydrocodone 5mg/APAP 325mg^NDC|20261121101000|30|TAB^tablet^HL70292||RX-778|||1234567893^DISPENSER^DAN||||||||LOT-9|20271231`,
  ].join('\r');
}
