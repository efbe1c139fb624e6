import type { KV, KvEntry } from '@nats-io/kv';
import type { Bus } from './connection.ts';
import { BusDisconnectedError } from './jetstream-publisher.ts';

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

/**
 * A bucket of records written beside a message's path (the answer to an HL7 message, the outcome of a delivery) and
 * read when somebody asks: a write never waits for JetStream, a read never waits out a timeout while the connection
 * to NATS is being re-established.
 */
export class RecordBucket {
  private constructor(
    private readonly bus: Bus,
    private readonly name: string,
    private readonly kv: KV,
  ) {}

  static async open(bus: Bus, name: string, settings: { ttlMs?: number | undefined; history: number }): Promise<RecordBucket> {
    return new RecordBucket(bus, name, await openBucket(bus, name, settings));
  }

  /**
   * Best effort: a plain publish on the key's subject (NATS KV keeps key K of bucket B on `$KV.B.K`), which the
   * bucket's stream stores, instead of a request and its reply. A record lost with a connection holds nothing up.
   */
  putWithoutWaiting(key: string, value: string): void {
    this.bus.nc.publish(`$KV.${this.name}.${key}`, value);
  }

  /** The key's value, or null when it has none (never written, deleted, or expired). */
  async get(key: string): Promise<KvEntry | null> {
    if (!this.bus.publisher.isConnected) throw new BusDisconnectedError();
    const entry = await this.kv.get(key);
    return entry && entry.operation === 'PUT' && entry.value.length > 0 ? entry : null;
  }
}
