import type { Logger } from 'pino';
import type { Bus } from '../../../gateway/bus/connection.ts';
import { startBatchConsumer, TransientError, type BusMessage, type RunningConsumer } from '../../../gateway/bus/consumer.ts';
import { eventClass, type CanonicalEvent } from '../../../gateway/events/schema.ts';
import type { Metrics } from '../../../gateway/metrics.ts';
import type { PhiRecord } from '../../../gateway/phi/vault.ts';
import { isStoreUnavailable } from '../../../gateway/store/pg-errors.ts';
import { decodeEvent } from '../../../gateway/workers/ledger-writer.ts';
import { encodeText } from '../charset.ts';
import { retryPolicy, type RetryPolicy } from '../mllp/backoff.ts';
import { createMllpClient, type MllpClient, type MllpClientTlsOptions } from '../mllp/client.ts';
import { checkOutboundTlsFiles } from './tls-files.ts';
import type { Clock } from '../mllp/clock.ts';
import { MllpClientClosedError, MllpDeliveryError, type MllpAttempt } from '../mllp/errors.ts';
import { readAck } from '../ack-read.ts';
import { buildDispenseMessage, controlIdForEvent, OUTBOUND_EVENT_TYPES, OutboundBuildError } from './rds-builder.ts';
import type { DeliveryRecord, DeliveryRecords } from './delivery-records.ts';
import { isEcho, type OutboundTarget } from './targets.ts';

/**
 * The outbound worker (README, "Outbound to EHRs"): one durable consumer per target EHR, on the dispense events of
 * the target's facility; each event becomes an RDS^O13 (or the target's reversal form) sent over MLLP, one at a time
 * and in stream order (max_ack_pending 1), and is acknowledged on the bus only once the EHR answered AA/CA.
 *
 * Outcomes of one delivery:
 * - AA / CA: sent, acknowledged.
 * - AR / CR (the receiver cannot take it now): transient — naked with a growing delay and never dead-lettered.
 * - AE / CE (the receiver refuses this message): counted; after MAX_DELIVER deliveries → DLQ with the history.
 * - every send attempt failed to connect (the EHR is down): transient — the message waits on the bus.
 * - attempts that connected but got no answer (or the EHR hung up): counted like AE, with the attempt history.
 * - nothing to build (no patient identifiers in the vault, no drug code…): counted → DLQ with the reason.
 */

export type OutboundOutcome = 'sent' | 'skipped_echo' | 'rejected' | 'error' | 'unreachable' | 'no_answer' | 'invalid' | 'dead_lettered';

export interface OutboundSettings {
  /** MSH-3 */
  sendingApplication: string;
  /** MSH-4; default: the event's facility id */
  sendingFacility?: string | undefined;
  /** MSH-11 */
  processingId: string;
  answerTimeoutMs: number;
  connectTimeoutMs: number;
  /** close the connection to the EHR after this long without a message (0: keep it open) */
  idleCloseMs?: number | undefined;
  /** the client's own retries within one delivery; the first delay doubles up to 60 s */
  retry: { attempts: number; initialDelayMs: number };
  /** PEM files for targets with `tls` */
  tls?: { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined } | undefined;
}

export interface OutboundWorkerOptions {
  bus: Bus;
  vault: { get(token: string): Promise<PhiRecord | undefined> };
  metrics: Metrics;
  logger: Logger;
  target: OutboundTarget;
  settings: OutboundSettings;
  maxDeliver: number;
  /** the gateway's ACK_WAIT_MS: how soon a delivery cut off by a crash or a lost NATS connection is made again */
  ackWaitMs: number;
  /** where each delivery's latest outcome is kept, for a message trace */
  deliveries?: DeliveryRecords | undefined;
  now?: () => Date;
  clock?: Clock;
}

