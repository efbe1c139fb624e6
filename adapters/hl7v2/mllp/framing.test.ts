import { describe, expect, it } from 'vitest';
import {
  decodeChunk,
  endOfStream,
  frame,
  initialDecoderState,
  isBetweenFrames,
  MllpEncodeError,
  type MllpDecodeEvent,
  type MllpDecoderOptions,
  type MllpDecoderState,
} from './framing.ts';
import { randomInt, seededRandom } from './testkit/prng.ts';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
const VT = '\x0b';
const FS = '\x1c';
const CR = '\r';

/** A comparable view of events: byte arrays as latin1 strings. */
type Plain = { type: string; text: string; size?: number; reason?: string };
function plain(events: MllpDecodeEvent[]): Plain[] {
  return events.map((e) => {
    const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
    if (e.type === 'frame') return { type: 'frame', text: latin1(e.payload) };
    if (e.type === 'oversize') return { type: 'oversize', text: latin1(e.prefix), size: e.size };
    return { type: 'discard', text: latin1(e.bytes), size: e.size, reason: e.reason };
  });
}

function decodeAll(chunks: Uint8Array[], options: Partial<MllpDecoderOptions> = {}) {
  let state = initialDecoderState(options);
  const events: MllpDecodeEvent[] = [];
  for (const chunk of chunks) {
    const result = decodeChunk(state, chunk);
    state = result.state;
    events.push(...result.events);
  }
  return { state, events };
}

