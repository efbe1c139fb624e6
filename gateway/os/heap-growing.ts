import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past its live size before the next full garbage collection
 * (`--heap-growing-percent`; 0 leaves the factor to V8's own heuristics).
 *
 * Why the gateway sets it: the HL7 pipeline promotes a few KB of short-lived objects per message into the old
 * generation, and V8's own factor (about 1.7× the ~35 MB live heap, measured) then starts a full collection every
 * 2–3 s at 1,000 msg/s. Each one's concurrent marking takes CPU from PostgreSQL and nats-server on the same cores and
 * held answers back for 20–60 ms: most of a paced run's slowest percent. At 400 (5× the live heap) a
 * 20,000-message run saw one full collection instead of 4–9 and its p99 fell by a third to a half (README, Performance).
 * The flag is read each time V8 sets a new limit, so setting it after start takes effect from the next collection.
 */
export function setHeapGrowingPercent(percent: number): void {
  setFlagsFromString(`${HEAP_GROWING_FLAG}=${percent}`);
}

export const HEAP_GROWING_FLAG = '--heap-growing-percent';
