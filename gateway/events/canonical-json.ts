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
      const keys = sortInPlace(Object.keys(record));
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += memberName(key) + canonicalJson(member);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Member names in RFC 8785 order: by UTF-16 code units (§3.2.3), which is what `<` compares. An insertion sort in
 * place, because events hold many small objects, often nearly in order, and Array.prototype.sort allocates a work
 * copy for each of them.
 */
function sortInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * `"name":` for a member name. Events reuse a small vocabulary of names, so their encoded form is kept rather than
 * made again for every object; the bound keeps names from unusual payloads from growing the cache without limit.
 */
const encodedNames = new Map<string, string>();
const ENCODED_NAMES_MAX = 4096;

function memberName(key: string): string {
  let encoded = encodedNames.get(key);
  if (encoded === undefined) {
    encoded = jsonString(key) + ':';
    if (encodedNames.size < ENCODED_NAMES_MAX && key.length <= 64) encodedNames.set(key, encoded);
  }
  return encoded;
}

function jsonString(text: string): string {
  // The cheap scan first: almost no string holds a surrogate at all.
  if (ANY_SURROGATE.test(text) && UNPAIRED_SURROGATE.test(text)) throw new TypeError('canonical JSON cannot encode a string with an unpaired UTF-16 surrogate');
  return JSON.stringify(text);
}
