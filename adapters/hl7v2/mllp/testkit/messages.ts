/** Small HL7 v2.5 messages for transport tests (segments separated by CR, no trailing CR: node-hl7-client strips it). */
export function rdeMessage(controlId: string, options: { filler?: string } = {}): string {
  return [
    `MSH|^~\\&|EHR|HOSP|RXGATE|PHARM|20260301101500||RDE^O11^RDE_O11|${controlId}|P|2.5`,
    'PID|1||MRN12345^^^HOSP^MR||DOE^JANE^Q||19700101|F',
    'ORC|NW|ORD1001^EHR||||||||||1234567890^SMITH^JOHN^^^^^^NPI',
    'RXE|^^^20260301^^R|00591036901^Oxycodone HCl 5 mg tab^NDC|5||mg|TAB||||30|TAB|0|RX77001',
    ...(options.filler ? [`NTE|1||${options.filler}`] : []),
  ].join('\r');
}

export const PHI_MARKER = 'DOE^JANE';
