import { NpiError, type InputPosition } from './errors.ts';

/**
 * National Provider Identifier (45 CFR 162.406; CMS "NPI check digit" note): 10 digits, the last a Luhn check digit
 * computed over the card-issuer prefix 80840 followed by the first nine digits. Doubling every second digit from
 * the right of the nine, and adding 24 for the prefix, gives the same result.
 */

/** The check digit of the first nine digits of an NPI. */
export function npiCheckDigit(first9: string): number {
  const digits = `80840${first9}`;
  let sum = 0;
  // Luhn: from the rightmost payload digit leftwards, double every other digit starting with the rightmost.
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidNpi(text: string): boolean {
  return /^\d{10}$/.test(text) && npiCheckDigit(text.slice(0, 9)) === text.charCodeAt(9) - 48;
}

/** Returns the NPI (trimmed) or throws NpiError naming the field. */
export function parseNpi(text: string, field = 'npi', position?: InputPosition): string {
  const npi = text.trim();
  if (!/^\d{10}$/.test(npi)) throw new NpiError('npi_format', field, `${JSON.stringify(npi)} is not an NPI: 10 digits expected`, position);
  const expected = npiCheckDigit(npi.slice(0, 9));
  if (expected !== npi.charCodeAt(9) - 48) {
    throw new NpiError('npi_check_digit', field, `NPI ${npi} has check digit ${npi[9]}; the first nine digits give ${expected}`, position);
  }
  return npi;
}
