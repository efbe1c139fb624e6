import type { Logger } from 'pino';
import type { Bus } from '../../gateway/bus/connection.ts';
import type { BusMessage } from '../../gateway/bus/consumer.ts';
import { consumerBacklog } from '../../gateway/bus/consumer-backlog.ts';
import type { QuarantineReplayer } from '../../gateway/bus/quarantine.ts';
import { acceptEvents, type IntakeDeps } from '../../gateway/intake/accept.ts';
import type { Metrics } from '../../gateway/metrics.ts';
import type { PhiVault } from '../../gateway/phi/vault.ts';
import type { AnswerLookup } from '../../gateway/trace/message-trace.ts';
import type { DrugResolver } from '../../mappings/resolver.ts';
import type { Hl7Config } from './config.ts';
import { mllpStatus, type MllpStatus } from './mllp-status.ts';
import { listenerOptionsFromConfig } from './mllp/config.ts';
import type { MllpConnectionInfo } from './mllp/handler.ts';
import { applicationAckRecorder } from './outbound/application-acks.ts';
import { DeliveryRecords, type DeliveryRecord } from './outbound/delivery-records.ts';
import { startOutboundWorkers, type OutboundWorkers } from './outbound/worker.ts';
import { OutboundResends } from './outbound/resends.ts';
import type { Store } from '../../gateway/store/db.ts';
import { uuidv7 } from '../../gateway/events/ids.ts';
import { startMllpListener, type MllpListener } from './mllp/listener.ts';
import { createHl7Handler, type Hl7Handler } from './pipeline/handler.ts';
import { hl7AnswerLookup } from './pipeline/answer-lookup.ts';
import { Lanes } from './pipeline/lanes.ts';
import { SeenMessages } from './pipeline/seen-messages.ts';
import { parseAllowList } from './pipeline/sender-allow-list.ts';
import { CodeList } from './translate/code-list.ts';
import { checkTranslateConfig } from './translate/index.ts';
import { unhandledAction } from './translate/unhandled-policy.ts';

/** The HL7 v2 adapter as the composition root starts it: the MLLP listeners with the pipeline behind them. */

export interface Hl7Adapter {
  listener: MllpListener;
  handler: Hl7Handler;
  /** Feeds a quarantined payload through the pipeline again (an analyst's replay skips the sender check). */
  replayer: QuarantineReplayer;
  /** The answer a sender's message got, while it is remembered for repeats: for a message trace (GET /api/trace). */
  answers: AnswerLookup;
  /** The listener, its open connections and the outbound targets now (GET /api/mllp/status). */
  status(): Promise<MllpStatus>;
  /** What became of these events' deliveries to their EHRs (for a message trace); undefined without HL7_OUTBOUND_TARGETS. */
  deliveries?: ((eventIds: readonly string[]) => Promise<DeliveryRecord[]>) | undefined;
  /** The event a message sent to an EHR was built from, by the MSH-10 it went under; undefined without HL7_OUTBOUND_TARGETS. */
  eventSentAs?: ((controlId: string) => Promise<string | null>) | undefined;
  /** The outbound workers' consumer handlers (durable `hl7-outbound-<facility>` → handler), for DLQ replay; empty without HL7_OUTBOUND_TARGETS. */
  consumerHandlers: ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>;
  /** Resends of dispenses from the ledger to an EHR (POST /api/outbound/:facility/resend); undefined without HL7_OUTBOUND_TARGETS. */
  resends?: OutboundResends | undefined;
  stop(): Promise<void>;
}

export class Hl7ConfigError extends Error {
  constructor(problems: string[]) {
    super(`HL7 configuration: ${problems.join('; ')}`);
    this.name = 'Hl7ConfigError';
  }
}

/**
 * A rebuilt resend (same sender and MSH-10, other bytes) is known as a repeat only inside the events stream's
 * duplicate window (pipeline/repeat-id.ts), so a longer HL7 window promises more than it keeps.
 */
