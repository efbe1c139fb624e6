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
      // Plain loops and string appends: the ledger hashes every event, so this is on the hot path.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += canonicalJson(item === undefined ? null : item);
        }
        return out + ']';
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += jsonString(key) + ':' + canonicalJson(member);
      }
      return out + '}';
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
