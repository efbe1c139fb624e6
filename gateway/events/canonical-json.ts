/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no insignificant white space,
 * numbers in the ECMAScript shortest form (which is what JSON.stringify already writes for finite numbers).
 * The ledger hashes this text, so it must be byte-stable across processes and releases. Input must be I-JSON
 * (RFC 7493), which RFC 8785 requires: a string holding half of a surrogate pair is refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot encode the number ${value}`);
      return JSON.stringify(value);
    case 'string':
      return jsonString(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${jsonString(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function jsonString(text: string): string {
  // The cheap scan first: almost no string holds a surrogate at all.
  if (ANY_SURROGATE.test(text) && UNPAIRED_SURROGATE.test(text)) throw new TypeError('canonical JSON cannot encode a string with an unpaired UTF-16 surrogate');
  return JSON.stringify(text);
}
