import { Hl7Message as MedplumMessage } from '@medplum/core';
import { Message as Hl7ClientMessage } from 'node-hl7-client';

/**
 * Test support: two independent HL7 v2 parsers read the same text, and every non-empty leaf they see is listed
 * as "segment#index-field(repetition).component.subcomponent" → value, numbered as the standard numbers MSH.
 * node-hl7-client decodes escapes; @medplum/core 4.5 does not (its values are the raw text).
 */
export type LeafMap = Map<string, string>;

export function leafKey(segmentIndex: number, segment: string, field: number, repetition: number, component: number, subcomponent: number): string {
  return `${segment}#${segmentIndex}-${field}(${repetition}).${component}.${subcomponent}`;
}

interface Hl7ClientNode {
  readonly length: number;
  get(index: number): Hl7ClientNode;
  toString(): string;
  toRaw(): string;
}

/** node-hl7-client 3.2: message → segments → fields → repetitions → components → subcomponents. */
export function hl7ClientLeaves(text: string): LeafMap {
  const leaves: LeafMap = new Map();
  const message = new Hl7ClientMessage({ text }) as unknown as Hl7ClientNode;
  for (let s = 0; s < message.length; s++) {
    const segment = message.get(s);
    const name = segment.get(0).toRaw();
    const isHeader = name === 'MSH' || name === 'BHS' || name === 'FHS';
    for (let child = 1; child < segment.length; child++) {
      const field = isHeader ? child + 1 : child;
      const fieldNode = segment.get(child);
      if (isHeader && field === 2) {
        if (fieldNode.toRaw() !== '') leaves.set(leafKey(s + 1, name, 2, 0, 1, 1), fieldNode.toRaw());
        continue;
      }
      for (let r = 0; r < fieldNode.length; r++) {
        const repetition = fieldNode.get(r);
        for (let c = 0; c < repetition.length; c++) {
          const component = repetition.get(c);
          for (let sub = 0; sub < component.length; sub++) {
            const node = component.get(sub);
            if (node.toRaw() === '') continue;
            leaves.set(leafKey(s + 1, name, field, r, c + 1, sub + 1), node.toString());
          }
        }
      }
    }
  }
  return leaves;
}

/** @medplum/core 4.5 Hl7Message: raw (undecoded) leaves. */
export function medplumLeaves(text: string): LeafMap {
  const leaves: LeafMap = new Map();
  const message = MedplumMessage.parse(text);
  message.segments.forEach((segment, s) => {
    const isHeader = segment.name === 'MSH';
    segment.fields.forEach((fieldObject, index) => {
      if (index === 0) return;
      const field = isHeader ? index + 1 : index;
      if (isHeader && field === 2) {
        if (fieldObject.toString() !== '') leaves.set(leafKey(s + 1, segment.name, 2, 0, 1, 1), fieldObject.toString());
        return;
      }
      fieldObject.components.forEach((components, r) => {
        components.forEach((componentText, c) => {
          componentText.split(message.context.subcomponentSeparator).forEach((value, sub) => {
            if (value !== '') leaves.set(leafKey(s + 1, segment.name, field, r, c + 1, sub + 1), value);
          });
        });
      });
    });
  });
  return leaves;
}