export function dedupeWindowWarning(config: { HL7_DEDUPE_WINDOW_S: number; DUPLICATE_WINDOW_S?: number | undefined }): string | undefined {
  if (config.DUPLICATE_WINDOW_S === undefined || config.HL7_DEDUPE_WINDOW_S <= config.DUPLICATE_WINDOW_S) return undefined;
  return 'HL7_DEDUPE_WINDOW_S is longer than DUPLICATE_WINDOW_S: past the latter, a resend with other bytes under a known MSH-10 becomes a new event';
}

/**
 * A list in HL7_RESULT_OBSERVATIONS says which results the pharmacy takes; a result message none of whose results is
 * listed then goes the way HL7_UNHANDLED says, and its default keeps the message whole, text and all — the opposite
 * of what the list was for.
 */
export function resultFilterWarning(config: Pick<Hl7Config, 'HL7_RESULT_OBSERVATIONS' | 'HL7_UNHANDLED'>): string | undefined {
  if (!(config.HL7_RESULT_OBSERVATIONS instanceof CodeList) || unhandledAction(config.HL7_UNHANDLED, 'ORU', 'R01') !== 'keep') return undefined;
  return 'HL7_RESULT_OBSERVATIONS lists the results to carry, but HL7_UNHANDLED keeps a result message none of whose results is listed whole, with its text: add ORU=record (or ORU=refuse) to HL7_UNHANDLED to keep only a record of it';
}

const REPLAY_CONNECTION: MllpConnectionInfo = { id: 'quarantine-replay', remoteAddress: 'replay', remotePort: 0, tls: false };

