/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol): every message travels as
 *   <VT 0x0B> payload <FS 0x1C><CR 0x0D>
 *
 * The decoder is a pure state machine: `decodeChunk(state, chunk)` returns the next state and the events the chunk
 * completed, and never touches a socket, a clock or a logger. That lets the listener and the client share it and
 * lets tests replay any split of a byte stream.
 *
 * Rules, and why:
 * - Only 0x1C immediately followed by 0x0D ends a frame. A 0x1C followed by anything else is data: senders that
 *   put a stray FS in a field must not have their message cut in two. The pair may be split across reads.
 * - 0x0B inside a frame is data too. Treating it as a restart would silently drop the bytes before it; keeping it
 *   hands the payload to the HL7 layer, which rejects it with an AR the sender can see.
 * - Bytes between frames are junk: they are reported (for quarantine), except runs made only of whitespace
 *   (CR/LF/space/tab/NUL), which many senders put after 0x1C 0x0D and which carry nothing worth keeping.
 * - A frame larger than `maxFrameBytes` is not buffered: the decoder keeps its first `oversizePrefixBytes` (enough
 *   to read MSH so that an AR can quote MSA-2), skips the rest while scanning for the end marker, and reports its
 *   size. Memory per connection stays bounded by `maxFrameBytes` + one read.
 */
import type { MllpDiscardReason } from './handler.ts';

export type { MllpDiscardReason };

export const START_BLOCK = 0x0b;
export const END_BLOCK = 0x1c;
export const CARRIAGE_RETURN = 0x0d;

export const DEFAULT_MAX_FRAME_BYTES = 10 * 1024 * 1024;
export const DEFAULT_OVERSIZE_PREFIX_BYTES = 4096;
export const DEFAULT_MAX_JUNK_BYTES = 64 * 1024;

export interface MllpDecoderOptions {
  /** largest payload accepted (bytes between 0x0B and 0x1C 0x0D) */
  readonly maxFrameBytes: number;
  /** how much of an oversize frame is kept for the answer */
  readonly oversizePrefixBytes: number;
  /** junk is reported in pieces of at most this size, so a stream of junk cannot grow memory */
  readonly maxJunkBytes: number;
}


export type MllpDecodeEvent =
  | { readonly type: 'frame'; readonly payload: Uint8Array }
  | { readonly type: 'oversize'; readonly prefix: Uint8Array; readonly size: number }
  /** `bytes` is what was kept (all junk; the partial payload, or the prefix of an oversize one); `size` what was seen */
  | { readonly type: 'discard'; readonly reason: MllpDiscardReason; readonly bytes: Uint8Array; readonly size: number };

/** Received pieces, newest first: appending is O(1) and the state stays immutable. */
type Pieces = { readonly bytes: Uint8Array; readonly older: Pieces } | null;

export type MllpDecoderState =
  | { readonly mode: 'between_frames'; readonly options: MllpDecoderOptions; readonly junk: Pieces; readonly junkSize: number }
  | {
      readonly mode: 'in_frame';
      readonly options: MllpDecoderOptions;
      readonly pieces: Pieces;
      readonly size: number;
      /** the previous chunk ended with 0x1C: the next byte decides whether it was the end marker */
      readonly endBlockPending: boolean;
    }
  | {
      readonly mode: 'skipping_oversize';
      readonly options: MllpDecoderOptions;
      readonly prefix: Uint8Array;
      readonly size: number;
      readonly endBlockPending: boolean;
    };

export interface DecodeResult {
  readonly state: MllpDecoderState;
  readonly events: MllpDecodeEvent[];
}

export function decoderOptions(partial: Partial<MllpDecoderOptions> = {}): MllpDecoderOptions {
  const options = {
    maxFrameBytes: partial.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    oversizePrefixBytes: partial.oversizePrefixBytes ?? DEFAULT_OVERSIZE_PREFIX_BYTES,
    maxJunkBytes: partial.maxJunkBytes ?? DEFAULT_MAX_JUNK_BYTES,
  };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`MLLP decoder option ${name} must be a positive integer, got ${value}`);
  }
  return options;
}