function splitEvery(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** Bytes the decoder holds on to, to check that an oversize frame is never buffered. */
function retainedBytes(state: MllpDecoderState): number {
  if (state.mode === 'skipping_oversize') return state.prefix.length;
  let n = 0;
  let p = state.mode === 'in_frame' ? state.pieces : state.junk;
  while (p) {
    n += p.bytes.length;
    p = p.older;
  }
  return n;
}

describe('frame()', () => {
  it('wraps a payload in 0x0B … 0x1C 0x0D', () => {
    expect(Buffer.from(frame(bytes('MSH|^~\\&|A\r'))).toString('latin1')).toBe(`${VT}MSH|^~\\&|A\r${FS}${CR}`);
    expect(Array.from(frame(new Uint8Array(0)))).toEqual([0x0b, 0x1c, 0x0d]);
  });

  it('refuses payloads holding the reserved bytes, naming the byte and its offset', () => {
    expect(() => frame(bytes(`MSH|A${FS}B`))).toThrowError(MllpEncodeError);
    try {
      frame(bytes(`ab${VT}`));
    } catch (e) {
      expect(e).toBeInstanceOf(MllpEncodeError);
      expect((e as MllpEncodeError).byte).toBe(0x0b);
      expect((e as MllpEncodeError).offset).toBe(2);
    }
  });

  it('round-trips through the decoder', () => {
    const payload = bytes('MSH|^~\\&|SND|FAC|RCV|FAC|20260101||RDE^O11|1|P|2.5\rPID|||123\r');
    const { events, state } = decodeAll([frame(payload)]);
    expect(plain(events)).toEqual([{ type: 'frame', text: Buffer.from(payload).toString('latin1') }]);
    expect(isBetweenFrames(state)).toBe(true);
  });
});

describe('decodeChunk', () => {
  it('reassembles one frame delivered one byte per read', () => {
    const stream = frame(bytes('MSH|^~\\&|A|B\rPID|1\r'));
    const { events, state } = decodeAll(splitEvery(stream, 1));
    expect(plain(events)).toEqual([{ type: 'frame', text: 'MSH|^~\\&|A|B\rPID|1\r' }]);
    expect(isBetweenFrames(state)).toBe(true);
  });

  it('yields every frame of a read that holds many, in order', () => {
    const payloads = Array.from({ length: 50 }, (_, i) => `MSH|^~\\&|A|B|||||ADT^A01|${i}|P|2.5\r`);
    const { events } = decodeAll([concat(...payloads.map((p) => frame(bytes(p))))]);
    expect(plain(events)).toEqual(payloads.map((text) => ({ type: 'frame', text })));
  });

  it('reports junk before and between frames, and junk left at the end of the stream', () => {
    const stream = bytes(`xx${VT}one${FS}${CR}GARBAGE${FS}${CR}${VT}two${FS}${CR}tail`);
    const { events, state } = decodeAll([stream]);
    expect(plain(events)).toEqual([
      { type: 'discard', text: 'xx', size: 2, reason: 'junk_before_start' },
      { type: 'frame', text: 'one' },
      { type: 'discard', text: `GARBAGE${FS}${CR}`, size: 9, reason: 'junk_before_start' },
      { type: 'frame', text: 'two' },
    ]);
    expect(plain(endOfStream(state, 'closed_mid_frame'))).toEqual([{ type: 'discard', text: 'tail', size: 4, reason: 'junk_before_start' }]);
  });

  it('ignores whitespace between frames (senders often add CR LF after the end marker)', () => {
    const stream = bytes(`${VT}one${FS}${CR}\r\n${VT}two${FS}${CR}\n`);
    const { events, state } = decodeAll(splitEvery(stream, 3));
    expect(plain(events)).toEqual([{ type: 'frame', text: 'one' }, { type: 'frame', text: 'two' }]);
    expect(endOfStream(state, 'closed_mid_frame')).toEqual([]);
  });

  it('keeps a 0x1C not followed by 0x0D as data and goes on scanning', () => {
    const text = `a${FS}b${FS}${FS}c${FS}`;
    const stream = bytes(`${VT}${text}${FS}${CR}`);
    for (let size = 1; size <= stream.length; size++) {
      expect(plain(decodeAll(splitEvery(stream, size)).events), `reads of ${size}`).toEqual([{ type: 'frame', text }]);
    }
  });

  it('decides a 0x1C at the end of a read by the first byte of the next', () => {
    expect(plain(decodeAll([bytes(`${VT}ab${FS}`), bytes(`${CR}`)]).events)).toEqual([{ type: 'frame', text: 'ab' }]);
    expect(plain(decodeAll([bytes(`${VT}ab${FS}`), bytes(`x${FS}${CR}`)]).events)).toEqual([{ type: 'frame', text: `ab${FS}x` }]);
    expect(plain(decodeAll([bytes(`${VT}ab${FS}`), bytes(`${FS}`), bytes(`${CR}`)]).events)).toEqual([{ type: 'frame', text: `ab${FS}` }]);
  });

  it('treats 0x0B inside a frame as data (the HL7 layer rejects it visibly)', () => {
    expect(plain(decodeAll([bytes(`${VT}ab${VT}cd${FS}${CR}`)]).events)).toEqual([{ type: 'frame', text: `ab${VT}cd` }]);
  });

  it('yields an empty frame', () => {
    expect(plain(decodeAll([bytes(`${VT}${FS}${CR}`)]).events)).toEqual([{ type: 'frame', text: '' }]);
  });

  it('accepts a frame of exactly the maximum size and reports one byte more as oversize, with its prefix', () => {
    const options = { maxFrameBytes: 10, oversizePrefixBytes: 4 };
    expect(plain(decodeAll([bytes(`${VT}0123456789${FS}${CR}`)], options).events)).toEqual([{ type: 'frame', text: '0123456789' }]);
    const { events, state } = decodeAll([bytes(`${VT}0123456789A${FS}${CR}${VT}next${FS}${CR}`)], options);
    expect(plain(events)).toEqual([
      { type: 'oversize', text: '0123', size: 11 },
      { type: 'frame', text: 'next' },
    ]);
    expect(isBetweenFrames(state)).toBe(true);
  });

  it('skips an oversize frame without buffering it, whatever the reads', () => {
    const options = { maxFrameBytes: 1000, oversizePrefixBytes: 100 };
    const big = new Uint8Array(300_000).fill(0x41);
    big[150_000] = 0x1c; // a stray FS inside the skipped part
    const stream = concat(bytes(`${VT}MSH|^~\\&|`), big, bytes(`${FS}${CR}`), frame(bytes('after'))); // by hand: frame() refuses the stray FS
    for (const size of [1, 7, 4096, 65536]) {
      let state = initialDecoderState(options);
      const events: MllpDecodeEvent[] = [];
      let maxRetained = 0;
      const chunks = size === 1 ? splitEvery(stream.subarray(0, 5000), 1).concat([stream.subarray(5000)]) : splitEvery(stream, size);
      for (const chunk of chunks) {
        const r = decodeChunk(state, chunk);
        state = r.state;
        events.push(...r.events);
        maxRetained = Math.max(maxRetained, retainedBytes(state));
      }
      expect(maxRetained, `reads of ${size}`).toBeLessThanOrEqual(1000);
      expect(plain(events)).toEqual([
        { type: 'oversize', text: `MSH|^~\\&|${'A'.repeat(91)}`, size: 300_009 },
        { type: 'frame', text: 'after' },
      ]);
    }
  });

  it('reports junk in bounded pieces', () => {
    const { events } = decodeAll([bytes('z'.repeat(25)), bytes(`${VT}x${FS}${CR}`)], { maxJunkBytes: 10 });
    expect(plain(events)).toEqual([
      { type: 'discard', text: 'z'.repeat(10), size: 10, reason: 'junk_before_start' },
      { type: 'discard', text: 'z'.repeat(10), size: 10, reason: 'junk_before_start' },
      { type: 'discard', text: 'z'.repeat(5), size: 5, reason: 'junk_before_start' },
      { type: 'frame', text: 'x' },
    ]);
  });

  it('validates its options', () => {
    expect(() => initialDecoderState({ maxFrameBytes: 0 })).toThrow(/maxFrameBytes/);
    expect(() => initialDecoderState({ oversizePrefixBytes: 1.5 })).toThrow(/oversizePrefixBytes/);
  });
});

describe('endOfStream', () => {
  it('reports a partial frame with the reason given, a pending 0x1C included', () => {
    const { state } = decodeAll([bytes(`${VT}MSH|partial${FS}`)]);
    expect(plain(endOfStream(state, 'closed_mid_frame'))).toEqual([
      { type: 'discard', text: `MSH|partial${FS}`, size: 12, reason: 'closed_mid_frame' },
    ]);
    expect(plain(endOfStream(state, 'idle_timeout_mid_frame'))[0]?.reason).toBe('idle_timeout_mid_frame');
  });

  it('reports only the prefix of a partial oversize frame, and its size so far', () => {
    const { state } = decodeAll([bytes(`${VT}${'B'.repeat(50)}`)], { maxFrameBytes: 20, oversizePrefixBytes: 5 });
    expect(plain(endOfStream(state, 'closed_mid_frame'))).toEqual([{ type: 'discard', text: 'BBBBB', size: 50, reason: 'closed_mid_frame' }]);
  });

  it('reports nothing between frames', () => {
    expect(endOfStream(initialDecoderState(), 'closed_mid_frame')).toEqual([]);
  });
});

describe('random streams, random reads (seeded)', () => {
  const FS_BYTE = 0x1c;
  const CR_BYTE = 0x0d;

  /** Payload bytes: mostly text, with CR, stray FS, VT and any byte mixed in, never the end marker FS CR. */
  function randomPayload(random: () => number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const r = random();
      let b = r < 0.7 ? randomInt(random, 0x20, 0x7e) : r < 0.8 ? CR_BYTE : r < 0.85 ? FS_BYTE : r < 0.87 ? 0x0b : randomInt(random, 0, 255);
      if (b === CR_BYTE && i > 0 && out[i - 1] === FS_BYTE) b = 0x41;
      out[i] = b;
    }
    return out;
  }

  /** Junk between frames: never a start block; sometimes whitespace only (which is not reported). */
  function randomJunk(random: () => number): Uint8Array {
    const r = random();
    if (r < 0.6) return new Uint8Array(0);
    if (r < 0.75) return bytes(['\r\n', '\n', ' \r'][randomInt(random, 0, 2)]!);
    const out = new Uint8Array(randomInt(random, 1, 40));
    for (let i = 0; i < out.length; i++) {
      let b = randomInt(random, 0, 255);
      if (b === 0x0b) b = 0x1c;
      out[i] = b;
    }
    if (out.every((b) => [0x0d, 0x0a, 0x20, 0x09, 0x00].includes(b))) out[0] = 0x5a;
    return out;
  }

  function randomReads(random: () => number, stream: Uint8Array): Uint8Array[] {
    const reads: Uint8Array[] = [];
    let pos = 0;
    while (pos < stream.length) {
      const r = random();
      const size = r < 0.3 ? randomInt(random, 1, 3) : r < 0.8 ? randomInt(random, 1, 200) : randomInt(random, 200, 5000);
      reads.push(stream.slice(pos, pos + size)); // a copy: each read is its own buffer, as from a socket
      pos += size;
    }
    return reads;
  }

  it('decodes 400 random streams exactly, whatever the split', () => {
    const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
    for (let seed = 1; seed <= 400; seed++) {
      const random = seededRandom(seed);
      const maxFrameBytes = randomInt(random, 50, 3000);
      const oversizePrefixBytes = randomInt(random, 1, 60);
      const parts: Uint8Array[] = [];
      const expected: Plain[] = [];
      const frames = randomInt(random, 0, 25);
      for (let i = 0; i < frames; i++) {
        const junk = randomJunk(random);
        parts.push(junk);
        const isJunkReported = junk.length > 0 && !junk.every((b) => [0x0d, 0x0a, 0x20, 0x09, 0x00].includes(b));
        if (isJunkReported) expected.push({ type: 'discard', text: latin1(junk), size: junk.length, reason: 'junk_before_start' });
        const length = random() < 0.1 ? randomInt(random, maxFrameBytes + 1, maxFrameBytes * 3) : randomInt(random, 0, maxFrameBytes);
        const payload = randomPayload(random, length);
        parts.push(Uint8Array.of(0x0b), payload, Uint8Array.of(FS_BYTE, CR_BYTE));
        expected.push(
          length > maxFrameBytes
            ? { type: 'oversize', text: latin1(payload.subarray(0, oversizePrefixBytes)), size: length }
            : { type: 'frame', text: latin1(payload) },
        );
      }
      const stream = concat(...parts);
      const { events, state } = decodeAll(randomReads(random, stream), { maxFrameBytes, oversizePrefixBytes });
      expect(plain(events), `seed ${seed}`).toEqual(expected);
      expect(isBetweenFrames(state), `seed ${seed}`).toBe(true);
    }
  });
});
