import { minimalAckHandler } from '../../adapters/hl7v2/mllp/testkit/minimal-ack.ts';
import type { MllpBenchHandler } from './handler-module.ts';

/**
 * The transport's own ceiling: MSH-10 read by splitting the first segment on the field separator, a hand-built AA,
 * no parsing, no durability. Labelled so that no one mistakes its figures for the gateway's.
 */
export async function createMllpBenchHandler(): Promise<MllpBenchHandler> {
  return { label: 'rxgate-transport-only', handler: minimalAckHandler() };
}
