import type { Logger } from 'pino';
import type { Store } from '../store/db.ts';
import type { CheckpointKeys } from './keys.ts';
import { createCheckpoint } from './store.ts';

/**
 * The checkpoint worker: every LEDGER_CHECKPOINT_INTERVAL_S it signs the heads of all chains if they moved, and it
 * signs once more when the gateway stops, so the last events before a shutdown are covered too. Every instance may
 * run it; the checkpoint number lets one of them in per round.
 */
export interface CheckpointWorker {
  stop(): Promise<void>;
}

export function startCheckpointWorker(o: { store: Store; keys: CheckpointKeys; intervalS: number; logger: Logger; now?: () => Date }): CheckpointWorker {
  const now = o.now ?? (() => new Date());
  let running: Promise<void> = Promise.resolve();
  const round = () => {
    running = running.then(async () => {
      try {
        const outcome = await createCheckpoint(o.store, o.keys, now);
        if (outcome.created && outcome.checkpoint) {
          o.logger.info({ checkpoint: outcome.checkpoint.number, chains: outcome.checkpoint.heads.length, key_id: o.keys.keyId }, 'ledger checkpoint signed');
        }
      } catch (error) {
        o.logger.warn({ error: (error as Error).message }, 'ledger checkpoint not written; next round will try again');
      }
    });
    return running;
  };
  const timer = o.intervalS > 0 ? setInterval(round, o.intervalS * 1000) : undefined;
  timer?.unref();
  return {
    stop: async () => {
      if (timer) clearInterval(timer);
      await round();
    },
  };
}
