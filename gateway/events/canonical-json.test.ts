import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

/**
 * RFC 8785 (JSON Canonicalization Scheme). The vectors come from the RFC itself: the §3.2.2 sample, the §3.2.3
 * sorting sample, and the IEEE 754 number table of Appendix B (given there as bit patterns, rebuilt here from the
 * same bits).
 */

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('canonicalises the sample of §3.2.2: whitespace, number forms, string escapes, member order', () => {
    const input = `{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
      "literals": [null, true, false]
    }`;
    expect(canonicalJson(JSON.parse(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units, as in §3.2.3 (so the emoji sorts before U+FB33)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('sorts nested objects and keeps array order', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: 2 }, 1], a: { d: null, c: {} } })).toBe('{"a":{"c":{},"d":null},"b":[3,{"a":2,"z":1},1]}');
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the IEEE 754 value %s as %s (Appendix B)', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
  });

  it('switches to exponent form at 1e21 and below 1e-6, like ECMAScript Number#toString', () => {
    expect(canonicalJson([1e20, 1e21, 1e-6, 1e-7, -0, 4.5, 100])).toBe('[100000000000000000000,1e+21,0.000001,1e-7,0,4.5,100]');
  });

  it('refuses NaN and the infinities (Appendix B: they have no JSON form)', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => canonicalJson({ a: Number.NEGATIVE_INFINITY })).toThrow(TypeError);
  });

  it('escapes only ", \\ and the C0 controls; short forms for \\b \\t \\n \\f \\r, lowercase \\u00xx for the rest', () => {
    const text = '"\\\b\t\n\f\r\u0000\u0001\u001f \u007f\u0080\u2028\u2029/é😀';
    expect(canonicalJson(text)).toBe('"\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u0001\\u001f \u007f\u0080\u2028\u2029/é😀"');
  });

  it('escapes member names the same way as string values', () => {
    expect(canonicalJson({ 'a"b': 1, '\n': 2 })).toBe('{"\\n":2,"a\\"b":1}');
  });

  it('treats an own "__proto__" member as an ordinary name', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":1,"a":2}'))).toBe('{"__proto__":1,"a":2}');
  });

  it('writes the literals and empty containers', () => {
    expect(canonicalJson([null, true, false, {}, [], ''])).toBe('[null,true,false,{},[],""]');
  });

  // RFC 8785 §3.1 requires I-JSON input (RFC 7493 §2.1: no unpaired surrogates); canonicalJson writes them as
  // \udXXX escapes instead of refusing them. Kept as an expected failure so the gap stays visible: when
  // canonicalJson starts refusing them, turn this into a plain `it`. (The ledger refuses such events itself,
  // see gateway/store/unstorable-text.ts.)
  it('refuses strings with an unpaired surrogate (I-JSON)', () => {
    expect(() => canonicalJson('\ud800')).toThrow(/unpaired UTF-16 surrogate/);
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow(/unpaired UTF-16 surrogate/);
    expect(() => canonicalJson('a\ud83d\ude00b')).not.toThrow(); // a pair is one character
  });
});
