import type { Hl7Segment } from '../message.ts';
import type { Reader } from './reader.ts';

/**
 * A PL field (PV1-3, PV1-6) as a place in the facility: point of care, room, bed, facility (HD's first component),
 * building, floor. Never an address: the other components are not read.
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
