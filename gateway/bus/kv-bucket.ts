import type { KV } from '@nats-io/kv';
import type { Bus } from './connection.ts';

/** JetStream's default duplicate window, which it lowers to a stream's max age when that is shorter. */
const DEFAULT_DUPLICATE_WINDOW_NS = 120_000 * 1_000_000;

/**
 * Opens a KV bucket with this TTL (0 or absent: none) and history, creating it the first time — and, unlike the
 * client's own create, bringing an existing bucket to them: a bucket keeps the settings it was made with, so a
 * changed LEASE_TTL_MS (leases lapsing before their renewal), HL7_DEDUPE_WINDOW_S or EVENTS_MAX_AGE_DAYS would
 * otherwise be ignored without a word. Every instance of a deployment must run with the same settings.
 */
export async function openBucket(bus: Bus, name: string, settings: { ttlMs?: number | undefined; history: number }): Promise<KV> {
  const ttlMs = settings.ttlMs ?? 0;
  const kv = await bus.kvm.create(name, { history: settings.history, ...(ttlMs > 0 ? { ttl: ttlMs } : {}) });
  const stream = `KV_${name}`;
  const { config } = await bus.jsm.streams.info(stream);
  const maxAge = ttlMs > 0 ? ttlMs * 1_000_000 : 0;
  if ((config.max_age ?? 0) !== maxAge || config.max_msgs_per_subject !== settings.history) {
    await bus.jsm.streams.update(stream, {
      ...config,
      max_age: maxAge,
      max_msgs_per_subject: settings.history,
      // The server refuses a duplicate window longer than the max age.
      duplicate_window: maxAge > 0 ? Math.min(maxAge, DEFAULT_DUPLICATE_WINDOW_NS) : DEFAULT_DUPLICATE_WINDOW_NS,
    });
  }
  return kv;
}
