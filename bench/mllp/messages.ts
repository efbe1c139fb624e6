import { randomInt, seededRandom } from '../../adapters/hl7v2/mllp/testkit/prng.ts';

/**
 * Benchmark messages: HL7 v2.5 RDE^O11 (pharmacy encoded order) and RDS^O13 (pharmacy dispense), written by hand
 * from the v2.5 message structures, with realistic segments (MSH, PID, PV1, ORC, TQ1, RXE, RXR, RXD, AL1, OBX, NTE)
 * and sizes spread over [minBytes, maxBytes] by adding the observations and notes a real order carries.
 * The control id (MSH-10) is a placeholder filled in at send time, so every message sent is distinct.
 */

export const CONTROL_ID_PLACEHOLDER = '{{MSH10}}';

export interface BenchMessageTemplate {
  readonly type: 'RDE^O11' | 'RDS^O13';
  /** segments separated by CR, no trailing CR; MSH-10 is CONTROL_ID_PLACEHOLDER */
  readonly text: string;
}

const LAST = ['GARCIA', 'SMITH', 'NGUYEN', 'JOHNSON', 'OKAFOR', 'MULLER', 'ROSSI', 'KOWALSKI', 'TANAKA', 'HASSAN'];
const FIRST = ['MARIA', 'JAMES', 'LINH', 'ROBERT', 'CHIOMA', 'ANNA', 'LUCA', 'PIOTR', 'YUKI', 'AMIR'];
export const DRUGS = [
  ['00591036901', 'Oxycodone HCl 5 mg oral tablet', '5', 'mg', 'TAB^Tablet^HL70292', 'PO^Oral^HL70162'],
  ['00093721401', 'Lisinopril 10 mg oral tablet', '10', 'mg', 'TAB^Tablet^HL70292', 'PO^Oral^HL70162'],
  ['00409490234', 'Morphine sulfate 4 mg/mL injection', '4', 'mg', 'INJ^Injection^HL70292', 'IV^Intravenous^HL70162'],
  ['00006027731', 'Sitagliptin 100 mg oral tablet', '100', 'mg', 'TAB^Tablet^HL70292', 'PO^Oral^HL70162'],
  ['00409672524', 'Vancomycin 1 g injection powder', '1', 'g', 'INJ^Injection^HL70292', 'IV^Intravenous^HL70162'],
  ['00378180301', 'Metoprolol tartrate 25 mg oral tablet', '25', 'mg', 'TAB^Tablet^HL70292', 'PO^Oral^HL70162'],
] as const;

/** The DEA schedule the benchmarks map each drug to: the opioids are schedule II, the rest not controlled. */
export function benchSchedule(description: string): 'II' | 'NC' {
  return /Oxycodone|Morphine/.test(description) ? 'II' : 'NC';
}
const TIMING = [
  ['Q6H', 'Every 6 hours'],
  ['BID', 'Twice a day'],
  ['QD', 'Once a day'],
  ['Q8H', 'Every 8 hours'],
] as const;
const LABS = [
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', '0.6-1.3'],
  ['6298-4', 'Potassium [Moles/volume] in Blood', 'mmol/L', '3.5-5.1'],
  ['1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma', 'U/L', '7-56'],
  ['29463-7', 'Body weight', 'kg', ''],
  ['33914-3', 'Glomerular filtration rate/1.73 sq M.predicted', 'mL/min/{1.73_m2}', '>60'],
] as const;
const NOTES = [
  'Verify renal function before each dose and adjust per pharmacy protocol',
  'Patient counselled on sedation risk and fall precautions',
  'Hold if systolic blood pressure below 100 mmHg or heart rate below 55',
  'Trough level to be drawn before the fourth dose',
  'Controlled substance: witness required for waste documentation',
  'Substitution permitted per formulary therapeutic interchange',
];

