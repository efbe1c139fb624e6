import type { Subscription } from '@nats-io/transport-node';
import type { Bus } from '../bus/connection.ts';

/**
 * The ledger ack point (DESIGN §2): an edge that must not answer before the ledger commit waits here. Ledger
 * writers announce every committed key on a core NATS subject, so an edge learns of a commit made by any gateway
 * instance; a key already committed before the edge asked is found in the store by the caller.
 */

export interface CommittedKey {
  /** idempotency key */
  k: string;
  /** event id of the ledger row that holds the key (the first event with this key) */
  id: string;
  chain: string;
  /** ledger sequence in the chain; 0 when parked */
  seq: number;
  /**
   * The event is unmapped (class `unm`) and durably parked by the mapping engine (mappings/pending/), not in the
   * ledger yet: it reaches the ledger once its drug is mapped. `chain` is then the facility and `seq` 0.
   */
  parked?: true;
}

/**
 * Announces committed keys to every instance. `local` is this instance's waiter: told directly, an edge in this
 * process answers its sender without waiting for the announcement's trip through nats-server.
 */
export function announceCommits(bus: Bus, committed: CommittedKey[], local?: LedgerCommitWaiter): void {
  if (committed.length === 0) return;
  local?.deliver(committed);
  bus.nc.publish(bus.names.subjects.ledgerCommitted, JSON.stringify(committed));
}

export class LedgerCommitWaiter {
  private readonly waiting = new Map<string, Set<(c: CommittedKey) => void>>();
  private readonly sub: Subscription;

  constructor(bus: Bus) {
    this.sub = bus.nc.subscribe(bus.names.subjects.ledgerCommitted, {
      callback: (err, msg) => {
        if (err) return;
        let keys: CommittedKey[];
        try {
          keys = msg.json<CommittedKey[]>();
        } catch {
          return;
        }
        this.deliver(keys);
      },
    });
  }

  /** Resolves whoever waits for these keys; a key nobody waits for (any more) is ignored. */
  deliver(keys: CommittedKey[]): void {
    for (const c of keys) {
      const listeners = this.waiting.get(c.k);
      if (!listeners) continue;
      this.waiting.delete(c.k);
      for (const resolve of listeners) resolve(c);
    }
  }

  /**
   * Starts listening for a key. Call before publishing so a fast commit is not missed; the returned promise
   * resolves with the commit or with null after the timeout (or when cancelled).
   */
  expect(key: string, timeoutMs: number): { committed: Promise<CommittedKey | null>; cancel(): void } {
    let listener!: (c: CommittedKey | null) => void;
    const committed = new Promise<CommittedKey | null>((resolve) => (listener = resolve));
    const set = this.waiting.get(key) ?? new Set();
    const entry = (c: CommittedKey) => {
      clearTimeout(timer);
      listener(c);
    };
    set.add(entry);
    this.waiting.set(key, set);
    const cancel = () => {
      clearTimeout(timer);
      const s = this.waiting.get(key);
      s?.delete(entry);
      if (s && s.size === 0) this.waiting.delete(key);
      listener(null);
    };
    const timer = setTimeout(cancel, timeoutMs);
    return { committed, cancel };
  }

  /** Resolves once the server has registered the subscription, so no announcement made after it is missed. */
  async ready(bus: Bus): Promise<void> {
    await bus.nc.flush();
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
