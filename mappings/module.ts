import type { Logger } from 'pino';
import type { Bus } from '../gateway/bus/connection.ts';
import type { BusMessage } from '../gateway/bus/consumer.ts';
import type { Config } from '../gateway/config.ts';
import { acceptEvents, type IntakeDeps } from '../gateway/intake/accept.ts';
import type { Metrics } from '../gateway/metrics.ts';
import type { Store } from '../gateway/store/db.ts';
import type { LedgerCommitWaiter } from '../gateway/workers/ledger-commits.ts';
import { diagnostics, type Diagnostics } from './diagnostics.ts';
import { registerMappingMetrics } from './metrics.ts';
import { PARKING_CONSUMER, startParkingWorker, type ParkingWorker } from './pending/parking-worker.ts';
import { PATIENT_MERGES_CONSUMER, startMergeProjection } from './patients/merge-projection.ts';
import { ParkedReleaser } from './pending/release.ts';
import { PendingService } from './pending/service.ts';
import { startResolverRefresh } from './resolver-loader.ts';
import { createDrugResolver, type CachedDrugResolver } from './resolver.ts';
import { MappingService } from './service.ts';

/**
 * The mapping engine as the gateway runs it (main.ts starts it once): the resolver cache and its refresh, the
 * service layer, the pending queue with the parking worker and the release sweeper, the compliance-event sweeper,
 * and the metrics. Everything the HTTP routes and the UI need is on the returned object.
 */

export type MappingsConfig = Pick<
  Config,
  'MAPPINGS_CHAIN' | 'MAPPINGS_REFRESH_MS' | 'PARTITIONS' | 'ACK_POINT' | 'ACK_TIMEOUT_MS' | 'ACK_WAIT_MS' | 'MAX_DELIVER' | 'LEDGER_BATCH_MAX'
>;

export interface MappingsOptions {
  store: Store;
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
  intake: IntakeDeps;
  waiter: LedgerCommitWaiter;
  config: MappingsConfig;
}

export interface Mappings {
  /** the DrugResolver translators call (synchronous, from the cache) */
  resolver: CachedDrugResolver;
  service: MappingService;
  pending: PendingService;
  releaser: ParkedReleaser;
  /** the parking worker's handler by consumer name, for dead-letter replay */
  consumerHandlers: ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>;
  diagnostics(): Promise<Diagnostics>;
  /** reload the resolver cache from the store now */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export async function startMappings(o: MappingsOptions): Promise<Mappings> {
  const logger = o.logger.child({ component: 'mappings' });
  const resolver = createDrugResolver();
  const refresher = await startResolverRefresh({ store: o.store, resolver, intervalMs: o.config.MAPPINGS_REFRESH_MS, logger });
  const service = new MappingService({
    store: o.store,
    resolver,
    logger,
    chain: o.config.MAPPINGS_CHAIN,
    publish: (events) => acceptEvents(o.intake, events),
  });
  const releaser = new ParkedReleaser({
    store: o.store,
    bus: o.bus,
    resolver,
    partitions: o.config.PARTITIONS,
    logger,
    metrics: o.metrics,
    ...(o.config.ACK_POINT === 'ledger' ? { waiter: o.waiter } : {}),
    ackTimeoutMs: o.config.ACK_TIMEOUT_MS,
  });
  const pending = new PendingService({ store: o.store, mappings: service, releaser, logger });
  const compute = () => diagnostics(o.store, resolver);
  const metrics = registerMappingMetrics(o.metrics.registry, compute);

  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const sweepSoon = () => {
    if (stopped || sweepTimer) return;
    sweepTimer = setTimeout(() => {
      sweepTimer = undefined;
      releaser.sweep().catch((err) => logger.warn({ error: (err as Error).message }, 'pending sweep failed; it runs again later'));
    }, 100);
  };
  const unsubscribe = service.onChange(() => {
    metrics.invalidate();
    sweepSoon();
  });

  const parking: ParkingWorker = await startParkingWorker({
    bus: o.bus,
    store: o.store,
    resolver,
    logger,
    metrics: o.metrics,
    ackWaitMs: o.config.ACK_WAIT_MS,
    maxDeliver: o.config.MAX_DELIVER,
    batchMax: o.config.LEDGER_BATCH_MAX,
    onResolvable: sweepSoon,
    localCommits: o.waiter,
  });

  const merges = await startMergeProjection({
    bus: o.bus,
    service,
    logger,
    metrics: o.metrics,
    ackWaitMs: o.config.ACK_WAIT_MS,
    maxDeliver: o.config.MAX_DELIVER,
  });

  // Periodically: release what became releasable elsewhere (another instance's change), and publish compliance
  // events whose publish after the commit failed.
  let background: Promise<void> | undefined;
  const periodic = setInterval(() => {
    if (background) return;
    background = (async () => {
      await releaser.sweep();
      await service.republishUnrecorded();
    })()
      .catch((err) => logger.warn({ error: (err as Error).message }, 'mappings background work failed; it runs again later'))
      .finally(() => (background = undefined));
  }, o.config.MAPPINGS_REFRESH_MS);
  periodic.unref();
  sweepSoon();

  return {
    resolver,
    service,
    pending,
    releaser,
    consumerHandlers: new Map([
      [PARKING_CONSUMER, parking.handle],
      [PATIENT_MERGES_CONSUMER, merges.handle],
    ]),
    diagnostics: compute,
    refresh: () => refresher.refresh(),
    stop: async () => {
      stopped = true;
      clearInterval(periodic);
      if (sweepTimer) clearTimeout(sweepTimer);
      unsubscribe();
      refresher.stop();
      await Promise.all([parking.stop(), merges.stop()]);
      await background;
      await releaser.idle();
    },
  };
}
