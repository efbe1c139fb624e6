import { randomBytes } from 'node:crypto';
import { connectBus, type Bus } from './connection.ts';
import { ensureStreams } from './streams.ts';

/**
 * Integration tests run against the real NATS JetStream that `scripts/test` starts (TEST_NATS_URL, default
 * nats://127.0.0.1:4222). Each test gets its own bus namespace, so test files run in parallel on one server, and
 * `cleanup` deletes the namespace's streams and buckets afterwards.
 */
export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export function testNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export async function openTestBus(opts: { namespace?: string; duplicateWindowMs?: number } = {}): Promise<Bus & { cleanup(): Promise<void> }> {
  const namespace = opts.namespace ?? testNamespace();
  const bus = await connectBus(TEST_NATS_URL, `rxgate-test-${namespace}`, namespace);
  await ensureStreams(bus, { duplicateWindowMs: opts.duplicateWindowMs ?? 60_000 });
  return Object.assign(bus, {
    cleanup: async () => {
      await deleteNamespace(bus);
      await bus.close();
    },
  });
}

export async function deleteNamespace(bus: Bus): Promise<void> {
  const { streams, buckets } = bus.names;
  for (const name of [...Object.values(streams), ...Object.values(buckets).map((b) => `KV_${b}`)]) {
    await bus.jsm.streams.delete(name).catch(() => undefined);
  }
}
