import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { requireRole } from '../auth/middleware.ts';
import type { TokenGrant } from '../auth/tokens.ts';
import type { Bus } from '../bus/connection.ts';
import type { BusMessage } from '../bus/consumer.ts';
import { listDeadLetters, replayDeadLetter } from '../bus/dead-letter.ts';
import { listQuarantine, replayQuarantined, type QuarantineReplayer } from '../bus/quarantine.ts';
import { BusFullError } from '../bus/jetstream-publisher.ts';
import type { IntakeDeps } from '../intake/accept.ts';
import type { Metrics } from '../metrics.ts';
import { patientHistory, type HistoryDeps } from '../history/patient-history.ts';
import type { PhiVault } from '../phi/vault.ts';
import type { Store } from '../store/db.ts';
import { findSourceOfEvent } from '../store/ledger.ts';
import { rootMessage } from '../store/pg-errors.ts';
import { traceMessage, type AnswerLookup, type TraceDeps } from '../trace/message-trace.ts';
import { findParkedByMessage, findParkedSource } from '../../mappings/pending/store.ts';
import type { Mappings } from '../../mappings/module.ts';
import type { MllpStatus } from '../../adapters/hl7v2/mllp-status.ts';
import type { OutboundResends } from '../../adapters/hl7v2/outbound/resends.ts';
import { mappingRoutes } from '../../mappings/routes/index.ts';
import { uiRoutes } from '../ui/index.tsx';
import { requestContext, type AppEnv } from './context.ts';
import { apiError, unreachableServer } from './errors.ts';
import { eventRoutes } from './routes/events.ts';
import { dlqRoutes, quarantineRoutes } from './routes/evidence.ts';
import { healthRoutes, schemaRoutes } from './routes/health.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { traceRoutes } from './routes/trace.ts';
import { outboundRoutes } from './routes/outbound.ts';
import { ROUTE_ROLES } from './route-roles.ts';
import { openApiDocument, packageVersion } from './openapi/document.ts';
import { GATEWAY_ROUTE_DOCS } from './openapi/gateway-routes.ts';
import { MAPPING_ROUTE_DOCS } from '../../mappings/routes/docs.ts';
import type { CheckpointKeys } from '../checkpoints/keys.ts';