/** A target as its worker last saw it: its latest delivery outcome, and when a dispense last reached it. */
export interface OutboundWorkerState {
  readonly target: OutboundTarget;
  readonly durable: string;
  readonly last: DeliveryRecord | undefined;
  readonly lastSentAt: string | undefined;
}

export interface OutboundWorker {
  readonly target: OutboundTarget;
  readonly durable: string;
  state(): OutboundWorkerState;
  /** the consumer's handler (also what a DLQ replay calls) */
  handle(batch: BusMessage[]): Promise<void>;
  /** sends an event again, outside the consumer (an analyst's resend from the ledger) */
  resend(event: CanonicalEvent): Promise<ResendResult>;
  stop(): Promise<void>;
}

/**
 * What became of one resent event: the delivery outcome (sent, skipped_echo, rejected, error, unreachable,
 * no_answer, invalid), `unavailable` when it could not be tried (the PHI vault is down), `not_for_this_ehr` for an
 * event of another facility or type. `detail`: why it was not sent.
 */
export interface ResendResult {
  outcome: OutboundOutcome | 'unavailable' | 'not_for_this_ehr';
  detail?: string;
}

type Recorder = (eventId: string, outcome: OutboundOutcome, r?: Partial<Pick<DeliveryRecord, 'control_id' | 'ack' | 'errors' | 'attempts'>>) => DeliveryRecord;

export interface OutboundWorkers {
  /** durable name → handler, for DLQ replay (gateway/main.ts consumerHandlers) */
  readonly handlers: ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>;
  /** facility → its target's resend, for an analyst's resend from the ledger */
  readonly resenders: ReadonlyMap<string, (event: CanonicalEvent) => Promise<ResendResult>>;
  /** each target's state, in the order HL7_OUTBOUND_TARGETS lists them */
  states(): OutboundWorkerState[];
  consumerNames(): string[];
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 60_000;

export function outboundConsumerName(facility: string): string {
  return `hl7-outbound-${facility}`;
}

/**
 * `<ns>.ev.*.*.<facility>.rx.>`: nats-server 2.9 allows one filter subject per consumer, and `rx.dispense` (two
 * tokens) and `rx.dispense.reversal` (three) share no narrower wildcard; the orders this also matches are
 * acknowledged without being sent.
 */
export function outboundFilter(bus: Bus, facility: string): string {
  const all = bus.names.subjects.eventsAll; // `<ns>.ev.>`
  return `${all.slice(0, -1)}*.*.${facility}.rx.>`;
}

/** The AE/CE answer of the EHR (or no answer at all): counted towards MAX_DELIVER, then dead-lettered. */
export class OutboundNakError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundNakError';
  }
}

/** Every attempt of one delivery reached the EHR but got no matching answer (timeout, hang-up). */
export class OutboundNoAnswerError extends Error {
  constructor(
    message: string,
    readonly attempts: readonly MllpAttempt[],
  ) {
    super(message);
    this.name = 'OutboundNoAnswerError';
  }
}

function clientRetryPolicy(retry: OutboundSettings['retry']): RetryPolicy {
  return retryPolicy({ attempts: retry.attempts, initialDelayMs: retry.initialDelayMs, multiplier: 2, maxDelayMs: MAX_BACKOFF_MS });
}

/** The settings one target is served with: its own timeouts and TLS files where it names them, else the gateway's. */
export function settingsForTarget(settings: OutboundSettings, target: OutboundTarget): OutboundSettings {
  const own = target.timeouts ?? {};
  return {
    ...settings,
    answerTimeoutMs: own.answerTimeoutMs ?? settings.answerTimeoutMs,
    connectTimeoutMs: own.connectTimeoutMs ?? settings.connectTimeoutMs,
    idleCloseMs: own.idleCloseMs ?? settings.idleCloseMs,
    tls: { ...settings.tls, ...target.tlsFiles },
  };
}

