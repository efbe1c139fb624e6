import { serve, type ServerType } from '@hono/node-server';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { loadTokens } from './auth/tokens.ts';
import { connectBus, type Bus } from './bus/connection.ts';
import { startEmbeddedNats, type EmbeddedNats, type NatsSync } from './bus/embedded-nats.ts';
import type { QuarantineReplayer } from './bus/quarantine.ts';
import { ensureStreams } from './bus/streams.ts';
import { observeStreamSizes } from './bus/stream-sizes.ts';
import { observeConsumerBacklogs } from './bus/consumer-backlog.ts';
import type { Config } from './config.ts';
import { uuidv7 } from './events/ids.ts';
import { createApp } from './http/app.ts';
import { MAX_EVENT_BYTES } from './http/routes/events.ts';
import { acceptEvents, type IntakeDeps } from './intake/accept.ts';
import { toCanonicalEvent } from './intake/api-submission.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { loadPhiKeys, type PhiKeys } from './phi/keys.ts';
import { PhiVault } from './phi/vault.ts';
import { lockDataDir } from './store/data-dir-lock.ts';
import { openStore, type Store } from './store/db.ts';
import type { StartupWait } from './os/wait-for-server.ts';
import { setHeapGrowingPercent } from './os/heap-growing.ts';
import { migrateStore } from './store/migrate.ts';
import { LedgerCommitWaiter } from './workers/ledger-commits.ts';
import { startLedgerWriter, type LedgerWriter } from './workers/ledger-writer.ts';
import { startBacklogWatch } from './workers/backlog-watch.ts';
import { eventsStreamLostText, startStreamWatch } from './workers/stream-watch.ts';
import { startHl7Adapter, type Hl7Adapter } from '../adapters/hl7v2/module.ts';
import { startMappings, type Mappings } from '../mappings/module.ts';
import { findParkedByKeys } from '../mappings/pending/store.ts';
import { loadCheckpointKeys } from './checkpoints/keys.ts';
import { startCheckpointWorker } from './checkpoints/worker.ts';

/**
 * The composition root: opens the store and the bus (embedded or external), starts the workers and the HTTP
 * server, and stops them in the reverse order. Everything else receives its dependencies from here.
 */

