import type { Hl7Segment } from '../message.ts';
import type { Reader } from './reader.ts';

/**
 * A PL field (PV1-3, PV1-6, RXA-27, …) as a place in the facility: point of care, room, bed, facility (HD's first
 * component), building, floor. Never an address: the other components are not read. The LA1 and LA2 fields of
 * v2.5 (RXD-13, RXA-11, …) begin with the same eight components and go on with an address, so they are read the
 * same way and their address is left behind too (a mail-order dispense's destination is the patient's home).
 */
export function careLocation(r: Reader, seg: Hl7Segment | undefined, field: number): Record<string, string> | undefined {
  if (!seg) return undefined;
  const location: Record<string, string> = {};
  const parts: [string, number][] = [
    ['point_of_care', 1],
    ['room', 2],
    ['bed', 3],
    ['facility', 4],
    ['building', 7],
    ['floor', 8],
  ];
  for (const [name, component] of parts) {
    const value = r.val(seg, field, component);
    if (value) location[name] = value;
  }
  return Object.keys(location).length > 0 ? location : undefined;
}

/**
 * The place in the first of `fields` that names one: a segment's PL field of v2.5.1+ first, then the LA1/LA2 field
 * it replaced (withdrawn from v2.7 on), which senders of older versions still fill.
 */
export function firstCareLocation(r: Reader, seg: Hl7Segment | undefined, fields: readonly number[]): Record<string, string> | undefined {
  for (const field of fields) {
    const location = careLocation(r, seg, field);
    if (location) return location;
  }
  return undefined;
}
