import { AmbiguousNdcError, NdcFormatError, type InputPosition } from './errors.ts';

/**
 * National Drug Codes (DESIGN §7). An NDC is labeler-product-package. The FDA assigns 10-digit codes in three
 * layouts, 4-4-2, 5-3-2 and 5-4-1; billing and most pharmacy systems use the 11-digit 5-4-2 form (NDC-11), made by
 * putting a zero in front of the short segment — never by padding the whole code on the left:
 *
 *   4-4-2  0002-0800-01  →  00002-0800-01   (zero before the labeler)
 *   5-3-2  10631-106-08  →  10631-0106-08   (zero before the product)
 *   5-4-1  47848-0260-1  →  47848-0260-01   (zero before the package)
 *
 * Written with hyphens the layout is known and the conversion is exact both ways. Ten digits without hyphens fit
 * all three layouts, so such a code is resolved through the product table (only one layout names a known drug) or
 * refused as ambiguous.
 */

export const NDC_LAYOUTS = ['4-4-2', '5-3-2', '5-4-1', '5-4-2'] as const;
export type NdcLayout = (typeof NDC_LAYOUTS)[number];
/** The three 10-digit layouts the FDA assigns. */
export type Ndc10Layout = Exclude<NdcLayout, '5-4-2'>;

export interface Ndc {
  /** 11 digits, 5-4-2 */
  ndc11: string;
  /** the layout the code was written in */
  layout: NdcLayout;
  /** the code as written (trimmed) */
  original: string;
  /** segments as written, without padding */
  labeler: string;
  product: string;
  package: string;
}

const SEGMENTS: Record<NdcLayout, readonly [number, number, number]> = {
  '4-4-2': [4, 4, 2],
  '5-3-2': [5, 3, 2],
  '5-4-1': [5, 4, 1],
  '5-4-2': [5, 4, 2],
};

/** Where the padding zero goes in the 11-digit form, per 10-digit layout. */
const PAD_INDEX: Record<Ndc10Layout, number> = { '4-4-2': 0, '5-3-2': 5, '5-4-1': 9 };