export function initialDecoderState(options: Partial<MllpDecoderOptions> = {}): MllpDecoderState {
  return betweenFrames(decoderOptions(options));
}

/** True when nothing of a frame has been received: the stream sits between frames. */
export function isBetweenFrames(state: MllpDecoderState): boolean {
  return state.mode === 'between_frames';
}

/** Bytes the decoder keeps in memory: junk not yet reported, a partial frame, or an oversize frame's prefix. */
export function heldBytes(state: MllpDecoderState): number {
  if (state.mode === 'between_frames') return state.junkSize;
  return state.mode === 'in_frame' ? state.size : state.prefix.length;
}

/** Feeds one read. The chunk is not copied: payloads may share its memory (callers must not reuse the buffer). */
export function decodeChunk(state: MllpDecoderState, chunk: Uint8Array): DecodeResult {
  const events: MllpDecodeEvent[] = [];
  let current = state;
  let pos = 0;
  while (pos < chunk.length) {
    if (current.mode === 'between_frames') {
      const start = chunk.indexOf(START_BLOCK, pos);
      const junkEnd = start === -1 ? chunk.length : start;
      if (junkEnd > pos) current = addJunk(current, chunk.subarray(pos, junkEnd), events);
      if (start === -1) break;
      flushJunk(current, events);
      current = { mode: 'in_frame', options: current.options, pieces: null, size: 0, endBlockPending: false };
      pos = start + 1;
      continue;
    }
    if (current.endBlockPending) {
      if (chunk[pos] === CARRIAGE_RETURN) {
        events.push(completeFrame(current));
        current = betweenFrames(current.options);
        pos += 1;
        continue;
      }
      // the 0x1C that ended the previous chunk was data after all
      current = appendData({ ...current, endBlockPending: false }, Uint8Array.of(END_BLOCK));
    }
    const scan = findEndMarker(chunk, pos);
    current = appendData(current, chunk.subarray(pos, scan.dataEnd));
    if (scan.kind === 'none') break;
    if (scan.kind === 'pending') {
      current = { ...current, endBlockPending: true };
      break;
    }
    events.push(completeFrame(current));
    current = betweenFrames(current.options);
    pos = scan.dataEnd + 2;
  }
  return { state: current, events };
}

/**
 * The stream ended (closed, or given up on after an idle timeout): whatever was pending is reported as a discard,
 * junk as junk and a partial frame with the given reason.
 */
export function endOfStream(state: MllpDecoderState, reason: Exclude<MllpDiscardReason, 'junk_before_start'>): MllpDecodeEvent[] {
  const events: MllpDecodeEvent[] = [];
  if (state.mode === 'between_frames') {
    flushJunk(state, events);
  } else if (state.mode === 'in_frame') {
    const data = state.endBlockPending ? prepend(state.pieces, Uint8Array.of(END_BLOCK)) : state.pieces;
    const size = state.size + (state.endBlockPending ? 1 : 0);
    events.push({ type: 'discard', reason, bytes: concatPieces(data, size), size });
  } else {
    events.push({ type: 'discard', reason, bytes: state.prefix, size: state.size + (state.endBlockPending ? 1 : 0) });
  }
  return events;
}

export class MllpEncodeError extends Error {
  constructor(
    readonly byte: number,
    readonly offset: number,
  ) {
    super(`payload cannot be framed: byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset} is reserved by MLLP`);
    this.name = 'MllpEncodeError';
  }
}

/**
 * Wraps a payload in 0x0B … 0x1C 0x0D. Payloads holding 0x0B or 0x1C are refused: HL7 forbids them in message
 * text, and peers disagree on what they mean (node-hl7-client ends a frame at any 0x1C once it has seen a CR).
 */
