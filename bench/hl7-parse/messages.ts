import { createPrng } from '../../adapters/hl7v2/testing/prng.ts';

/**
 * Benchmark input: HL7 v2.5 RDE^O11 and RDS^O13 messages written from the v2.5 pharmacy message structures,
 * CR-terminated, sizes spread over [minBytes, maxBytes] by adding the OBX results and NTE notes a real order
 * carries. Seeded, so every run parses the same messages.
 */
const DRUGS = [
  ['00591036901', 'Oxycodone HCl 5 mg oral tablet', '5', 'mg'],
  ['00093721401', 'Lisinopril 10 mg oral tablet', '10', 'mg'],
  ['00409490234', 'Morphine sulfate 4 mg/mL injection', '4', 'mg'],
  ['00409672524', 'Vancomycin 1 g injection powder', '1', 'g'],
] as const;
const NAMES = ['GARCIA^MARIA^L', 'SMITH^JAMES^T', 'NGUYEN^LINH', "O\\S\\BRIEN^ANN", 'MULLER^ANNA^K'];
const NOTES = [
  'Verify renal function before each dose and adjust per pharmacy protocol',
  'Hold if systolic blood pressure below 100 mmHg or heart rate below 55\\.br\\Notify prescriber',
  'Controlled substance: witness required for waste documentation',
];
const LABS = [
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', '0.6-1.3'],
  ['6298-4', 'Potassium [Moles/volume] in Blood', 'mmol/L', '3.5-5.1'],
  ['29463-7', 'Body weight', 'kg', ''],
] as const;

export interface BenchMessage {
  readonly type: 'RDE' | 'RDS';
  readonly text: string;
  readonly bytes: Uint8Array;
}

export function benchMessages(options: { count: number; minBytes: number; maxBytes: number; seed: number }): BenchMessage[] {
  const prng = createPrng(options.seed);
  const digits = (n: number): string => Array.from({ length: n }, () => prng.int(10)).join('');
  const messages: BenchMessage[] = [];
  for (let i = 0; i < options.count; i++) {
    const target = options.minBytes + prng.int(options.maxBytes - options.minBytes + 1);
    const dispense = i % 2 === 1;
    const [ndc, drug, strength, unit] = prng.pick(DRUGS);
    const ts = `2026031${prng.int(10)}0${prng.int(10)}3000`;
    const segments = [
      `MSH|^~\\&|EPICRX|GENHOSP${prng.int(4)}|RXGATE|PHARM01|${ts}||${dispense ? 'RDS^O13^RDS_O13' : 'RDE^O11^RDE_O11'}|MSG${digits(10)}|P|2.5|||AL|NE||UNICODE UTF-8`,
      `PID|1||${digits(8)}^^^GENHOSP^MR~${digits(9)}^^^USSSA^SS||${prng.pick(NAMES)}||1960${digits(4)}|F|||12 MAIN ST^^SPRINGFIELD^IL^62701^USA`,
      `PV1|1|I|4WEST^${digits(3)}^A^GENHOSP||||1${digits(9)}^WELBY^MARCUS^^^DR^^^NPI`,
      `ORC|${dispense ? 'RE' : 'NW'}|${digits(9)}^EPICRX|${digits(9)}^RXGATE||IP||^^^${ts}^^R||${ts}`,
      `TQ1|1||Q6H&Every 6 hours&HL70335|||${strength}&${unit}&UCUM|${ts}`,
      `RXE|^^^${ts}^^R|${ndc}^${drug}^NDC|${strength}||${unit}^${unit}^UCUM|TAB^Tablet^HL70292|^Take as directed|||${1 + prng.int(60)}|TAB|${prng.int(5)}|||RX${digits(7)}`,
      'RXR|PO^Oral^HL70162',
    ];
    if (dispense) segments.push(`RXD|1|${ndc}^${drug}^NDC|${ts}|${1 + prng.int(60)}|TAB^Tablet^HL70292||RX${digits(7)}|||1${digits(9)}^CHEN^MAY^^^RPH|||||||||LOT${digits(5)}|20271231|PFZ^Pfizer^MVX`);
    let length = segments.reduce((sum, segment) => sum + segment.length + 1, 0);
    let n = 1;
    while (length < target) {
      const [code, name, units, range] = prng.pick(LABS);
      const extra = n % 3 === 0 ? `NTE|${n}||${prng.pick(NOTES)}` : `OBX|${n}|NM|${code}^${name}^LN||${prng.int(200)}.${prng.int(10)}|${units}^${units}^UCUM|${range}||||F|||${ts}`;
      segments.push(extra);
      length += extra.length + 1;
      n++;
    }
    const text = segments.join('\r') + '\r';
    messages.push({ type: dispense ? 'RDS' : 'RDE', text, bytes: new Uint8Array(Buffer.from(text, 'utf8')) });
  }
  return messages;
}
