import type { Hl7Message } from '../message.ts';
import { piece, pieceCount } from '../pieces.ts';

/** Test support: one addressable value of a message, with its raw and decoded text. */
export interface Leaf {
  readonly segment: string;
  readonly segmentIndex: number;
  readonly field: number;
  /** 0-based */
  readonly repetition: number;
  readonly component: number;
  readonly subcomponent: number;
  readonly raw: string;
  readonly value: string;
}

const HEADERS = new Set(['MSH', 'FHS', 'BHS']);

/** Every non-empty leaf of every segment, in document order (MSH-1 and MSH-2 as single leaves). */
export function leavesOf(message: Hl7Message): Leaf[] {
  const { repetition: rs, component: cs, subcomponent: ss } = message.delimiters;
  const leaves: Leaf[] = [];
  for (const segment of message.segments) {
    for (let field = 1; field <= segment.fieldCount(); field++) {
      const text = segment.rawField(field);
      if (text === '') continue;
      const base = { segment: segment.name, segmentIndex: segment.index, field };
      if (HEADERS.has(segment.name) && field <= 2) {
        leaves.push({ ...base, repetition: 0, component: 1, subcomponent: 1, raw: text, value: segment.get(field) });
        continue;
      }
      for (let repetition = 0; repetition < pieceCount(text, rs); repetition++) {
        const repetitionText = piece(text, rs, repetition);
        for (let component = 1; component <= pieceCount(repetitionText, cs); component++) {
          const componentText = piece(repetitionText, cs, component - 1);
          for (let subcomponent = 1; subcomponent <= pieceCount(componentText, ss); subcomponent++) {
            const raw = piece(componentText, ss, subcomponent - 1);
            if (raw === '') continue;
            leaves.push({ ...base, repetition, component, subcomponent, raw, value: segment.get(field, component, subcomponent, repetition) });
          }
        }
      }
    }
  }
  return leaves;
}
