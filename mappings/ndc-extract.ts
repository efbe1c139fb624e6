import { AmbiguousNdcError, MappingInputError } from './errors.ts';
import { parseNdc, resolveNdc, type Ndc } from './ndc.ts';

/**
 * NDCs inside free text: recall notices (`NDC #  00591-0369-01.`), package descriptions of kits
 * (`1 KIT in 1 CARTON (0002-0485-04)`), order comments. Two kinds of token are taken:
 *
 * - hyphenated codes in one of the four layouts (4-4-2, 5-3-2, 5-4-1, 5-4-2), anywhere, not glued to other digits
 *   or hyphens;
 * - bare 10 or 11 digits only right after the word NDC (`NDC 00591036901`, `NDC#0591036901`, `NDC: …`), because a
 *   bare number elsewhere is as likely a phone or lot number. A bare 10-digit one is ambiguous unless `isKnown`
 *   settles it through the product table.
 */

export interface ExtractedNdc {
  /** offset of the code in the text (UTF-16 index) */
  index: number;
  /** the code as it appears */
  raw: string;
  /** the parsed code, when it is unambiguous */
  ndc?: Ndc;
  /** why it could not be parsed (an AmbiguousNdcError for bare 10 digits) */
  error?: MappingInputError;
}

const HYPHENATED = /(?<![\d-])(\d{4,5}-\d{3,4}-\d{1,2})(?![\d-])/g;
const AFTER_KEYWORD = /\bNDC(?:\s*(?:#|:|No\.?|number))?\s*(\d{10,11})(?!\d)/gi;

export function extractNdcs(text: string, isKnown?: (ndc11: string) => boolean, field = 'text'): ExtractedNdc[] {
  const found: ExtractedNdc[] = [];
  for (const m of text.matchAll(HYPHENATED)) {
    const raw = m[1]!;
    try {
      found.push({ index: m.index!, raw, ndc: parseNdc(raw, field) });
    } catch {
      // 4-3-x and similar: digits with hyphens that are not an NDC layout (dates, phone numbers) are not reported.
    }
  }
  for (const m of text.matchAll(AFTER_KEYWORD)) {
    const raw = m[1]!;
    const index = m.index! + m[0].length - raw.length;
    try {
      found.push({ index, raw, ndc: isKnown ? resolveNdc(raw, isKnown, field) : parseNdc(raw, field) });
    } catch (err) {
      if (err instanceof AmbiguousNdcError || err instanceof MappingInputError) found.push({ index, raw, error: err });
      else throw err;
    }
  }
  return found.sort((a, b) => a.index - b.index);
}