function layoutOf(a: number, b: number, c: number): NdcLayout | undefined {
  for (const layout of NDC_LAYOUTS) {
    const s = SEGMENTS[layout];
    if (s[0] === a && s[1] === b && s[2] === c) return layout;
  }
  return undefined;
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The NDC-11 of three segments in a given layout (segment lengths are checked by the caller). */
export function toNdc11(layout: NdcLayout, labeler: string, product: string, pkg: string): string {
  switch (layout) {
    case '4-4-2':
      return `0${labeler}${product}${pkg}`;
    case '5-3-2':
      return `${labeler}0${product}${pkg}`;
    case '5-4-1':
      return `${labeler}${product}0${pkg}`;
    case '5-4-2':
      return `${labeler}${product}${pkg}`;
  }
}

/**
 * Parses an NDC written with hyphens (4-4-2, 5-3-2, 5-4-1, 5-4-2) or as 11 digits. Ten digits without hyphens throw
 * AmbiguousNdcError (use resolveNdc with the product table); anything else throws NdcFormatError.
 */
export function parseNdc(text: string, field = 'ndc', position?: InputPosition): Ndc {
  const original = text.trim();
  if (original.length === 0) throw new NdcFormatError(field, 'the NDC is empty', position);
  const first = original.indexOf('-');
  if (first < 0) {
    if (!isDigits(original)) throw new NdcFormatError(field, `${JSON.stringify(original)} is not an NDC: only digits and hyphens are allowed`, position);
    if (original.length === 11) {
      return { ndc11: original, layout: '5-4-2', original, labeler: original.slice(0, 5), product: original.slice(5, 9), package: original.slice(9) };
    }
    if (original.length === 10) throw new AmbiguousNdcError(field, original, ndc10Candidates(original), position);
    throw new NdcFormatError(field, `${JSON.stringify(original)} has ${original.length} digits; an NDC has 10 (with hyphens) or 11`, position);
  }
  const second = original.indexOf('-', first + 1);
  if (second < 0 || original.indexOf('-', second + 1) >= 0) {
    throw new NdcFormatError(field, `${JSON.stringify(original)} is not an NDC: it must have three segments labeler-product-package`, position);
  }
  const labeler = original.slice(0, first);
  const product = original.slice(first + 1, second);
  const pkg = original.slice(second + 1);
  if (!isDigits(labeler) || !isDigits(product) || !isDigits(pkg)) {
    throw new NdcFormatError(field, `${JSON.stringify(original)} is not an NDC: each segment must be digits`, position);
  }
  const layout = layoutOf(labeler.length, product.length, pkg.length);
  if (!layout) {
    throw new NdcFormatError(
      field,
      `${JSON.stringify(original)} has segments ${labeler.length}-${product.length}-${pkg.length}; an NDC is 4-4-2, 5-3-2, 5-4-1 or 5-4-2`,
      position,
    );
  }
  return { ndc11: toNdc11(layout, labeler, product, pkg), layout, original, labeler, product, package: pkg };
}

/** The three NDC-11s a bare 10-digit code could be, one per FDA layout. */
export function ndc10Candidates(digits: string): { layout: Ndc10Layout; ndc11: string }[] {
  return [
    { layout: '4-4-2', ndc11: toNdc11('4-4-2', digits.slice(0, 4), digits.slice(4, 8), digits.slice(8)) },
    { layout: '5-3-2', ndc11: toNdc11('5-3-2', digits.slice(0, 5), digits.slice(5, 8), digits.slice(8)) },
    { layout: '5-4-1', ndc11: toNdc11('5-4-1', digits.slice(0, 5), digits.slice(5, 9), digits.slice(9)) },
  ];
}

/**
 * Like parseNdc, but a bare 10-digit code is resolved through the product table: `isKnown(ndc11)` says whether a
 * candidate NDC-11 is a known drug. Exactly one known candidate resolves it; none or several throw
 * AmbiguousNdcError, whose candidates say which were known.
 */
export function resolveNdc(text: string, isKnown: (ndc11: string) => boolean, field = 'ndc', position?: InputPosition): Ndc {
  const original = text.trim();
  if (original.length !== 10 || !isDigits(original)) return parseNdc(original, field, position);
  const candidates = ndc10Candidates(original).map((c) => ({ ...c, known: isKnown(c.ndc11) }));
  const known = candidates.filter((c) => c.known);
  if (known.length !== 1) throw new AmbiguousNdcError(field, original, candidates, position);
  const { layout, ndc11 } = known[0]!;
  const [a, b] = SEGMENTS[layout];
  return { ndc11, layout, original, labeler: original.slice(0, a), product: original.slice(a, a + b), package: original.slice(a + b) };
}

/**
 * An NDC-11 written in a given layout: the inverse of toNdc11. With `hyphens: false` the 10-digit layouts give the
 * bare 10 digits. Throws when the layout's padding digit is not zero (such a code was never written that way).
 */
export function formatNdc(ndc11: string, layout: NdcLayout, opts: { hyphens?: boolean } = {}, field = 'ndc11'): string {
  if (ndc11.length !== 11 || !isDigits(ndc11)) throw new NdcFormatError(field, `${JSON.stringify(ndc11)} is not an NDC-11 (11 digits)`);
  let digits = ndc11;
  if (layout !== '5-4-2') {
    const at = PAD_INDEX[layout];
    if (ndc11[at] !== '0') {
      throw new NdcFormatError(field, `${ndc11} cannot be written as ${layout}: digit ${at + 1} is ${ndc11[at]}, not the padding zero`);
    }
    digits = ndc11.slice(0, at) + ndc11.slice(at + 1);
  }
  if (opts.hyphens === false) return digits;
  const [a, b] = SEGMENTS[layout];
  return `${digits.slice(0, a)}-${digits.slice(a, a + b)}-${digits.slice(a + b)}`;
}

/** 5-4-2 with hyphens: 00591-0369-01. */
export function hyphenatedNdc11(ndc11: string): string {
  return formatNdc(ndc11, '5-4-2');
}

/** True for exactly 11 ASCII digits. */
export function isNdc11(text: string): boolean {
  return text.length === 11 && isDigits(text);
}

/**
 * A product NDC (labeler-product, as in the FDA directory's PRODUCTNDC column): 4-4, 5-3 or 5-4, and its 9-digit
 * 5-4 form.
 */
export function parseProductNdc(text: string, field = 'PRODUCTNDC', position?: InputPosition): { product9: string; original: string } {
  const original = text.trim();
  const m = /^(\d{4,5})-(\d{3,4})$/.exec(original);
  if (!m || (m[1]!.length === 4 && m[2]!.length !== 4) || (m[1]!.length === 5 && m[2]!.length < 3)) {
    throw new NdcFormatError(field, `${JSON.stringify(original)} is not a product NDC (4-4, 5-3 or 5-4 with a hyphen)`, position);
  }
  const labeler = m[1]!.padStart(5, '0');
  const product = m[2]!.padStart(4, '0');
  return { product9: labeler + product, original };
}