export function frame(payload: Uint8Array): Uint8Array {
  for (const reserved of [START_BLOCK, END_BLOCK]) {
    const at = payload.indexOf(reserved);
    if (at !== -1) throw new MllpEncodeError(reserved, at);
  }
  const out = new Uint8Array(payload.length + 3);
  out[0] = START_BLOCK;
  out.set(payload, 1);
  out[payload.length + 1] = END_BLOCK;
  out[payload.length + 2] = CARRIAGE_RETURN;
  return out;
}

// ---- internals ----

type EndScan = { kind: 'found' | 'pending' | 'none'; dataEnd: number };

/** Finds the first 0x1C 0x0D from `from`; a 0x1C as the last byte is 'pending' (the CR may come in the next read). */
function findEndMarker(chunk: Uint8Array, from: number): EndScan {
  let search = from;
  for (;;) {
    const at = chunk.indexOf(END_BLOCK, search);
    if (at === -1) return { kind: 'none', dataEnd: chunk.length };
    if (at === chunk.length - 1) return { kind: 'pending', dataEnd: at };
    if (chunk[at + 1] === CARRIAGE_RETURN) return { kind: 'found', dataEnd: at };
    search = at + 1;
  }
}

type FrameState = Exclude<MllpDecoderState, { mode: 'between_frames' }>;

function appendData(state: FrameState, data: Uint8Array): FrameState {
  if (data.length === 0) return state;
  const size = state.size + data.length;
  if (state.mode === 'skipping_oversize') return { ...state, size };
  if (size <= state.options.maxFrameBytes) return { ...state, pieces: prepend(state.pieces, data), size };
  // Over the limit: keep only the prefix (copied, so the large reads it came from can be freed) and skip the rest.
  const keep = Math.min(state.options.oversizePrefixBytes, size);
  const prefix = concatPieces(prepend(state.pieces, data), size).slice(0, keep);
  return { mode: 'skipping_oversize', options: state.options, prefix, size, endBlockPending: state.endBlockPending };
}

function completeFrame(state: FrameState): MllpDecodeEvent {
  if (state.mode === 'skipping_oversize') return { type: 'oversize', prefix: state.prefix, size: state.size };
  return { type: 'frame', payload: concatPieces(state.pieces, state.size) };
}

type BetweenFrames = Extract<MllpDecoderState, { mode: 'between_frames' }>;

function betweenFrames(options: MllpDecoderOptions): BetweenFrames {
  return { mode: 'between_frames', options, junk: null, junkSize: 0 };
}

function addJunk(state: BetweenFrames, junk: Uint8Array, events: MllpDecodeEvent[]): BetweenFrames {
  let current = state;
  let rest = junk;
  while (rest.length > 0) {
    const room = current.options.maxJunkBytes - current.junkSize;
    const piece = rest.subarray(0, room);
    rest = rest.subarray(piece.length);
    current = { ...current, junk: prepend(current.junk, piece), junkSize: current.junkSize + piece.length };
    if (current.junkSize >= current.options.maxJunkBytes) {
      flushJunk(current, events);
      current = betweenFrames(current.options);
    }
  }
  return current;
}

function flushJunk(state: BetweenFrames, events: MllpDecodeEvent[]): void {
  if (state.junkSize === 0) return;
  const bytes = concatPieces(state.junk, state.junkSize);
  if (bytes.every(isWhitespace)) return;
  events.push({ type: 'discard', reason: 'junk_before_start', bytes, size: bytes.length });
}

function isWhitespace(byte: number): boolean {
  return byte === 0x0d || byte === 0x0a || byte === 0x20 || byte === 0x09 || byte === 0x00;
}

function prepend(pieces: Pieces, bytes: Uint8Array): Pieces {
  return { bytes, older: pieces };
}

function concatPieces(pieces: Pieces, size: number): Uint8Array {
  if (pieces === null) return new Uint8Array(0);
  if (pieces.older === null && pieces.bytes.length === size) return pieces.bytes; // one read held the whole frame
  const out = new Uint8Array(size);
  let end = size;
  for (let p: Pieces = pieces; p !== null; p = p.older) {
    end -= p.bytes.length;
    out.set(p.bytes, end);
  }
  return out;
}