/** Starts the consumer of one target; its client opens the connection on the first message. */
export async function startOutboundWorker(o: OutboundWorkerOptions): Promise<OutboundWorker> {
  const { target } = o;
  const settings = settingsForTarget(o.settings, target);
  const now = o.now ?? (() => new Date());
  const durable = outboundConsumerName(target.facility);
  const log = o.logger.child({ component: 'hl7-outbound', target: target.facility, durable });
  const count = (outcome: OutboundOutcome) => o.metrics.hl7Outbound.inc({ target: target.facility, outcome });
  await checkOutboundTlsFiles(target, o.settings.tls);
  const tls: MllpClientTlsOptions | undefined = target.tls
    ? { caFile: settings.tls?.caFile, certFile: settings.tls?.certFile, keyFile: settings.tls?.keyFile, servername: target.servername }
    : undefined;
  const client: MllpClient = createMllpClient({
    host: target.host,
    port: target.port,
    logger: o.logger,
    tls,
    answerTimeoutMs: settings.answerTimeoutMs,
    connectTimeoutMs: settings.connectTimeoutMs,
    idleCloseMs: settings.idleCloseMs,
    retry: clientRetryPolicy(settings.retry),
    clock: o.clock,
  });
  const prefix = o.bus.names.subjects.eventsAll.slice(0, -1); // `<ns>.ev.`
  // One message is in flight per target (max_ack_pending 1): the latest record is about the message being
  // delivered, and a dead letter of that message (same stream sequence) marks it as final.
  let delivering = 0; // stream sequence of the message being delivered
  let last: { seq: number; record: DeliveryRecord } | undefined;
  let lastSentAt: string | undefined;
  /** Keeps a delivery's outcome for the trace (and the status's last send); returns the record. */
  const keepRecord: Recorder = (eventId, outcome, r = {}) => {
    const made: DeliveryRecord = { event_id: eventId, target: target.facility, outcome, control_id: null, ack: null, errors: [], attempts: 0, ...r, at: now().toISOString() };
    if (outcome === 'sent') lastSentAt = made.at;
    o.deliveries?.record(made);
    return made;
  };
  const record: Recorder = (eventId, outcome, r) => {
    const made = keepRecord(eventId, outcome, r);
    last = { seq: delivering, record: made };
    return made;
  };

  const deliver = async (m: BusMessage): Promise<void> => {
    delivering = m.seq;
    // `<ns>.ev.<class>.p<k>.<facility>.<type…>`
    const [cls, , facility, ...typeTokens] = m.subject.startsWith(prefix) ? m.subject.slice(prefix.length).split('.') : [];
    if (facility !== target.facility || !OUTBOUND_EVENT_TYPES.has(typeTokens.join('.'))) return;
    // Unmapped events are parked; the mapping engine publishes them again (class ctl/gen) once their drug is mapped.
    if (cls === 'unm') return;
    await deliverEvent(decodeEvent(m), record, log);
  };

  /**
   * One event to the EHR: built, sent, answered, its outcome recorded. Returns once the EHR took it (or it is not
   * for this EHR); throws what the consumer makes of a failure (TransientError: later; others: towards the DLQ).
   */
  const deliverEvent = async (event: CanonicalEvent, record: Recorder, log: Logger): Promise<void> => {
    if (event.facility_id !== target.facility || !OUTBOUND_EVENT_TYPES.has(event.type) || eventClass(event) === 'unm') return;
    if (isEcho(target, event.source)) {
      count('skipped_echo');
      record(event.id, 'skipped_echo', { errors: ['came from this EHR: not sent back'] });
      log.debug({ event_id: event.id }, 'dispense came from this EHR; not sent back');
      return;
    }

    const controlId = controlIdForEvent(event.id);
    let payload: Uint8Array;
    try {
      const [patient, encounter] = await Promise.all([patientOf(event), encounterOf(event)]);
      const message = buildDispenseMessage({
        event,
        patient,
        encounter,
        controlId,
        timestamp: now(),
        header: {
          sendingApplication: settings.sendingApplication,
          sendingFacility: settings.sendingFacility ?? event.facility_id,
          receivingApplication: target.receivingApplication,
          receivingFacility: target.receivingFacility,
          processingId: settings.processingId,
          charset: target.charset,
          enhancedAck: target.ackMode === 'enhanced',
        },
        reversalForm: target.reversalForm,
      });
      payload = encodeText(message.toString(), message.charset);
    } catch (err) {
      if (!(err instanceof TransientError)) {
        count('invalid');
        record(event.id, 'invalid', { errors: [err instanceof OutboundBuildError ? err.message : 'the message could not be built'] });
      }
      throw err;
    }

    let answer: Uint8Array;
    let attempts: readonly MllpAttempt[];
    try {
      ({ answer, attempts } = await client.send(payload, (frame) => readAck(frame)?.controlId === controlId));
    } catch (err) {
      if (err instanceof MllpClientClosedError) throw new TransientError('the outbound client is closing', { cause: err });
      if (!(err instanceof MllpDeliveryError)) throw err;
      const history = describeAttempts(err.attempts);
      const attemptsOf = { control_id: controlId, attempts: err.attempts.length, errors: err.attempts.map((a) => `#${a.attempt} ${a.outcome}`) };
      if (err.attempts.every((a) => a.outcome === 'connect_failed' || a.outcome === 'connect_timeout' || a.outcome === 'client_closed')) {
        count('unreachable');
        record(event.id, 'unreachable', attemptsOf);
        throw new TransientError(`EHR ${target.host}:${target.port} unreachable, ${controlId} waits on the bus: ${history}`, { cause: err });
      }
      count('no_answer');
      record(event.id, 'no_answer', attemptsOf);
      throw new OutboundNoAnswerError(`no ACK from ${target.host}:${target.port} for ${controlId} after ${err.attempts.length} attempt(s): ${history}`, err.attempts);
    }

    const ack = readAck(answer)!;
    const context = { event_id: event.id, type: event.type, control_id: controlId, ack: ack.code, attempts: attempts.length };
    const answered = { control_id: controlId, ack: ack.code, errors: ack.errors, attempts: attempts.length };
    switch (ack.code) {
      case 'AA':
      case 'CA':
        count('sent');
        record(event.id, 'sent', answered);
        log.info(context, 'dispense sent to the EHR');
        return;
      case 'AR':
      case 'CR':
        count('rejected');
        record(event.id, 'rejected', answered);
        log.warn(context, 'the EHR rejected the message for now (AR/CR); it waits on the bus');
        throw new TransientError(`EHR answered ${ack.code} to ${controlId}${ack.detail}`);
      default:
        count('error');
        record(event.id, 'error', answered);
        log.warn(context, 'the EHR refused the message');
        throw new OutboundNakError(`EHR answered ${ack.code || '(no MSA-1)'} to ${controlId}${ack.detail}`);
    }
  };

  /** What the vault holds behind a token; an unreachable vault is transient (the dispense waits on the bus). */
  const fromVault = async (token: string): Promise<PhiRecord | undefined> => {
    try {
      return await o.vault.get(token);
    } catch (err) {
      if (isStoreUnavailable(err)) throw new TransientError('the PHI vault is unavailable', { cause: err });
      throw err;
    }
  };

  const patientOf = async (event: CanonicalEvent): Promise<PhiRecord> => {
    if (!event.patient_ref) throw new OutboundBuildError('no_patient', 'the event has no patient_ref: PID-3 cannot be written');
    const record = await fromVault(event.patient_ref);
    if (!record) throw new OutboundBuildError('no_patient_identifiers', "the PHI vault holds no identifiers for the event's patient_ref: PID-3 cannot be written");
    return record;
  };

  /** The visit number behind the dispense's encounter_ref, for PV1-19; none when the dispense names no visit. */
  const encounterOf = async (event: CanonicalEvent): Promise<PhiRecord | undefined> => {
    const token = event.payload.encounter_ref;
    return typeof token === 'string' ? fromVault(token) : undefined;
  };

  const handle = async (batch: BusMessage[]): Promise<void> => {
    for (const m of batch) await deliver(m);
  };

  // A resend goes through the same client (so it queues behind the live feed's message in flight) and the same
  // records, but it is not the consumer's message: the status's latest outcome stays the live feed's.
  const resendLog = log.child({ resend: true });
  const resend = async (event: CanonicalEvent): Promise<ResendResult> => {
    let outcome: OutboundOutcome | undefined;
    const noted: Recorder = (eventId, o2, r) => {
      outcome = o2;
      return keepRecord(eventId, o2, r);
    };
    try {
      await deliverEvent(event, noted, resendLog);
    } catch (err) {
      return { outcome: outcome ?? 'unavailable', detail: (err as Error).message };
    }
    return { outcome: outcome ?? 'not_for_this_ehr' };
  };

  const policy = clientRetryPolicy(settings.retry);
  const consumer: RunningConsumer = await startBatchConsumer({
    bus: o.bus,
    stream: o.bus.names.streams.events,
    durable,
    filterSubject: outboundFilter(o.bus, target.facility),
    // The gateway's own: a delivery that takes longer (an EHR slow to answer, retries) is reported in progress, and
    // the one a crashed gateway was sending is sent again this soon after, by whichever gateway serves the EHR.
    ackWaitMs: o.ackWaitMs,
    retryPauseMaxMs: MAX_BACKOFF_MS,
    // One message in flight per EHR: HL7 receivers take one message at a time, and a reversal must not overtake
    // its dispense while the dispense waits for the EHR to come back.
    maxAckPending: 1,
    maxDeliver: o.maxDeliver,
    batchMax: 1,
    handle,
    backoffMs: (deliveries) => Math.min(MAX_BACKOFF_MS, Math.max(policy.initialDelayMs, 100) * 2 ** Math.min(Math.max(0, deliveries - 1), 16)),
    onDeadLetter: (m) => {
      o.metrics.deadLettered.inc({ consumer: durable });
      count('dead_lettered');
      // The last attempt's record, now final: its answer or reason stays with it.
      if (last?.seq === m.seq) {
        last = { seq: m.seq, record: { ...last.record, outcome: 'dead_lettered', at: now().toISOString() } };
        o.deliveries?.record(last.record);
      }
    },
    logger: log,
  });
  log.info({ host: target.host, port: target.port, tls: target.tls }, 'HL7 outbound worker started');

  return {
    target,
    durable,
    state: () => ({ target, durable, last: last?.record, lastSentAt }),
    handle,
    resend,
    async stop() {
      // Closing the client fails a send in progress at once (naked, resent later) instead of waiting for its timeouts.
      await Promise.all([consumer.stop(), client.close()]);
    },
  };
}

export async function startOutboundWorkers(o: Omit<OutboundWorkerOptions, 'target'> & { targets: readonly OutboundTarget[] }): Promise<OutboundWorkers> {
  const workers: OutboundWorker[] = [];
  const stop = async () => {
    await Promise.all(workers.map((w) => w.stop()));
  };
  try {
    for (const target of o.targets) workers.push(await startOutboundWorker({ ...o, target }));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    handlers: new Map(workers.map((w) => [w.durable, w.handle])),
    resenders: new Map(workers.map((w) => [w.target.facility, w.resend])),
    states: () => workers.map((w) => w.state()),
    consumerNames: () => workers.map((w) => w.durable),
    stop,
  };
}

function describeAttempts(attempts: readonly MllpAttempt[]): string {
  return attempts
    .map((a) => `#${a.attempt} ${a.outcome}${a.detail ? ` (${a.detail.slice(0, 120)})` : ''}${a.connection ? ` ${a.connection}` : ''}${a.unmatchedAnswers ? ` unmatched=${a.unmatchedAnswers}` : ''}`)
    .join('; ');
}
