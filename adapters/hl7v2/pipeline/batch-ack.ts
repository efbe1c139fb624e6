import { formatHl7Timestamp } from '../ack.ts';
import { encodingCharacters } from '../delimiters.ts';
import type { Hl7Batch } from '../parse.ts';

/** Whether a frame holds a batch: its first segment (after a BOM and blank lines) is FHS or BHS. */
export function isBatch(payload: Uint8Array): boolean {
  let i = 0;
  if (payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf) i = 3;
  while (i < payload.length && (payload[i] === 0x0d || payload[i] === 0x0a || payload[i] === 0x20)) i++;
  const head = String.fromCharCode(payload[i] ?? 0, payload[i + 1] ?? 0, payload[i + 2] ?? 0);
  return head === 'FHS' || head === 'BHS';
}

/**
 * The answer to a batch: the same envelope turned round (sender and receiver swapped, the original control id in
 * FHS-12/BHS-12 "reference"), with the ACK of every message inside and the counts in BTS-1/FTS-1.
 * `acks` are complete ACK messages (segments separated by CR) in the batch's delimiters.
 */
export function batchAck(batch: Hl7Batch, acks: string[], o: { controlId: string; timestamp: Date }): string {
  const d = batch.delimiters;
  const f = d.field;
  const enc = encodingCharacters(d);
  const ts = formatHl7Timestamp(o.timestamp);
  const header = (name: 'FHS' | 'BHS', original: { rawField(n: number): string } | undefined) => {
    const get = (n: number) => original?.rawField(n) ?? '';
    // FHS/BHS-3..6: sending app, sending facility, receiving app, receiving facility; -7 time; -11 control id; -12 reference.
    return [name, enc, get(5), get(6), get(3), get(4), ts, '', '', '', `${o.controlId}`, get(11)].join(f);
  };
  const lines: string[] = [];
  if (batch.fileHeader) lines.push(header('FHS', batch.fileHeader));
  lines.push(header('BHS', batch.batches[0]?.header ?? batch.fileHeader));
  for (const ack of acks) lines.push(...ack.split('\r').filter((l) => l.length > 0));
  lines.push(['BTS', String(acks.length)].join(f));
  if (batch.fileHeader) lines.push(['FTS', '1'].join(f));
  return `${lines.join('\r')}\r`;
}
