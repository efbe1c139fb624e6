import { GtinError, type InputPosition } from './errors.ts';

/**
 * GTINs (GS1 General Specifications §3.3.2 and §7.9.1). A US drug package's GS1 barcode carries a GTIN-14 whose
 * digits 4–13 are the NDC-10 without hyphens: indicator digit, `03` (the NDC number system), the 10 NDC digits,
 * check digit — `0 03 0591036901 9`. The NDC inside is bare, so the layout ambiguity of DESIGN §7 applies: the
 * caller resolves it through the product table (ndc.ts resolveNdc).
 */

/** GS1 mod-10 check digit of the digits before it: weights 3,1,3,1,… from the rightmost digit leftwards. */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += (body.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10;
}

/**
 * A GTIN-8, -12, -13 or -14 as 14 digits (left-padded with zeros, which GS1 defines as the same GTIN), with its
 * check digit verified.
 */
export function parseGtin(text: string, field = 'gtin', position?: InputPosition): string {
  const digits = text.trim();
  if (!/^\d+$/.test(digits) || ![8, 12, 13, 14].includes(digits.length)) {
    throw new GtinError('gtin_format', field, `${JSON.stringify(digits)} is not a GTIN: 8, 12, 13 or 14 digits expected`, position);
  }
  const gtin14 = digits.padStart(14, '0');
  const expected = gs1CheckDigit(gtin14.slice(0, 13));
  if (expected !== gtin14.charCodeAt(13) - 48) {
    throw new GtinError('gtin_check_digit', field, `GTIN ${digits} has check digit ${gtin14[13]}; the digits before it give ${expected}`, position);
  }
  return gtin14;
}

/**
 * The bare NDC-10 inside a GTIN-14 (digits 4–13), when the GTIN is an NDC-based one: indicator digit 0–8 followed
 * by `03`. The check digit is verified first. Indicator 9 (variable measure) is not a drug package.
 */
export function ndc10FromGtin(text: string, field = 'gtin', position?: InputPosition): { gtin14: string; ndc10: string } {
  const gtin14 = parseGtin(text, field, position);
  if (gtin14[0] === '9' || gtin14[1] !== '0' || gtin14[2] !== '3') {
    throw new GtinError('gtin_not_ndc', field, `GTIN ${gtin14} does not carry an NDC: an NDC-based GTIN-14 reads <indicator 0-8>03<NDC-10><check>`, position);
  }
  return { gtin14, ndc10: gtin14.slice(3, 13) };
}

/** The GTIN-14 of an NDC-10 (bare, as the FDA assigned it): indicator 0, `03`, the 10 digits, check digit. */
export function gtinFromNdc10(ndc10: string, indicator = 0): string {
  if (!/^\d{10}$/.test(ndc10)) throw new GtinError('gtin_format', 'ndc10', `${JSON.stringify(ndc10)} is not 10 digits`);
  const body = `${indicator}03${ndc10}`;
  return body + String(gs1CheckDigit(body));
}
