import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past its live size before the next full garbage collection
 * (`--heap-growing-percent`; 0 leaves the factor to V8's own heuristics).
 *
 * Why the gateway sets it: the HL7 pipeline promotes a few KB of short-lived objects per message into the old
 * generation, and V8's own factor (about 1.7× the ~35 MB live heap, measured) then starts a full collection every
 * 2–3 s at 1,000 msg/s. Each one's concurrent marking takes CPU from PostgreSQL and nats-server on the same cores and
 * held back 30–50 acknowledgements, most of a paced run's slowest percent. At 400 (5× the live heap, ~170 MB) a
 * 20,000-message run saw 0–1 full collections instead of 6–8 and its p99 fell by about a third (README, Performance).
 * The flag is read each time V8 sets a new limit, so setting it after start takes effect from the next collection.
 */
export function setHeapGrowingPercent(percent: number): void {
  setFlagsFromString(`${HEAP_GROWING_FLAG}=${percent}`);
}

export const HEAP_GROWING_FLAG = '--heap-growing-percent';
