import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { Bus } from './connection.ts';
import { openBucket } from './kv-bucket.ts';

/**
 * One owner per partition across all gateway instances: an entry in a KV bucket whose TTL makes a dead owner's
 * lease lapse. An instance renews what it holds every third of the TTL and claims free partitions as it finds
 * them. The ledger's unique (chain, seq) key remains the last guard if two instances ever overlap.
 */

export interface LeaseOptions {
  bus: Bus;
  /** what is leased, e.g. `ledger` -> keys ledger.p0, ledger.p1, ... */
  name: string;
  partitions: number;
  instanceId: string;
  ttlMs: number;
  onAcquire: (partition: number) => Promise<void>;
  onRelease: (partition: number) => Promise<void>;
  logger: Logger;
}

export interface PartitionLeases {
  owned(): number[];
  stop(): Promise<void>;
}

export async function startPartitionLeases(o: LeaseOptions): Promise<PartitionLeases> {
  const kv: KV = await openBucket(o.bus, o.bus.names.buckets.leases, { ttlMs: o.ttlMs, history: 1 });
  const held = new Map<number, number>(); // partition -> KV revision
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const key = (p: number) => `${o.name}.p${p}`;

  /**
   * A free lease is created; a lease that names this very instance (a restart with the same INSTANCE_ID) is taken
   * back at once instead of waiting for it to lapse. INSTANCE_ID must therefore be unique per running process.
   */
  const claim = async (k: string): Promise<number | null> => {
    try {
      return await kv.create(k, o.instanceId);
    } catch {
      const entry = await kv.get(k).catch(() => null);
      if (!entry || entry.string() !== o.instanceId) return null;
      return kv.update(k, o.instanceId, entry.revision).catch(() => null);
    }
  };

  const tick = async (): Promise<void> => {
    for (let p = 0; p < o.partitions && !stopped; p++) {
      const revision = held.get(p);
      if (revision !== undefined) {
        try {
          held.set(p, await kv.update(key(p), o.instanceId, revision));
        } catch (err) {
          held.delete(p);
          o.logger.warn({ lease: key(p), error: (err as Error).message }, 'partition lease lost');
          await o.onRelease(p);
        }
        continue;
      }
      const rev = await claim(key(p));
      if (rev === null) continue; // another instance holds it; try again at the next tick
      held.set(p, rev);
      o.logger.info({ lease: key(p), instance: o.instanceId }, 'partition lease acquired');
      await o.onAcquire(p);
    }
  };

  await tick();
  const timer = setInterval(() => {
    running = running.then(tick).catch((err) => o.logger.error({ error: (err as Error).message }, 'lease tick failed'));
  }, Math.max(250, Math.floor(o.ttlMs / 3)));

  return {
    owned: () => [...held.keys()].sort((a, b) => a - b),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      for (const [p, revision] of held) {
        await o.onRelease(p);
        // Hand the partition over at once instead of making the next owner wait for the TTL.
        await kv.delete(key(p), { previousSeq: revision }).catch(() => undefined);
      }
      held.clear();
    },
  };
}