export function generateTemplates(options: { count: number; minBytes: number; maxBytes: number; seed: number }): BenchMessageTemplate[] {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[randomInt(random, 0, list.length - 1)]!;
  const digits = (n: number) => Array.from({ length: n }, () => randomInt(random, 0, 9)).join('');
  const templates: BenchMessageTemplate[] = [];
  for (let i = 0; i < options.count; i++) {
    const target = randomInt(random, options.minBytes, options.maxBytes);
    const isDispense = random() < 0.5;
    const [ndc, drug, strength, unit, form, route] = pick(DRUGS);
    const [timingCode, timingText] = pick(TIMING);
    const last = pick(LAST);
    const first = pick(FIRST);
    const mrn = digits(8);
    const npi = `1${digits(9)}`;
    const rx = `RX${digits(7)}`;
    const day = String(randomInt(random, 1, 28)).padStart(2, '0');
    const ts = `202603${day}${String(randomInt(random, 0, 23)).padStart(2, '0')}${String(randomInt(random, 0, 59)).padStart(2, '0')}00`;
    const facility = `GENHOSP${randomInt(random, 1, 4)}`;
    const dispenseQty = String(randomInt(random, 1, 60));
    const segments = [
      `MSH|^~\\&|EPICRX|${facility}|RXGATE|PHARM01|${ts}||${isDispense ? 'RDS^O13^RDS_O13' : 'RDE^O11^RDE_O11'}|${CONTROL_ID_PLACEHOLDER}|P|2.5|||||UNICODE UTF-8`, // original mode (MSH-15/16 empty): the sender waits for AA
      `PID|1||${mrn}^^^${facility}^MR~${digits(9)}^^^USSSA^SS||${last}^${first}^${String.fromCharCode(65 + randomInt(random, 0, 25))}||19${randomInt(random, 30, 99)}0${randomInt(random, 1, 9)}1${randomInt(random, 0, 9)}|${random() < 0.5 ? 'F' : 'M'}|||${randomInt(random, 1, 9999)} MAIN ST^^SPRINGFIELD^IL^627${digits(2)}^USA||^PRN^PH^^1^217^${digits(7)}|||||${digits(9)}`,
      `PV1|1|I|${pick(['4WEST', 'ICU', '5EAST', 'ONC'])}^${randomInt(random, 100, 499)}^${pick(['A', 'B'])}^${facility}||||${npi}^${pick(LAST)}^${pick(FIRST)}^^^DR^^^NPI|||MED||||||||${digits(10)}^^^${facility}^VN`,
      `ORC|${isDispense ? 'RE' : 'NW'}|${digits(9)}^EPICRX|${digits(9)}^RXGATE||${isDispense ? 'CM' : 'IP'}||^^^${ts}^^R||${ts}|${digits(6)}^${pick(LAST)}^${pick(FIRST)}|||${npi}^${pick(LAST)}^${pick(FIRST)}^^^DR^^^NPI|${pick(['4WEST', 'ICU'])}^^^${facility}`,
      `TQ1|1||${timingCode}&${timingText}&HL70335|||${strength}&${unit}&UCUM|${ts}|202604${day}000000`,
      `RXE|^^^${ts}^^R|${ndc}^${drug}^NDC|${strength}||${unit}^${unit}^UCUM|${form}|^Take as directed ${timingText.toLowerCase()}|||${dispenseQty}|${form}|${randomInt(random, 0, 5)}|A${String.fromCharCode(65 + randomInt(random, 0, 25))}${digits(7)}||${rx}`,
      `RXR|${route}`,
    ];
    if (isDispense) {
      segments.push(
        // RXD-18 lot, RXD-19 expiry, RXD-20 manufacturer (HL7 table 0227)
        `RXD|1|${ndc}^${drug}^NDC|${ts}|${dispenseQty}|${form}||${rx}|${randomInt(random, 0, 5)}||${digits(6)}^${pick(LAST)}^${pick(FIRST)}^^^RPH|N|||||||L${digits(6)}|2027${String(randomInt(random, 1, 12)).padStart(2, '0')}28|${pick(['Mallinckrodt', 'Teva', 'Hikma', 'Merck'])}^^HL70227`,
        `RXR|${route}`,
      );
    }
    segments.push(`AL1|1|DA|${digits(5)}^${pick(['Penicillin', 'Sulfa drugs', 'Latex', 'Codeine'])}^RXNORM|${pick(['MO', 'SV', 'MI'])}|${pick(['Hives', 'Anaphylaxis', 'Rash'])}`);
    let obx = 0;
    let nte = 0;
    let size = segments.join('\r').length;
    while (size < target) {
      let segment: string;
      if (random() < 0.5) {
        const [code, name, units, range] = pick(LABS);
        segment = `OBX|${++obx}|NM|${code}^${name}^LN||${(random() * 100).toFixed(1)}|${units}^${units}^UCUM|${range}||||F|||${ts}|${facility}LAB^${facility} Laboratory^CLIA`;
      } else {
        segment = `NTE|${++nte}|P|${pick(NOTES)}. Reviewed by ${pick(FIRST)} ${pick(LAST)}, PharmD, on ${ts.slice(0, 8)}.`;
      }
      if (size + 1 + segment.length > options.maxBytes) {
        // the last note is cut to the size wanted, at a word, so every message stays well formed
        const room = options.maxBytes - size - 1 - `NTE|${nte + 1}|P|`.length;
        if (room < 8) break;
        segment = `NTE|${++nte}|P|${pick(NOTES).repeat(3).slice(0, room).trimEnd()}`;
      }
      segments.push(segment);
      size += 1 + segment.length;
    }
    templates.push({ type: isDispense ? 'RDS^O13' : 'RDE^O11', text: segments.join('\r') });
  }
  return templates;
}

/** The message to send: the template with its control id filled in. */
export function instantiate(template: BenchMessageTemplate, controlId: string): string {
  return template.text.replace(CONTROL_ID_PLACEHOLDER, controlId);
}
