import type { Logger } from 'pino';
import type { Store } from '../gateway/store/db.ts';
import { SPECS } from './entities/index.ts';
import { loadAllCurrent } from './repository.ts';
import type { CachedDrugResolver, ResolverCodeRow, ResolverDrugRow, ResolverRows, ResolverScheduleRow } from './resolver.ts';
import type { DeaSchedule } from './schedule.ts';

/**
 * Fills a CachedDrugResolver from the store and keeps it fresh: a full reload at start and every `intervalMs`
 * (changes made by other gateway instances arrive this way), and the service applies its own changes to the cache
 * as soon as they commit (so this instance never answers from a stale table after its own change).
 */

export async function loadResolverRows(store: Store): Promise<ResolverRows> {
  const [drugs, schedules, codes] = await Promise.all([
    loadAllCurrent(store.db, SPECS.drugs),
    loadAllCurrent(store.db, SPECS.schedules),
    loadAllCurrent(store.db, SPECS.codes),
  ]);
  return {
    drugs: [...drugs.values()].map((v) => v.data as unknown as ResolverDrugRow),
    schedules: [...schedules.values()].map((v): ResolverScheduleRow => ({ ndc11: v.data.ndc11 as string, schedule: v.data.schedule as DeaSchedule })),
    codes: [...codes.values()].map((v) => v.data as unknown as ResolverCodeRow),
  };
}

export interface ResolverRefresher {
  /** reloads everything now (after an import, or when asked) */
  refresh(): Promise<void>;
  stop(): void;
}

export async function startResolverRefresh(o: {
  store: Store;
  resolver: CachedDrugResolver;
  intervalMs: number;
  logger: Logger;
}): Promise<ResolverRefresher> {
  let running: Promise<void> | undefined;
  const refresh = () =>
    (running ??= (async () => {
      try {
        const started = performance.now();
        // A change applied to the cache while the rows were loading may be missing from them: load again.
        for (let attempt = 0; ; attempt++) {
          const generation = o.resolver.generation;
          const rows = await loadResolverRows(o.store);
          if (o.resolver.generation === generation || attempt >= 3) {
            o.resolver.replace(rows);
            break;
          }
        }
        o.logger.debug({ ...o.resolver.stats(), ms: Math.round(performance.now() - started) }, 'drug resolver cache loaded');
      } finally {
        running = undefined;
      }
    })());
  await refresh();
  const timer = setInterval(() => {
    refresh().catch((err) => o.logger.warn({ error: (err as Error).message }, 'drug resolver refresh failed; keeping the cache'));
  }, o.intervalMs);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
