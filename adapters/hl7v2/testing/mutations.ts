import type { Prng } from './prng.ts';

/**
 * Test support: ways to damage an HL7 message for fuzzing. Each takes bytes and returns new bytes; none is
 * clever about HL7 beyond knowing where segments and the MSH delimiters are, which is what a parser must survive.
 */
export type Mutation = (input: Uint8Array, prng: Prng) => Uint8Array;

const INTERESTING = [0x0d, 0x0a, 0x0b, 0x1c, 0x00, 0x7c, 0x5e, 0x7e, 0x5c, 0x26, 0x23, 0x22, 0xef, 0xbb, 0xbf, 0xff, 0xc3, 0xe9, 0x20, 0x4d];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function randomByte(prng: Prng): number {
  return prng.next() < 0.5 ? prng.pick(INTERESTING) : prng.int(256);
}

/** [start, end) of the segments (split on CR/LF). */
function segmentRanges(input: Uint8Array): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i <= input.length; i++) {
    if (i === input.length || input[i] === 0x0d || input[i] === 0x0a) {
      if (i > start) ranges.push([start, i]);
      start = i + 1;
    }
  }
  return ranges;
}

export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  flipBit(input, prng) {
    if (input.length === 0) return input;
    const out = input.slice();
    const at = prng.int(out.length);
    out[at] = out[at]! ^ (1 << prng.int(8));
    return out;
  },
  setByte(input, prng) {
    if (input.length === 0) return input;
    const out = input.slice();
    out[prng.int(out.length)] = randomByte(prng);
    return out;
  },
  insertBytes(input, prng) {
    const at = prng.int(input.length + 1);
    const inserted = Uint8Array.from({ length: 1 + prng.int(8) }, () => randomByte(prng));
    return concat(input.subarray(0, at), inserted, input.subarray(at));
  },
  deleteRange(input, prng) {
    if (input.length === 0) return input;
    const at = prng.int(input.length);
    return concat(input.subarray(0, at), input.subarray(Math.min(input.length, at + 1 + prng.int(64))));
  },
  truncate(input, prng) {
    return input.subarray(0, prng.int(input.length + 1));
  },
  duplicateSegment(input, prng) {
    const ranges = segmentRanges(input);
    if (ranges.length === 0) return input;
    const [start, end] = prng.pick(ranges);
    const at = prng.pick(ranges)[0];
    return concat(input.subarray(0, at), input.subarray(start, end), Uint8Array.of(0x0d), input.subarray(at));
  },
  dropSegment(input, prng) {
    const ranges = segmentRanges(input);
    if (ranges.length === 0) return input;
    const [start, end] = prng.pick(ranges);
    return concat(input.subarray(0, start), input.subarray(Math.min(input.length, end + 1)));
  },
  swapDelimiters(input, prng) {
    // MSH-1 and MSH-2 live at bytes 3..7 of a message starting with MSH; rewrite some of them at random.
    const at = input.indexOf(0x4d);
    if (at === -1 || input.length < at + 8) return input;
    const out = input.slice();
    for (let i = at + 3; i < at + 8; i++) if (prng.next() < 0.4) out[i] = prng.next() < 0.7 ? 0x21 + prng.int(94) : randomByte(prng);
    return out;
  },
  replaceDelimiterEverywhere(input, prng) {
    // A consistent change of one delimiter (MSH-2 and data alike) keeps the message valid with new delimiters.
    const from = prng.pick([0x7c, 0x5e, 0x7e, 0x5c, 0x26]);
    const to = prng.pick([0x23, 0x24, 0x2a, 0x40, 0x21, 0x25, 0x3b, 0x3a, 0x2f]);
    return input.map((byte) => (byte === from ? to : byte));
  },
  changeTerminators(input, prng) {
    const style = prng.pick([[0x0d], [0x0a], [0x0d, 0x0a], [0x0a, 0x0a]]);
    const out: number[] = [];
    for (let i = 0; i < input.length; i++) {
      const byte = input[i]!;
      if (byte === 0x0d && input[i + 1] === 0x0a) i++;
      if (byte === 0x0d || byte === 0x0a) out.push(...(prng.next() < 0.8 ? style : [prng.pick([0x0d, 0x0a])]));
      else out.push(byte);
    }
    return Uint8Array.from(out);
  },
  addBom(input) {
    return concat(Uint8Array.of(0xef, 0xbb, 0xbf), input);
  },
  wrapInBatch(input, prng) {
    const header = new TextEncoder().encode('FHS|^~\\&|A|B\rBHS|^~\\&|A|B\r');
    const trailer = new TextEncoder().encode(`\rBTS|${prng.int(3)}\rFTS|${prng.int(3)}\r`);
    return concat(header, input, trailer);
  },
  randomFrame(_input, prng) {
    return Uint8Array.from({ length: prng.int(300) }, () => randomByte(prng));
  },
  mshThenNoise(_input, prng) {
    const head = new TextEncoder().encode(prng.pick(['MSH|^~\\&|', 'MSH#$*@!#', 'MSH|', 'MSH', 'FHS|^~\\&|', 'BHS|^~\\&|']));
    return concat(head, Uint8Array.from({ length: prng.int(200) }, () => (prng.next() < 0.3 ? prng.pick(INTERESTING) : 0x20 + prng.int(95))));
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);
