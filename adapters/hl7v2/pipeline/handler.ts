import type { Logger } from 'pino';
import type { Bus } from '../../../gateway/bus/connection.ts';
import { quarantine, type MessageSource } from '../../../gateway/bus/quarantine.ts';
import { BusFullError } from '../../../gateway/bus/jetstream-publisher.ts';
import { correlationId, sha256Hex, uuidv7 } from '../../../gateway/events/ids.ts';
import { acceptEvents, EarlierEventGoneError, type Accepted, type IntakeDeps } from '../../../gateway/intake/accept.ts';
import type { Metrics } from '../../../gateway/metrics.ts';
import type { PhiVault } from '../../../gateway/phi/vault.ts';
import { ackFor, ackPlan, buildAck, buildRejectForUnparseable, issueFromError, type AckIssue } from '../ack.ts';
import { encodeText } from '../charset.ts';
import type { Hl7Message } from '../message.ts';
import type { MllpConnectionInfo, MllpDiscardReason, MllpHandler } from '../mllp/handler.ts';
import { parseBatch, parseMessage, type Hl7Batch } from '../parse.ts';
import { findMissingValues } from '../validate.ts';
import { UnstorableEventError } from '../../../gateway/store/unstorable-text.ts';
import { batchAck, isBatch } from './batch-ack.ts';
import { translate } from '../translate/index.ts';
import type { TranslateContext, TranslateIssue } from '../translate/types.ts';
import type { Lanes } from './lanes.ts';
import { messageSource, peekedSource } from './message-source.ts';
import { senderOf } from '../sender.ts';
import { repeatMsgId } from './repeat-id.ts';
import type { SeenMessages } from './seen-messages.ts';
import { connectionIdentities, senderAllowed, type AllowRule } from './sender-allow-list.ts';

/**
 * The HL7 v2 pipeline behind the MLLP listener: parse → sender check → repeat check → translate → PHI to the
 * vault → publish and wait for the ack point (in the lane of the facility and patient) → ACK. Every rejected
 * payload is kept in quarantine with its reason; a positive ACK goes out only once the events are durable.
 */

export interface Hl7PipelineDeps {
  bus: Bus;
  intake: IntakeDeps;
  metrics: Metrics;
  logger: Logger;
  vault: PhiVault;
  seen: SeenMessages;
  lanes: Lanes;
  allowRules: AllowRule[];
  /** MSH-11.1 values taken (HL7_PROCESSING_IDS); others are refused with AR and ERR 202 */
  processingIds: readonly string[];
  /** The configured, message-independent part of the translation context. */
  translation: Pick<TranslateContext, 'facility' | 'tokenKey' | 'drugs' | 'defaultTimeZone' | 'facilityTimeZones' | 'unhandled' | 'orderObservations'>;
  /**
   * Told of each message accepted (not of repeats), after its answer is decided and without holding it up: what
   * else the gateway learns from a message beyond its events (an EHR's application ACK of a dispense sent to it).
   */
  onAccepted?: (message: Hl7Message, receivedAt: Date, log: Logger) => Promise<void>;
  now?: () => Date;
  newControlId?: () => string;
}

/** JetStream's default max payload is 1 MiB; quarantine keeps the first bytes of anything larger, and says so. */
const QUARANTINE_COPY_MAX_BYTES = 900 * 1024;

export interface Processed {
  /** the answer frames, in order (enhanced mode: commit ACK, then the application ACK when asked) */
  frames: Uint8Array[];
  outcome: 'accept' | 'error' | 'reject';
  /** quarantine reason when not accepted */
  reason?: string;
  eventIds: string[];
  /** codes and locations only, for quarantine details and replay results */
  issues?: unknown[];
  /** what went into the ERR segments of a negative answer */
  ackIssues?: AckIssue[];
  /** MSH-9 as code^trigger, for metrics; absent when the frame did not parse, 'batch' for a batch */
  messageType?: string;
}

export interface ProcessOptions {
  /** false for an analyst's replay of a quarantined copy: the allow-list is for connections, and a replay has none */
  checkSender: boolean;
  /** the quarantine entry being replayed: a refusal keeps no second copy of it */
  keptAs?: number | undefined;
}