export interface RunningGateway {
  httpPort: number;
  /** every route the HTTP app registered (middleware included, as method ALL), for the OpenAPI coverage test */
  httpRoutes: readonly { method: string; path: string }[];
  natsUrl: string;
  natsSync: NatsSync | 'external';
  store: Store;
  bus: Bus;
  metrics: Metrics;
  adminTokenFile?: string;
  phi: { keys: PhiKeys; vault: PhiVault };
  /** the mapping engine: `mappings.resolver` is the DrugResolver translators use */
  mappings: Mappings;
  /** where the MLLP listeners are bound (useful with MLLP_PORT=0) */
  mllp: { port?: number; tlsPort?: number };
  /** the HL7 v2 adapter (its pipeline handler serves the MLLP listeners) */
  hl7: Hl7Adapter;
  /** the edge's intake, for further adapters started beside the gateway */
  intake: IntakeDeps;
  /**
   * Settles when the gateway cannot go on and must be started again: the server lost the events stream
   * (stream-watch.ts). `gateway start` then stops and exits with EXIT_START_AGAIN for its supervisor.
   */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const instanceId = config.INSTANCE_ID ?? `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => logger.error({ error: (err as Error).message }, 'stop step failed'));
  };
  setHeapGrowingPercent(config.HEAP_GROWING_PERCENT);
  try {
    const embedded = !config.DATABASE_URL || !config.NATS_URL;
    if (embedded) {
      // Taken before anything touches DATA_DIR: PGlite and nats-server must never be opened by two processes.
      const lock = await lockDataDir(config.DATA_DIR);
      cleanup.push(() => lock.release());
    }

    // Secrets first: a bad token file or key stops the start before any port or file is opened.
    const { grants, generatedFile } = await loadTokens(config);
    if (generatedFile) logger.info({ file: generatedFile }, 'no AUTH_TOKENS configured: the admin token is in this file');
    const phiKeys = await loadPhiKeys(config);
    if (phiKeys.generated.length > 0) {
      logger.warn({ files: phiKeys.generated }, 'PHI keys created in DATA_DIR/keys: gateways that share a store must share these keys');
    }

    const checkpointKeys = await loadCheckpointKeys(config);
    if (checkpointKeys.generated.length > 0) {
      logger.warn({ files: checkpointKeys.generated, key_id: checkpointKeys.keyId }, 'ledger signing key created in DATA_DIR/keys: keep it where database administrators cannot read it');
    }

    const startupWait: StartupWait = {
      waitMs: config.STARTUP_WAIT_S * 1000,
      onRetry: ({ server, attempt, delayMs, error }) =>
        logger.warn({ server, attempt, delay_ms: delayMs, error, wait_s: config.STARTUP_WAIT_S }, 'server not reachable yet, trying again'),
    };
    const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
    cleanup.push(() => store.close());
    await migrateStore(store, startupWait);
    logger.info({ store: store.kind }, 'store ready');
    // Started before the ledger writer, so it stops after it: the last checkpoint covers the last appends.
    const checkpoints = startCheckpointWorker({ store, keys: checkpointKeys, intervalS: config.LEDGER_CHECKPOINT_INTERVAL_S, logger });
    cleanup.push(() => checkpoints.stop());

    let natsUrl = config.NATS_URL;
    let natsSync: NatsSync | 'external' = 'external';
    if (!natsUrl) {
      const nats: EmbeddedNats = await startEmbeddedNats({
        bin: config.NATS_SERVER_BIN,
        dataDir: config.DATA_DIR,
        port: config.NATS_EMBEDDED_PORT,
        onExit: (e) =>
          logger.error(
            { code: e.code, signal: e.signal, restart_in_ms: e.restartInMs, stderr: e.stderr.split('\n').slice(-3).join('\n').slice(0, 1000) },
            'embedded nats-server exited: starting it again (messages are answered "resend later" meanwhile)',
          ),
        onRestart: (e) => logger.warn({ pid: e.pid }, 'embedded nats-server started again'),
      });
      cleanup.push(() => nats.stop());
      natsUrl = nats.url;
      natsSync = nats.sync;
      logger.info({ url: nats.url, version: nats.version, sync: nats.sync }, 'embedded nats-server started');
      if (nats.sync === 'interval' && config.ACK_POINT === 'bus') {
        logger.warn('ACK_POINT=bus with a nats-server that fsyncs on a timer: an acknowledged message can be lost in a power cut');
      }
    }
    // Every announcer in this process tells this process's waiter directly (localCommits below).
    const bus = await connectBus(natsUrl, `rxgate-${instanceId}`, config.BUS_NAMESPACE, { noEcho: true, startupWait });
    cleanup.push(() => bus.close());
    const eventsMaxAgeMs = Math.round(config.EVENTS_MAX_AGE_DAYS * 86_400_000);
    await ensureStreams(bus, {
      duplicateWindowMs: config.DUPLICATE_WINDOW_S * 1000,
      eventsMaxAgeMs,
      eventsMaxBytes: config.EVENTS_MAX_BYTES,
      quarantineMaxBytes: config.QUARANTINE_MAX_BYTES,
    });

    const metrics = createMetrics();
    const waiter = new LedgerCommitWaiter(bus);
    cleanup.push(async () => waiter.close());
    await waiter.ready(bus);

    const ledgerWriter: LedgerWriter = await startLedgerWriter({
      bus,
      store,
      metrics,
      logger,
      instanceId,
      partitions: config.PARTITIONS,
      batchMax: config.LEDGER_BATCH_MAX,
      maxDeliver: config.MAX_DELIVER,
      ackWaitMs: config.ACK_WAIT_MS,
      leaseTtlMs: config.LEASE_TTL_MS,
      localCommits: waiter,
    });
    cleanup.push(() => ledgerWriter.stop());

    const intake: IntakeDeps = { bus, store, metrics, waiter, logger, config, findParked: (keys) => findParkedByKeys(store.db, keys) };
    // The mapping engine: resolver cache, service layer, parking worker for unmapped events (class unm).
    const mappings = await startMappings({ store, bus, metrics, logger, intake, waiter, config });
    cleanup.push(() => mappings.stop());
    const phiVault = new PhiVault(store, phiKeys);
    const hl7: Hl7Adapter = await startHl7Adapter({
      config,
      bus,
      store,
      intake,
      metrics,
      logger,
      vault: phiVault,
      tokenKey: phiKeys.tokenKey,
      drugs: mappings.resolver,
    });
    cleanup.push(() => hl7.stop());

    const eventConsumers = () => [...ledgerWriter.consumerNames(), ...mappings.consumerHandlers.keys(), ...hl7.consumerHandlers.keys()];
    const backlogWatch = startBacklogWatch({
      bus,
      metrics,
      logger,
      consumers: eventConsumers,
      maxAgeMs: eventsMaxAgeMs,
      intervalMs: BACKLOG_CHECK_INTERVAL_MS,
    });
    cleanup.push(() => backlogWatch.stop());

    let fail!: (err: Error) => void;
    const failed = new Promise<Error>((resolve) => (fail = resolve));
    const streamWatch = startStreamWatch({ bus, logger, intervalMs: STREAM_CHECK_INTERVAL_MS, onLost: () => fail(new Error(eventsStreamLostText(bus))) });
    cleanup.push(async () => streamWatch.stop());

    const app = createApp({
      bus,
      store,
      metrics,
      logger,
      grants,
      intake,
      checkpointKeys,
      quarantineReplayers: new Map([
        ['api', apiReplayer(intake)],
        ['hl7v2', hl7.replayer],
      ]),
      messageAnswers: new Map([['hl7v2', hl7.answers]]),
      mllpStatus: () => hl7.status(),
      deliveries: hl7.deliveries,
      resends: hl7.resends,
      eventSentAs: hl7.eventSentAs,
      consumerHandlers: () => new Map([...ledgerWriter.handlers, ...mappings.consumerHandlers, ...hl7.consumerHandlers]),
      refreshGauges: async () => {
        metrics.mllpConnections.set(hl7.listener.connectionCount());
        metrics.mllpBufferedBytes.set(hl7.listener.buffered().bytes);
        const expiry = hl7.listener.tlsCertificateExpiry();
        if (expiry) metrics.mllpTlsCertificateExpiry.set(expiry.getTime() / 1000);
        await Promise.all([observeConsumerBacklogs(bus, metrics, eventConsumers(), Date.now()), observeStreamSizes(bus, metrics)]);
      },
      mappings: { module: mappings, importMaxBytes: config.MAPPINGS_IMPORT_MAX_BYTES },
      phi: { tokenKey: phiKeys.tokenKey, vault: phiVault },
    });
    const server = await listen(app.fetch, config.HTTP_HOST, config.HTTP_PORT);
    cleanup.push(() => closeServer(server.server));
    logger.info({ port: server.port, host: config.HTTP_HOST, instance: instanceId, ack_point: config.ACK_POINT }, 'gateway listening');

    return {
      httpPort: server.port,
      httpRoutes: app.routes.map((r) => ({ method: r.method, path: r.path })),
      natsUrl,
      natsSync,
      store,
      bus,
      metrics,
      adminTokenFile: generatedFile,
      phi: { keys: phiKeys, vault: phiVault },
      mappings,
      mllp: { port: hl7.listener.address.plain?.port, tlsPort: hl7.listener.address.tls?.port },
      hl7,
      intake,
      failed,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Replays a quarantined POST /api/events body through the same validation and intake as the original request. */
function apiReplayer(intake: IntakeDeps): QuarantineReplayer {
  return async (raw, entry) => {
    if (raw.length >= MAX_EVENT_BYTES) return { accepted: false, reason: 'the kept body was truncated at the size limit' };
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch (err) {
      return { accepted: false, reason: `not valid UTF-8 JSON: ${(err as Error).message}` };
    }
    const result = toCanonicalEvent(body, { receivedAt: new Date(), correlationId: entry.correlation_id || uuidv7(), newId: () => uuidv7() });
    if (!result.ok) return { accepted: false, reason: 'still not a canonical event', details: result.issues };
    const [accepted] = await acceptEvents(intake, [result.event]);
    return { accepted: true, event_ids: [accepted!.event_id] };
  };
}

/** How often the consumers' backlogs are measured against the events stream's age limit (backlog-watch.ts). */
const BACKLOG_CHECK_INTERVAL_MS = 60_000;

/** How often the server is asked whether the events stream is still there (stream-watch.ts): lost twice in a row, ~10 s. */
const STREAM_CHECK_INTERVAL_MS = 5_000;

async function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
}

async function closeServer(server: ServerType): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open; in-flight requests are let finish.
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  });
}
