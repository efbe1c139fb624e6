import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, type Bus } from './connection.ts';
import { openBucket } from './kv-bucket.ts';
import { deleteNamespace, testNamespace, TEST_NATS_URL } from './test-support.ts';

describe('KV buckets on real NATS JetStream', () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await connectBus(TEST_NATS_URL, 'kv-bucket-test', testNamespace());
  });
  afterAll(async () => {
    await deleteNamespace(bus);
    await bus.close();
  });

  const settings = async (name: string) => {
    const { config } = await bus.jsm.streams.info(`KV_${name}`);
    return { ttlMs: (config.max_age ?? 0) / 1_000_000, history: config.max_msgs_per_subject, windowMs: (config.duplicate_window ?? 0) / 1_000_000 };
  };

  it('creates a bucket with its TTL and history, and brings an existing one to changed settings, keeping its entries', async () => {
    const name = bus.names.buckets.hl7Outbound; // a bucket of this test's own namespace, removed with it
    const first = await openBucket(bus, name, { ttlMs: 60_000, history: 1 });
    await first.put('k', 'v1');
    expect(await settings(name)).toEqual({ ttlMs: 60_000, history: 1, windowMs: 60_000 });
    // The client's own create would keep 60 s: a longer lease TTL would then lapse before its renewal.
    await openBucket(bus, name, { ttlMs: 300_000, history: 1 });
    expect(await settings(name)).toEqual({ ttlMs: 300_000, history: 1, windowMs: 120_000 });
    // Shorter than the duplicate window it had: the window comes down with it.
    await openBucket(bus, name, { ttlMs: 30_000, history: 2 });
    expect(await settings(name)).toEqual({ ttlMs: 30_000, history: 2, windowMs: 30_000 });
    const again = await openBucket(bus, name, { history: 2 });
    expect(await settings(name)).toEqual({ ttlMs: 0, history: 2, windowMs: 120_000 });
    expect((await again.get('k'))?.string()).toBe('v1');
  });
});