export interface AppDeps {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  grants: TokenGrant[];
  intake: IntakeDeps;
  quarantineReplayers: ReadonlyMap<string, QuarantineReplayer>;
  /** by adapter: the answer a sender's message got, for GET /api/trace */
  messageAnswers: ReadonlyMap<string, AnswerLookup>;
  /** the MLLP listener and its connections, for GET /api/mllp/status */
  mllpStatus: () => Promise<MllpStatus>;
  /** what became of events sent on to EHRs, for GET /api/trace; absent without outbound targets */
  deliveries?: TraceDeps['deliveries'];
  /** the event a message sent to an EHR was built from, by its MSH-10; absent without outbound targets */
  eventSentAs?: TraceDeps['eventSentAs'];
  /** resends of dispenses to EHRs from the ledger (/api/outbound); absent without outbound targets */
  resends?: OutboundResends | undefined;
  consumerHandlers: () => ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>;
  refreshGauges: () => Promise<void>;
  /** signs and verifies the ledger checkpoints (/api/ledger/checkpoints, /api/ledger/verify) */
  checkpointKeys: CheckpointKeys;
  /** the patient token key and the PHI vault, for POST /api/tokens */
  phi: { tokenKey: Buffer; vault: Pick<PhiVault, 'get'> };
  /** the mapping engine (mappings/module.ts): /api/mappings/* and the web UI at /ui when present */
  mappings?: { module: Pick<Mappings, 'service' | 'pending' | 'diagnostics'>; importMaxBytes: number };
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(deps.logger));

  app.route('/', healthRoutes(deps));

  app.use('/schemas/*', requireRole(deps.grants, ...ROUTE_ROLES.describe));
  app.route('/schemas', schemaRoutes());
  const openApi = openApiDocument([...GATEWAY_ROUTE_DOCS, ...(deps.mappings ? MAPPING_ROUTE_DOCS : [])], { version: packageVersion() });
  app.get('/openapi.json', requireRole(deps.grants, ...ROUTE_ROLES.describe), (c) => c.json(openApi));

  app.use('/api/events/*', requireRole(deps.grants, ...ROUTE_ROLES.events));
  app.route('/api/events', eventRoutes({ ...deps.intake, bus: deps.bus, metrics: deps.metrics }));

  app.use('/api/ledger/*', requireRole(deps.grants, ...ROUTE_ROLES.ledger));
  app.route('/api/ledger', ledgerRoutes(deps));

  app.route('/api/quarantine', quarantineRoutes({ bus: deps.bus, grants: deps.grants, replayers: deps.quarantineReplayers }));
  app.route('/api/dlq', dlqRoutes({ bus: deps.bus, grants: deps.grants, handlers: deps.consumerHandlers }));

  const traceDeps: TraceDeps = {
    store: deps.store,
    bus: deps.bus,
    answers: deps.messageAnswers,
    parked: deps.mappings ? (q) => findParkedByMessage(deps.store.db, q) : undefined,
    deliveries: deps.deliveries,
    eventSentAs: deps.eventSentAs,
    eventSource: async (eventId) => {
      const source = (await findSourceOfEvent(deps.store, eventId)) ?? (deps.mappings ? await findParkedSource(deps.store.db, eventId) : null);
      return source && { message_id: source.message_id, adapter: source.adapter, ...(source.sender !== null ? { sender: source.sender } : {}) };
    },
  };
  app.get('/api/mllp/status', requireRole(deps.grants, ...ROUTE_ROLES.status), async (c) => c.json(await deps.mllpStatus()));
  app.route('/api/outbound', outboundRoutes({ grants: deps.grants, resends: deps.resends }));

  // A patient's history follows the merges the `patients` mapping table records, when the mapping engine runs.
  const service = deps.mappings?.module.service;
  const historyDeps: HistoryDeps = {
    store: deps.store,
    ...deps.phi,
    mergedInto: service
      ? async (token) => (await service.list('patients', { filters: { merged_into: token, status: 'merged' }, limit: 1000 })).entries.map((e) => e.key)
      : undefined,
  };
  app.use('/api/tokens', requireRole(deps.grants, ...ROUTE_ROLES.tokens));
  app.route('/api/tokens', tokenRoutes(historyDeps));

  app.use('/api/trace', requireRole(deps.grants, ...ROUTE_ROLES.trace));
  app.route('/api/trace', traceRoutes(traceDeps));
  if (deps.mappings) {
    // Each route checks its own roles (mappings/permissions.ts).
    app.route('/api/mappings', mappingRoutes({ grants: deps.grants, mappings: deps.mappings.module, importMaxBytes: deps.mappings.importMaxBytes }));
    // The analysts' web UI: its own session log-in with the same tokens and roles (gateway/ui/).
    app.route(
      '/ui',
      uiRoutes({
        grants: deps.grants,
        mappings: deps.mappings.module,
        importMaxBytes: deps.mappings.importMaxBytes,
        trace: (q) => traceMessage(traceDeps, q),
        history: patientHistory(historyDeps),
        mllpStatus: deps.mllpStatus,
        resends: deps.resends,
        quarantine: {
          list: (q) => listQuarantine(deps.bus, q),
          replay: (id, by) => replayQuarantined(deps.bus, id, deps.quarantineReplayers, by),
        },
        deadLetters: {
          list: (q) => listDeadLetters(deps.bus, q),
          replay: (id, by) => replayDeadLetter(deps.bus, id, deps.consumerHandlers(), by),
        },
      }),
    );
  }

  // Unknown /api routes still need a token: an anonymous caller learns nothing about which routes exist.
  app.use('/api/*', requireRole(deps.grants, ...ROUTE_ROLES.describe));

  app.notFound((c) => apiError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return apiError(c, err.status, 'http_error', err.message);
    const log = c.get('log') ?? deps.logger;
    if (err instanceof BusFullError) {
      log.error({ error: err.message }, 'bus full: the request was refused');
      c.header('Retry-After', '60');
      return apiError(c, 503, 'bus_full', 'the gateway\'s message bus has no room (EVENTS_MAX_BYTES, QUARANTINE_MAX_BYTES or the server\'s storage); nothing was accepted, retry later');
    }
    const away = unreachableServer(err);
    if (away === 'message bus') {
      log.error({ error: err.message }, 'bus unavailable');
      c.header('Retry-After', '5');
      return apiError(c, 503, 'bus_unavailable', 'the message bus is unavailable; nothing was accepted, retry later');
    }
    if (away === 'database') {
      // PostgreSQL away, restarting or recovering from a crash: the same request will work once it is back.
      log.warn({ error: rootMessage(err) }, 'database unavailable: the request was answered 503');
      c.header('Retry-After', '5');
      return apiError(c, 503, 'store_unavailable', 'the database is unavailable just now; retry later');
    }
    log.error({ error: err.message, stack: err.stack }, 'unhandled error');
    return apiError(c, 500, 'internal', 'internal error; the correlation id in X-Correlation-Id identifies it in the logs');
  });
  return app;
}
