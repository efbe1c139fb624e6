import { DeaNumberError, type InputPosition } from './errors.ts';

/**
 * DEA registration numbers (21 CFR 1301; DEA Diversion Control "Registration" format): two letters and seven
 * digits. The first letter is the registrant type, the second the initial of the registrant's last name or
 * business (or 9 for some business registrations). The seventh digit is a check digit: add the 1st, 3rd and 5th
 * digits, add twice the sum of the 2nd, 4th and 6th; the last digit of the total is the check digit.
 */

/**
 * Registrant type letters in use: A, B, F, G practitioners / hospitals / pharmacies; C practitioner; D teaching
 * institution; E manufacturer; H distributor; J importer; K exporter; L reverse distributor; M mid-level
 * practitioner; P, R, S, T, U narcotic treatment programs; X addiction-treatment (DATA-waived) practitioner.
 */
export const DEA_REGISTRANT_TYPES = 'ABCDEFGHJKLMPRSTUX';

export function deaCheckDigit(first6: string): number {
  const d = (i: number) => first6.charCodeAt(i) - 48;
  return (d(0) + d(2) + d(4) + 2 * (d(1) + d(3) + d(5))) % 10;
}

/** Whether a text is a well-formed DEA number; no exception, as the translator asks it of every order. */
export function isValidDeaNumber(text: string): boolean {
  return deaNumberProblem(text) === undefined;
}

/** Returns the DEA number (trimmed, upper case) or throws DeaNumberError naming the field. */
export function parseDeaNumber(text: string, field = 'dea_number', position?: InputPosition): string {
  const problem = deaNumberProblem(text);
  if (problem) throw new DeaNumberError(problem.code, field, problem.message, position);
  return text.trim().toUpperCase();
}

/** What is wrong with a DEA number as written, or undefined when nothing is. */
function deaNumberProblem(text: string): { code: 'dea_number_format' | 'dea_number_check_digit'; message: string } | undefined {
  const dea = text.trim().toUpperCase();
  const m = /^([A-Z])([A-Z9])(\d{7})$/.exec(dea);
  if (!m) return { code: 'dea_number_format', message: `${JSON.stringify(text.trim())} is not a DEA number: two letters and seven digits expected` };
  if (!DEA_REGISTRANT_TYPES.includes(m[1]!)) {
    return { code: 'dea_number_format', message: `DEA number ${dea} starts with ${m[1]}, which is not a registrant type (${DEA_REGISTRANT_TYPES.split('').join(', ')})` };
  }
  const digits = m[3]!;
  const expected = deaCheckDigit(digits.slice(0, 6));
  if (expected !== digits.charCodeAt(6) - 48) {
    return { code: 'dea_number_check_digit', message: `DEA number ${dea} has check digit ${digits[6]}; its digits give ${expected}` };
  }
  return undefined;
}