export interface Hl7Handler extends MllpHandler {
  /** What onMessage does, with the outcome spelled out; a quarantine replay calls it without the sender check. */
  process(payload: Uint8Array, conn: MllpConnectionInfo, opts: ProcessOptions): Promise<Processed>;
  /** MSH-3^MSH-4 of the last message read on a connection (for its status); undefined before the first */
  lastSender(conn: MllpConnectionInfo): string | undefined;
}

export function createHl7Handler(deps: Hl7PipelineDeps): Hl7Handler {
  const now = deps.now ?? (() => new Date());
  // Keyed by the connection's info object, which lives as long as the connection: nothing to clean up.
  const lastSenders = new WeakMap<MllpConnectionInfo, string>();
  const newControlId = deps.newControlId ?? (() => uuidv7().replace(/-/g, '').slice(0, 20));

  /**
   * Keeps a refused copy in quarantine and returns its id, or undefined when quarantine cannot take it. A replay of
   * an entry (`keptAs`) keeps nothing new: the entry it came from is the copy, and records the outcome itself.
   */
  const keep = async (copy: {
    raw: Uint8Array;
    reason: string;
    message: string;
    details: unknown;
    correlation: string;
    conn: MllpConnectionInfo;
    receivedAt: Date;
    source: MessageSource | undefined;
    keptAs?: number | undefined;
  }): Promise<number | undefined> => {
    const { raw, reason, details, correlation } = copy;
    if (copy.keptAs !== undefined) return copy.keptAs;
    try {
      const id = await quarantine(deps.bus, {
        adapter: 'hl7v2',
        reason,
        message: copy.message,
        details: raw.length > QUARANTINE_COPY_MAX_BYTES ? { issues: details, kept_bytes: QUARANTINE_COPY_MAX_BYTES, size: raw.length } : details,
        correlation_id: correlation,
        content_type: 'application/hl7-v2',
        raw: raw.subarray(0, QUARANTINE_COPY_MAX_BYTES),
        received_at: copy.receivedAt.toISOString(),
        source: copy.source,
      });
      deps.metrics.quarantined.inc({ adapter: 'hl7v2', reason });
      return id;
    } catch (err) {
      // The sender gets a negative ACK either way and will resend; the log line is what remains of this copy.
      deps.logger.error({ correlation_id: correlation, connection: copy.conn.id, reason, error: (err as Error).message }, 'quarantine unavailable');
      return undefined;
    }
  };

  const encode = (text: string, charset: string): Uint8Array => {
    try {
      return encodeText(text, charset);
    } catch {
      return new TextEncoder().encode(text);
    }
  };

  const reject = async (
    raw: Uint8Array,
    error: unknown,
    reason: string,
    conn: MllpConnectionInfo,
    receivedAt: Date,
    opts: ProcessOptions,
  ): Promise<Uint8Array> => {
    const correlation = uuidv7();
    const issue = issueFromError(error);
    const id = await keep({
      raw,
      reason,
      message: issue.diagnostic ?? reason,
      details: [locationOnly(issue)],
      correlation,
      conn,
      receivedAt,
      source: peekedSource(raw),
      keptAs: opts.keptAs,
    });
    deps.logger.warn(
      { correlation_id: correlation, connection: conn.id, reason, code: issue.code, location: issue.location, quarantine_id: id },
      'hl7 message rejected',
    );
    const ack = buildRejectForUnparseable(raw, error, { controlId: newControlId(), timestamp: receivedAt });
    return encode(ack.toString(), ack.charset);
  };

  /** The answer frames for a message that was understood: negative ones quarantine the message first. */
  const answer = (message: Hl7Message, outcome: 'accept' | 'error' | 'reject', issues: AckIssue[], text?: string): Uint8Array[] => {
    const plan = ackPlan(message);
    const frames: Uint8Array[] = [];
    const timestamp = now();
    if (plan.mode === 'enhanced') {
      const commit = ackFor(plan, 'commit', outcome === 'accept' ? 'accept' : outcome);
      // A message that cannot be processed is still received: its commit ACK is CA unless it was rejected outright.
      if (commit.send) frames.push(encode(buildAck(message, { code: commit.code, controlId: newControlId(), timestamp, issues, text }).toString(), message.charset));
      const application = ackFor(plan, 'application', outcome);
      if (application.send && outcome !== 'reject') {
        frames.push(encode(buildAck(message, { code: application.code, controlId: newControlId(), timestamp, issues, text }).toString(), message.charset));
      }
      return frames;
    }
    const application = ackFor(plan, 'application', outcome);
    if (!application.send) return [];
    return [encode(buildAck(message, { code: application.code, controlId: newControlId(), timestamp, issues, text }).toString(), message.charset)];
  };

  /**
   * An AE tells the sender not to send the message again, so after it the copy in quarantine is the only one left.
   * When quarantine cannot take it (the bus is down) the sender is asked to resend instead — AR, ERR 207 — and the
   * AE goes to a later copy that can be kept.
   */
  const errorAnswer = (
    message: Hl7Message,
    quarantineId: number | undefined,
    issues: AckIssue[],
    details: Pick<Processed, 'reason' | 'issues'>,
    log: Logger,
  ): Processed => {
    if (quarantineId === undefined) {
      log.warn({ reason: details.reason }, 'hl7 message answered AR instead of AE: it cannot be kept in quarantine now, so the sender keeps it');
      const issue: AckIssue = { code: 207, diagnostic: 'the message cannot be kept for review just now; resend' };
      return { frames: answer(message, 'reject', [issue], 'temporarily unable to keep the message; resend'), outcome: 'reject', reason: 'quarantine_unavailable', eventIds: [], ackIssues: [issue] };
    }
    return { frames: answer(message, 'error', issues), outcome: 'error', eventIds: [], ackIssues: issues, ...details };
  };

  /** Every frame's answer is counted and timed: what a sender waits for, by outcome. */
  const process = async (payload: Uint8Array, conn: MllpConnectionInfo, opts: ProcessOptions): Promise<Processed> => {
    const started = performance.now();
    const processed = await processFrame(payload, conn, opts);
    deps.metrics.hl7AckSeconds.observe({ outcome: processed.outcome }, (performance.now() - started) / 1000);
    deps.metrics.hl7Messages.inc({ type: metricType(processed.messageType), outcome: processed.outcome });
    return processed;
  };

  const processFrame = async (payload: Uint8Array, conn: MllpConnectionInfo, opts: ProcessOptions): Promise<Processed> => {
    const receivedAt = now();
    const started = performance.now();
    if (isBatch(payload)) return processBatch(payload, conn, opts, receivedAt);
    let message: Hl7Message;
    try {
      message = parseMessage(payload);
    } catch (err) {
      return { frames: [await reject(payload, err, 'parse', conn, receivedAt, opts)], outcome: 'reject', reason: 'parse', eventIds: [] };
    }
    return processParsed(message, payload, conn, opts, receivedAt, started);
  };

  /**
   * A batch (FHS/BHS … BTS/FTS) in one frame gets one frame back: a batch holding the ACKs its messages asked for
   * (none for a message whose MSH-15/16 say NE), in order, each message handled as if it had come alone; the
   * envelope is sent even when empty, so the sender knows the batch arrived. A batch that does not parse (wrong
   * counts, missing trailer) is rejected whole.
   */
  const processBatch = async (payload: Uint8Array, conn: MllpConnectionInfo, opts: ProcessOptions, receivedAt: Date): Promise<Processed> => {
    let batch: Hl7Batch;
    try {
      batch = parseBatch(payload);
    } catch (err) {
      return { frames: [await reject(payload, err, 'parse', conn, receivedAt, opts)], outcome: 'reject', reason: 'parse', eventIds: [] };
    }
    const acks: string[] = [];
    const eventIds: string[] = [];
    let worst: Processed['outcome'] = 'accept';
    for (const message of batch.messages) {
      const bytes = encode(message.toString(), message.charset);
      const one = await processParsed(message, bytes, conn, opts, receivedAt, performance.now());
      eventIds.push(...one.eventIds);
      if (one.outcome !== 'accept') worst = worst === 'reject' ? worst : one.outcome;
      // Inside a batch every answer the message asked for is included (enhanced mode: commit, then application),
      // and a message in error is always answered: the batch ACK is the only way the sender learns of it.
      const frames =
        one.outcome !== 'accept' && one.frames.length === 0
          ? [encode(buildAck(message, { code: one.outcome === 'error' ? 'AE' : 'AR', controlId: newControlId(), timestamp: now(), issues: one.ackIssues }).toString(), message.charset)]
          : one.frames;
      for (const f of frames) acks.push(new TextDecoder().decode(f).replace(/\r$/, ''));
    }
    const text = batchAck(batch, acks, { controlId: newControlId(), timestamp: now() });
    return { frames: [encode(text, batch.messages[0]?.charset ?? '')], outcome: worst, reason: worst === 'accept' ? undefined : 'batch', eventIds, messageType: 'batch' };
  };

  /** `started`: performance.now() when the work on this message began, for the prepare stage's timing. */
  const processParsed = async (message: Hl7Message, payload: Uint8Array, conn: MllpConnectionInfo, opts: ProcessOptions, receivedAt: Date, started: number): Promise<Processed> => ({
    ...(await answerParsed(message, payload, conn, opts, receivedAt, started)),
    messageType: `${message.messageCode}^${message.triggerEvent}`,
  });

  const answerParsed = async (
    message: Hl7Message,
    payload: Uint8Array,
    conn: MllpConnectionInfo,
    opts: ProcessOptions,
    receivedAt: Date,
    started: number,
  ): Promise<Processed> => {
    const correlation = correlationId(message.controlId);
    const log = deps.logger.child({ correlation_id: correlation, connection: conn.id, adapter: 'hl7v2' });
    /** Keeps this message in quarantine (what a negative answer needs first); its id, or undefined when it cannot. */
    const keepCopy = (reason: string, text: string, details: unknown) =>
      keep({ raw: payload, reason, message: text, details, correlation, conn, receivedAt, source: messageSource(message), keptAs: opts.keptAs });
    const type = `${message.messageCode}^${message.triggerEvent}`;
    const senderKey = senderOf(message);
    lastSenders.set(conn, senderKey);

    const sender = { application: message.msh.get(3), facility: message.msh.get(4) };
    if (opts.checkSender && !senderAllowed(deps.allowRules, connectionIdentities(conn), sender)) {
      const issue: AckIssue = { code: 207, diagnostic: 'sender is not allowed on this connection', location: { segment: 'MSH', segmentIndex: 1, occurrence: 1, field: 3 } };
      const id = await keepCopy('sender_not_allowed', issue.diagnostic!, [locationOnly(issue)]);
      log.warn({ sender: `${sender.application}^${sender.facility}`, identity: conn.peerIdentity, quarantine_id: id }, 'sender not allowed');
      return { frames: answer(message, 'reject', [issue], 'sender not allowed on this connection'), outcome: 'reject', reason: 'sender_not_allowed', eventIds: [], ackIssues: [issue] };
    }

    // A training or debugging feed pointed at a production gateway by mistake would put test dispenses in the
    // ledger: the processing id is checked before anything is translated (HL7 v2.5 §2.9.2: AR, table 0357 code 202).
    if (!deps.processingIds.includes(message.processingId)) {
      // Quoted only when it looks like a processing id: the field is the sender's text, and it goes into the log.
      const shown = /^[A-Za-z0-9]{1,3}$/.test(message.processingId) ? message.processingId : undefined;
      const given = message.processingId === '' ? 'MSH-11 (processing id) is empty' : `processing id ${shown ?? '(not a table 0103 value)'} is not taken here`;
      const issue: AckIssue = { code: 202, diagnostic: `${given} (this gateway takes ${deps.processingIds.join(', ')})`, location: { segment: 'MSH', segmentIndex: 1, occurrence: 1, field: 11 } };
      const id = await keepCopy('processing_id', issue.diagnostic!, [locationOnly(issue)]);
      log.warn({ type, processing_id: shown, quarantine_id: id }, 'hl7 message with a processing id this gateway does not take (AR)');
      return { frames: answer(message, 'reject', [issue], 'unsupported processing id'), outcome: 'reject', reason: 'processing_id', eventIds: [], ackIssues: [issue] };
    }


    // A repeat (same sender and MSH-10 within the dedupe window) gets the answer it got the first time. Asking the
    // bus for that on every message would cost a round trip each; instead the question is asked only where a repeat
    // shows: the events come back from the bus or the ledger as already accepted, the message produced no event,
    // or it would now be refused (the mapping tables may have changed since it was accepted).
    const repeated = async (): Promise<Processed | undefined> => {
      // Without the record a repeat still gets a positive answer of its own, and still no second event.
      const seen = await deps.seen.get(senderKey, message.controlId).catch((err: Error) => {
        log.warn({ error: err.message }, 'could not look up the earlier answer to a repeated message');
        return null;
      });
      if (!seen) return undefined;
      log.info({ type, event_ids: seen.event_ids }, 'repeated message: same ACK, no new event');
      return { frames: seen.acks.map((part) => Buffer.from(part, 'base64')), outcome: 'accept', eventIds: seen.event_ids };
    };
    const missing = findMissingValues(message);
    const result = missing.length > 0 ? undefined : translate(message, {
      ...deps.translation,
      receivedAt,
      newId: () => uuidv7(receivedAt.getTime()),
      rawSha256: sha256Hex(payload),
      correlationId: correlation,
    });
    if (missing.length > 0 || !result || result.errors.length > 0 || result.events.length === 0) {
      const earlier = await repeated();
      if (earlier) return earlier;
    }

    if (result?.refused) {
      const issue: AckIssue = { code: result.refused.code, diagnostic: result.refused.detail, location: result.refused.location };
      const id = await keepCopy('unsupported_type', issue.diagnostic!, [locationOnly(issue)]);
      log.warn({ type, quarantine_id: id }, 'hl7 message of a type this gateway does not take (AR)');
      return { frames: answer(message, 'reject', [issue], 'unsupported message type'), outcome: 'reject', reason: 'unsupported_type', eventIds: [], ackIssues: [issue] };
    }

    if (missing.length > 0 || !result) {
      const issues = missing.map(issueFromError);
      const id = await keepCopy('validation', missing[0]!.detail, issues.map(locationOnly));
      log.warn({ type, codes: issues.map((i) => i.code), quarantine_id: id }, 'hl7 message lacks required values (AE)');
      return errorAnswer(message, id, issues, { reason: 'validation', issues: issues.map(locationOnly) }, log);
    }

    if (result.errors.length > 0) {
      const issues = result.errors.map(translateIssue);
      const id = await keepCopy('translate', result.errors[0]!.detail, issues.map(locationOnly));
      log.warn({ type, codes: issues.map((i) => i.code), quarantine_id: id }, 'hl7 message not processed (AE)');
      return errorAnswer(message, id, issues, { reason: 'translate', issues: issues.map(locationOnly) }, log);
    }

    deps.metrics.ackStageSeconds.observe({ adapter: 'hl7v2', stage: 'prepare' }, (performance.now() - started) / 1000);
    let accepted: Accepted[];
    try {
      const first = result.events[0];
      const lane = first ? `${first.facility_id}|${first.patient_ref ?? ''}` : 'none';
      // Both must be durable before the ACK; neither needs the other, so they run side by side.
      [, accepted] = await Promise.all([
        Promise.all(result.phi.map((entry) => (entry.source === 'MRG' ? deps.vault.putIfAbsent(entry.token, entry.record) : deps.vault.put(entry.token, entry.record)))),
        deps.lanes.run(lane, () =>
          acceptEvents(
            deps.intake,
            result.events,
            result.events.map((e, i) => repeatMsgId(e.source.sender, e.source.message_id, i + 1)),
          ),
        ),
      ]);
    } catch (err) {
      if (err instanceof UnstorableEventError) {
        const issue: AckIssue = { code: 102, diagnostic: `a value cannot be stored: ${err.reason} at ${err.path}` };
        const id = await keepCopy('unstorable', issue.diagnostic!, [locationOnly(issue)]);
        log.warn({ type, path: err.path, quarantine_id: id }, 'hl7 message holds a value the ledger cannot store (AE)');
        return errorAnswer(message, id, [issue], { reason: 'unstorable' }, log);
      }
      if (err instanceof EarlierEventGoneError) {
        // The same sender and MSH-10 were accepted within the window, but the bus no longer holds that event.
        const id = await keepCopy('repeat_unverifiable', err.message, []);
        log.warn({ type, stream_seq: err.seq, quarantine_id: id }, 'repeated MSH-10 whose first event is gone from the bus; copy kept in quarantine');
        const earlier = await repeated();
        if (earlier) return earlier;
        const issue: AckIssue = { code: 207, diagnostic: 'this MSH-10 was accepted before, but its event can no longer be read; kept for review' };
        return errorAnswer(message, id, [issue], { reason: 'repeat_unverifiable' }, log);
      }
      // Not durable, so not acknowledged: the sender keeps the message and sends it again. The attempt is kept too.
      await keepCopy('not_durable', (err as Error).message, []);
      log.error({ type, error: (err as Error).message }, 'hl7 message not stored durably; answered AR so the sender resends');
      const diagnostic = err instanceof BusFullError ? 'the gateway cannot take messages just now (its event stream is full); resend later' : 'temporarily unable to store the message; resend';
      const issue: AckIssue = { code: 207, diagnostic };
      return { frames: answer(message, 'reject', [issue], 'temporarily unable to store; resend'), outcome: 'reject', reason: 'not_durable', eventIds: [], ackIssues: [issue] };
    }
    if (accepted.some((a) => a.differs)) {
      // A resend under the same MSH-10 with other content: answered as the repeat it claims to be, and the copy kept,
      // since what differs (a new MSH-7, or a sender reusing control ids) is for a person to judge.
      const id = await keepCopy('repeat_differs', 'same sender and MSH-10 as an accepted message, other content', []);
      log.warn({ type, event_ids: accepted.map((a) => a.event_id), quarantine_id: id }, 'repeated MSH-10 with other content: answered as a repeat, copy kept in quarantine');
    }
    if (accepted.length > 0 && accepted.every((a) => a.duplicate)) {
      const earlier = await repeated();
      if (earlier) return earlier;
    }
    const frames = answer(message, 'accept', []);
    const eventIds = accepted.map((a) => a.event_id);
    // Facilities are the configured ones (HL7_FACILITY_MAP), so the label stays bounded whatever senders write.
    for (const facility of new Set(result.events.map((e) => e.facility_id))) deps.metrics.hl7LastAccepted.set({ facility }, receivedAt.getTime() / 1000);
    try {
      deps.seen.remember(senderKey, message.controlId, { acks: frames.map((f) => Buffer.from(f).toString('base64')), event_ids: eventIds, at: receivedAt.toISOString() });
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'could not remember the answered message');
    }
    log.info({ type, events: eventIds.length, unhandled: result.unhandled === true, duplicate: accepted.some((a) => a.duplicate) }, 'hl7 message accepted');
    deps.onAccepted?.(message, receivedAt, log).catch((err: Error) => log.warn({ type, error: err.message }, 'could not follow up an accepted message'));
    return { frames, outcome: 'accept', eventIds };
  };

  return {
    process,
    lastSender: (conn) => lastSenders.get(conn),
    onMessage: async (payload, conn) => (await process(payload, conn, { checkSender: true })).frames,
    onOversize: async (prefix, conn, size) => {
      const receivedAt = now();
      const error = new Error(`frame of ${size} bytes exceeds the maximum frame size`);
      const correlation = uuidv7();
      const id = await keep({
        raw: prefix,
        reason: 'oversize',
        message: error.message,
        details: { size, kept_bytes: prefix.length },
        correlation,
        conn,
        receivedAt,
        source: peekedSource(prefix),
      });
      deps.logger.warn({ correlation_id: correlation, connection: conn.id, size, quarantine_id: id }, 'oversize MLLP frame rejected');
      const ack = buildRejectForUnparseable(prefix, error, { controlId: newControlId(), timestamp: receivedAt, text: error.message });
      return encode(ack.toString(), ack.charset);
    },
    onDiscard: (bytes: Uint8Array, conn: MllpConnectionInfo, reason: MllpDiscardReason, size: number) => {
      const correlation = uuidv7();
      deps.logger.warn({ correlation_id: correlation, connection: conn.id, reason, size }, 'bytes outside an MLLP frame discarded');
      if (bytes.length > 0) {
        void keep({ raw: bytes, reason, message: `bytes outside a frame: ${reason}`, details: { size }, correlation, conn, receivedAt: now(), source: undefined });
      }
    },
  };
}

/** Message types come from senders: anything not shaped like an HL7 code^trigger is counted as 'other'. */
function metricType(type: string | undefined): string {
  if (type === undefined) return 'unparsed';
  return type === 'batch' || /^[A-Z0-9]{2,3}\^[A-Z0-9]{2,3}$/.test(type) ? type : 'other';
}

function translateIssue(issue: TranslateIssue): AckIssue {
  return { code: issue.code, diagnostic: issue.detail, severity: issue.severity, location: issue.location };
}

/** What goes into quarantine details and logs: codes and positions, never values (they may be PHI). */
function locationOnly(issue: AckIssue): { code: number; location?: AckIssue['location'] } {
  return { code: issue.code, ...(issue.location ? { location: issue.location } : {}) };
}