export async function startHl7Adapter(deps: {
  /** MAX_DELIVER and ACK_WAIT_MS: the gateway's, for the outbound consumers; DUPLICATE_WINDOW_S: the events stream's */
  config: Hl7Config & { MAX_DELIVER: number; ACK_WAIT_MS: number; DUPLICATE_WINDOW_S?: number; EVENTS_MAX_AGE_DAYS?: number };
  bus: Bus;
  /** the ledger, which resends to EHRs read from */
  store: Store;
  intake: IntakeDeps;
  metrics: Metrics;
  logger: Logger;
  vault: PhiVault;
  tokenKey: Buffer;
  drugs: DrugResolver;
}): Promise<Hl7Adapter> {
  const { config } = deps;
  const translation = {
    facility: { defaultId: config.HL7_FACILITY_DEFAULT, map: config.HL7_FACILITY_MAP },
    tokenKey: deps.tokenKey,
    drugs: deps.drugs,
    defaultTimeZone: config.HL7_TIME_ZONE,
    facilityTimeZones: config.HL7_TIME_ZONE_MAP,
    unhandled: config.HL7_UNHANDLED,
    orderObservations: config.HL7_ORDER_OBSERVATIONS,
    administrationObservations: config.HL7_ADMINISTRATION_OBSERVATIONS,
    adtObservations: config.HL7_ADT_OBSERVATIONS,
    resultObservations: config.HL7_RESULT_OBSERVATIONS,
    adtDiagnoses: config.HL7_ADT_DIAGNOSES,
  };
  const problems = checkTranslateConfig(translation);
  if (problems.length > 0) throw new Hl7ConfigError(problems);
  const windowWarning = dedupeWindowWarning(config);
  if (windowWarning) deps.logger.warn({ HL7_DEDUPE_WINDOW_S: config.HL7_DEDUPE_WINDOW_S, DUPLICATE_WINDOW_S: config.DUPLICATE_WINDOW_S }, windowWarning);
  const resultWarning = resultFilterWarning(config);
  if (resultWarning) deps.logger.warn(resultWarning);

  const seen = await SeenMessages.open(deps.bus, config.HL7_DEDUPE_WINDOW_S * 1000);
  const targets = config.HL7_OUTBOUND_TARGETS ?? [];
  // What became of each dispense sent to an EHR, kept as long as the events they are about (EVENTS_MAX_AGE_DAYS; 0: for ever).
  const deliveries = targets.length > 0 ? await DeliveryRecords.open(deps.bus, Math.round((config.EVENTS_MAX_AGE_DAYS ?? 0) * 86_400_000)) : undefined;
  const handler = createHl7Handler({
    bus: deps.bus,
    intake: deps.intake,
    metrics: deps.metrics,
    logger: deps.logger,
    vault: deps.vault,
    seen,
    lanes: new Lanes(),
    allowRules: parseAllowList(config.MLLP_ALLOWED_SENDERS),
    processingIds: config.HL7_PROCESSING_IDS,
    translation,
    onAccepted: deliveries && applicationAckRecorder({ deliveries, targets, metrics: deps.metrics }),
  });
  const listener = await startMllpListener(listenerOptionsFromConfig(config, { handler, logger: deps.logger }));

  const replayer: QuarantineReplayer = async (raw, entry) => {
    const processed = await handler.process(raw, REPLAY_CONNECTION, { checkSender: false, keptAs: entry.id });
    return processed.outcome === 'accept'
      ? { accepted: true, event_ids: processed.eventIds }
      : { accepted: false, reason: processed.reason ?? processed.outcome, details: processed.issues };
  };
  // Outbound to EHRs (README, "Outbound to EHRs"): one worker per configured target.
  let outbound: OutboundWorkers | undefined;
  if (deliveries) {
    try {
      outbound = await startOutboundWorkers({
        deliveries,
        targets,
        bus: deps.bus,
        vault: deps.vault,
        metrics: deps.metrics,
        logger: deps.logger,
        maxDeliver: config.MAX_DELIVER,
        ackWaitMs: config.ACK_WAIT_MS,
        settings: {
          sendingApplication: config.HL7_OUTBOUND_APP,
          sendingFacility: config.HL7_OUTBOUND_FACILITY,
          processingId: config.HL7_OUTBOUND_PROCESSING_ID,
          answerTimeoutMs: config.HL7_OUTBOUND_ANSWER_TIMEOUT_MS,
          connectTimeoutMs: config.HL7_OUTBOUND_CONNECT_TIMEOUT_MS,
          idleCloseMs: config.HL7_OUTBOUND_IDLE_CLOSE_MS,
          retry: { attempts: config.HL7_OUTBOUND_RETRY_ATTEMPTS, initialDelayMs: config.HL7_OUTBOUND_RETRY_DELAY_MS },
          tls: { caFile: config.HL7_OUTBOUND_TLS_CA, certFile: config.HL7_OUTBOUND_TLS_CERT, keyFile: config.HL7_OUTBOUND_TLS_KEY },
        },
      });
    } catch (err) {
      await listener.stop();
      throw err;
    }
  }
  const resends =
    outbound &&
    new OutboundResends({
      store: deps.store,
      record: async (event) => void (await acceptEvents(deps.intake, [event])),
      resenders: outbound.resenders,
      logger: deps.logger,
      now: () => new Date(),
      newId: uuidv7,
    });
  return {
    listener,
    handler,
    replayer,
    answers: hl7AnswerLookup(seen),
    status: () =>
      mllpStatus(listener, handler, outbound?.states() ?? [], async (durable) => {
        const b = await consumerBacklog(deps.bus, deps.bus.names.streams.events, durable, Date.now());
        return b && { waiting: b.pending + b.ackPending, oldestS: b.ageS };
      }),
    deliveries: deliveries ? (ids) => deliveries.get(ids) : undefined,
    eventSentAs: deliveries ? (controlId) => deliveries.eventSentAs(controlId) : undefined,
    consumerHandlers: outbound?.handlers ?? new Map(),
    resends,
    stop: async () => {
      await listener.stop();
      // Together: closing the workers' clients ends a resend's send at once instead of after its timeouts.
      await Promise.all([resends?.stop(), outbound?.stop()]);
    },
  };
}
