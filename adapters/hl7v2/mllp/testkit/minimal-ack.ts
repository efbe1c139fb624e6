import type { MllpConnectionInfo, MllpDiscardReason, MllpHandler } from '../handler.ts';

/**
 * A deliberately tiny stand-in for the HL7 layer, for transport tests and the transport-only benchmark: it reads
 * MSH-10 by splitting the first segment on the field separator and answers with a hand-built ACK. It is not the
 * project's parser (adapters/hl7v2/parse.ts) and must not be used as one.
 */

/** MSH-3/4 (sender), MSH-10 (control id) and the encoding characters of a payload, or undefined if there is no MSH. */
export function readHeader(payload: Uint8Array): { fieldSeparator: string; encoding: string; msh3: string; msh4: string; controlId: string } | undefined {
  const text = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.length, 4096)).toString('latin1');
  const start = text.indexOf('MSH');
  if (start === -1 || text.length < start + 4) return undefined;
  const end = text.slice(start).search(/[\r\n]/);
  const segment = end === -1 ? text.slice(start) : text.slice(start, start + end);
  const fieldSeparator = segment[3]!;
  // MSH-1 is the separator itself, so MSH-n is element n-1 of the split
  const fields = segment.split(fieldSeparator);
  return { fieldSeparator, encoding: fields[1] ?? '^~\\&', msh3: fields[2] ?? '', msh4: fields[3] ?? '', controlId: fields[9] ?? '' };
}

export function controlIdOf(payload: Uint8Array): string | undefined {
  return readHeader(payload)?.controlId;
}

/** MSA-2 of an ACK payload. */
export function acknowledgedIdOf(answer: Uint8Array): { code: string; controlId: string } | undefined {
  const text = Buffer.from(answer).toString('latin1');
  const at = text.search(/(^|[\r\n])MSA/);
  if (at === -1) return undefined;
  const msa = text.slice(text.indexOf('MSA', at)).split(/[\r\n]/)[0]!;
  const fields = msa.split(msa[3] ?? '|');
  return { code: fields[1] ?? '', controlId: fields[2] ?? '' };
}

/** An original-mode ACK built by hand, mirroring sender and receiver, MSA-2 = the message's MSH-10. */
export function minimalAck(payload: Uint8Array, code: 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR', now: Date = new Date()): Uint8Array {
  const header = readHeader(payload) ?? { fieldSeparator: '|', encoding: '^~\\&', msh3: '', msh4: '', controlId: '' };
  const f = header.fieldSeparator;
  const timestamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const text =
    ['MSH', header.encoding, 'RXGATE', 'RXGATE', header.msh3, header.msh4, timestamp, '', 'ACK', `A${header.controlId}`, 'P', '2.5'].join(f) +
    '\r' +
    ['MSA', code, header.controlId].join(f) +
    '\r';
  return Buffer.from(text, 'latin1');
}

export interface RecordedCall {
  readonly kind: 'message' | 'oversize' | 'discard';
  readonly conn: MllpConnectionInfo;
  readonly bytes: Uint8Array;
  readonly size?: number;
  readonly reason?: MllpDiscardReason;
}

/** The transport-only handler: AA for every message, AR quoting MSA-2 for an oversize one; keeps nothing. */
export function minimalAckHandler(): MllpHandler {
  return {
    onMessage: async (payload) => minimalAck(payload, 'AA'),
    onOversize: async (prefix) => minimalAck(prefix, 'AR'),
    onDiscard: () => undefined,
  };
}

/**
 * The same answers, for tests: `calls` records what the transport handed over and `delay` can hold a frame in
 * flight.
 */
export function transportOnlyHandler(options: { delay?: (payload: Uint8Array) => Promise<void> } = {}): MllpHandler & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    calls,
    async onMessage(payload, conn) {
      calls.push({ kind: 'message', conn, bytes: payload });
      if (options.delay) await options.delay(payload);
      return minimalAck(payload, 'AA');
    },
    async onOversize(prefix, conn, size) {
      calls.push({ kind: 'oversize', conn, bytes: prefix, size });
      return minimalAck(prefix, 'AR');
    },
    onDiscard(bytes, conn, reason, size) {
      calls.push({ kind: 'discard', conn, bytes, reason, size });
    },
  };
}
