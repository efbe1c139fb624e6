import { connect as netConnect, isIP, type Socket } from 'node:net';
import { createSecureContext, connect as tlsConnect, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { delayBeforeAttempt, retryPolicy, type RetryPolicy } from './backoff.ts';
import { systemClock, type Clock } from './clock.ts';
import { describeCause, MllpClientClosedError, MllpDeliveryError, type MllpAttempt, type MllpAttemptOutcome } from './errors.ts';
import { decodeChunk, decoderOptions, DEFAULT_MAX_FRAME_BYTES, frame, initialDecoderState, type MllpDecoderState } from './framing.ts';
import { readTlsMaterial, sameTlsMaterial, type TlsMaterial } from './tls-material.ts';

/**
 * Outbound MLLP client, for sending HL7 to EHRs.
 *
 * - One connection per client, reused for every message and reopened when it drops.
 * - One message at a time: send() calls queue up and run in call order (an HL7 receiver answers in order, and an
 *   ordered feed must stay ordered).
 * - The answer is the first frame that `matches` accepts (the HL7 layer checks MSA-2 = MSH-10). Frames it refuses,
 *   and frames arriving while nothing is awaited, are logged and dropped.
 * - When no matching answer comes within `answerTimeoutMs` the connection is destroyed, not reused: an answer that
 *   comes late can then never be read, so it can never be taken for the answer to the next message.
 * - Failed attempts are retried with exponential backoff (time from the injected clock); after the last one send()
 *   rejects with MllpDeliveryError carrying every attempt, for the dead-letter stream.
 */

export interface MllpClientTlsOptions {
  /** PEM file of the CA that signs the receiver's certificate (default: Node's public roots) */
  caFile?: string | undefined;
  /** PEM files of our client certificate and key, for receivers that require mutual TLS */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** name checked against the receiver's certificate (default: host, unless host is an IP address) */
  servername?: string | undefined;
  /** default true; false only for tests against self-signed receivers */
  rejectUnauthorized?: boolean | undefined;
}

export interface MllpClientOptions {
  host: string;
  port: number;
  logger: Logger;
  tls?: MllpClientTlsOptions | undefined;
  /** wait for the matching answer, from the write (default 30 s) */
  answerTimeoutMs?: number | undefined;
  /** wait for the TCP (and TLS) connection (default 10 s) */
  connectTimeoutMs?: number | undefined;
  /**
   * Close the connection after this long without a message (default 60 s; 0 keeps it open until the receiver closes
   * it). Firewalls between hospital networks drop idle TCP sessions without telling either end; a message written
   * into such a dead session would wait out its whole answer timeout before the retry on a new connection.
   */
  idleCloseMs?: number | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** largest answer frame read (default 10 MiB); larger ones are dropped */
  maxFrameBytes?: number | undefined;
  clock?: Clock | undefined;
  /** draws the random share of each retry wait (default Math.random) */
  random?: (() => number) | undefined;
}

export type AnswerMatcher = (answer: Uint8Array) => boolean;

export interface MllpSendResult {
  /** payload of the matching answer frame */
  readonly answer: Uint8Array;
  readonly attempts: readonly MllpAttempt[];
}

export interface MllpClient {
  /** Sends one payload and resolves with the answer `matches` accepts; rejects with MllpDeliveryError when every attempt failed. */
  send(payload: Uint8Array, matches: AnswerMatcher): Promise<MllpSendResult>;
  /** Closes the connection; a send in progress fails with its history, later ones with MllpClientClosedError. */
  close(): Promise<void>;
}

export function createMllpClient(options: MllpClientOptions): MllpClient {
  return new OutboundMllpClient(options);
}

class AttemptFailure extends Error {
  constructor(
    readonly outcome: Exclude<MllpAttemptOutcome, 'answered'>,
    readonly detail: string,
  ) {
    super(`${outcome}: ${detail}`);
  }
}

interface Waiter {
  readonly matches: AnswerMatcher;
  unmatched: number;
  answered(answer: Uint8Array): void;
  failed(failure: AttemptFailure): void;
}

interface OutboundConnection {
  readonly id: string;
  readonly socket: Socket;
  decoder: MllpDecoderState;
  waiter: Waiter | undefined;
  lastError: string | undefined;
  messages: number;
  /** cancels the pending idle close, when one is armed */
  cancelIdleClose: (() => void) | undefined;
}

class OutboundMllpClient implements MllpClient {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly answerTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly idleCloseMs: number;
  private readonly decoderSettings;
  private current: OutboundConnection | undefined;
  private connectionsOpened = 0;
  /** the TLS files as last read and usable, and their context; each new connection reads them again (renewals) */
  private lastGoodTlsFiles: TlsMaterial | undefined;
  private lastGoodTls: SecureContext | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: MllpClientOptions) {
    this.log = options.logger.child({ component: 'mllp-client', host: options.host, port: options.port });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.policy = retryPolicy(options.retry);
    this.answerTimeoutMs = options.answerTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.idleCloseMs = options.idleCloseMs ?? 60_000;
    this.decoderSettings = decoderOptions({ maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
  }

  send(payload: Uint8Array, matches: AnswerMatcher): Promise<MllpSendResult> {
    let framed: Uint8Array;
    try {
      framed = frame(payload); // MllpEncodeError: no retry can fix the payload, so it is not attempted
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.tail.then(() => this.deliver(framed, matches));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.current;
    this.current = undefined;
    if (!connection) return;
    connection.cancelIdleClose?.();
    connection.waiter?.failed(new AttemptFailure('client_closed', 'close() called'));
    await new Promise<void>((resolve) => {
      if (connection.socket.destroyed) return resolve();
      connection.socket.once('close', () => resolve());
      connection.socket.destroy();
    });
  }

  private async deliver(framed: Uint8Array, matches: AnswerMatcher): Promise<MllpSendResult> {
    const { host, port } = this.options;
    if (this.closed) throw new MllpClientClosedError(host, port);
    const attempts: MllpAttempt[] = [];
    for (let attempt = 1; attempt <= this.policy.attempts; attempt++) {
      const delayBeforeMs = delayBeforeAttempt(this.policy, attempt, this.random);
      if (delayBeforeMs > 0) await this.clock.sleep(delayBeforeMs);
      if (this.closed) break;
      const startedAt = this.clock.now();
      let connection: OutboundConnection | undefined;
      let reusedConnection = false;
      let waiter: Waiter | undefined;
      try {
        reusedConnection = this.current !== undefined;
        connection = this.current ?? (await this.open());
        const answer = await this.exchange(connection, framed, matches, (w) => (waiter = w));
        this.armIdleClose(connection);
        attempts.push({ attempt, delayBeforeMs, startedAt, endedAt: this.clock.now(), outcome: 'answered', connection: connection.id, reusedConnection, unmatchedAnswers: waiter?.unmatched ?? 0 });
        return { answer, attempts };
      } catch (err) {
        const failure = err instanceof AttemptFailure ? err : new AttemptFailure('write_failed', describeCause(err));
        attempts.push({
          attempt,
          delayBeforeMs,
          startedAt,
          endedAt: this.clock.now(),
          outcome: failure.outcome,
          detail: failure.detail,
          ...(connection ? { connection: connection.id } : {}),
          reusedConnection,
          unmatchedAnswers: waiter?.unmatched ?? 0,
        });
        this.log.warn({ attempt, of: this.policy.attempts, outcome: failure.outcome, detail: failure.detail, connection: connection?.id }, 'MLLP delivery attempt failed');
        if (connection) this.discard(connection);
        if (failure.outcome === 'client_closed') break;
      }
    }
    throw new MllpDeliveryError(host, port, attempts);
  }

  /** Writes one frame and waits for the answer `matches` accepts, or for the timeout, or for the connection to drop. */
  private exchange(connection: OutboundConnection, framed: Uint8Array, matches: AnswerMatcher, expose: (w: Waiter) => void): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        if (connection.waiter === waiter) connection.waiter = undefined;
        fn();
      };
      const waiter: Waiter = {
        matches,
        unmatched: 0,
        answered: (answer) => settle(() => resolve(answer)),
        failed: (failure) => settle(() => reject(failure)),
      };
      const cancelTimer = this.clock.setTimer(this.answerTimeoutMs, () =>
        waiter.failed(new AttemptFailure('answer_timeout', `no matching answer within ${this.answerTimeoutMs} ms`)),
      );
      expose(waiter);
      connection.cancelIdleClose?.();
      connection.cancelIdleClose = undefined;
      connection.waiter = waiter;
      connection.messages += 1;
      connection.socket.write(framed, (err) => {
        if (err) waiter.failed(new AttemptFailure('write_failed', describeCause(err)));
      });
    });
  }

  /**
   * Connections are reused, so reading the files per connection costs little, and a renewed client certificate or
   * CA is used from the next connection on. Files that cannot be read or used together fall back to the files last
   * read (a renewal half written); with none yet, the attempt fails as a connection failure naming the problem,
   * and is retried.
   */
  private async readTlsFilesOrLastGood(tls: MllpClientTlsOptions): Promise<SecureContext> {
    try {
      const material = await readTlsMaterial(tls, { cert: 'certFile', key: 'keyFile', ca: 'caFile' });
      // Throws for a key that is not the certificate's, as in a renewal half written.
      const context = createSecureContext(material);
      if (this.lastGoodTlsFiles && !sameTlsMaterial(material, this.lastGoodTlsFiles)) this.log.info('MLLP client TLS files changed: new connections use them');
      this.lastGoodTlsFiles = material;
      this.lastGoodTls = context;
      return context;
    } catch (err) {
      if (!this.lastGoodTls) throw new AttemptFailure('connect_failed', describeCause(err));
      this.log.warn({ reason: 'tls_reload_failed', err: describeCause(err) }, 'MLLP client TLS files unusable: the last good ones are used');
      return this.lastGoodTls;
    }
  }

  private async open(): Promise<OutboundConnection> {
    const { host, port, tls } = this.options;
    const secureContext = tls ? await this.readTlsFilesOrLastGood(tls) : undefined;
    const socket = tls
      ? tlsConnect({
          host,
          port,
          secureContext,
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
          ...(tls.servername ? { servername: tls.servername } : isIP(host) ? {} : { servername: host }),
        })
      : netConnect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        cancelTimer();
        socket.destroy();
        reject(new AttemptFailure('connect_failed', describeCause(err)));
      };
      const cancelTimer = this.clock.setTimer(this.connectTimeoutMs, () => {
        socket.off('error', onError);
        socket.on('error', () => undefined);
        socket.destroy();
        reject(new AttemptFailure('connect_timeout', `no connection within ${this.connectTimeoutMs} ms`));
      });
      socket.once('error', onError);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        cancelTimer();
        socket.off('error', onError);
        resolve();
      });
    });
    this.connectionsOpened += 1;
    const connection: OutboundConnection = {
      id: `c${this.connectionsOpened}`,
      socket,
      decoder: initialDecoderState(this.decoderSettings),
      waiter: undefined,
      lastError: undefined,
      messages: 0,
      cancelIdleClose: undefined,
    };
    this.watch(connection);
    this.current = connection;
    this.log.debug({ connection: connection.id, tls: Boolean(tls) }, 'MLLP client connected');
    return connection;
  }

  private watch(connection: OutboundConnection): void {
    const { socket } = connection;
    socket.on('data', (chunk: Buffer) => {
      const result = decodeChunk(connection.decoder, chunk);
      connection.decoder = result.state;
      for (const event of result.events) {
        if (event.type !== 'frame') {
          this.log.warn({ connection: connection.id, event: event.type, size: event.size }, 'MLLP client dropped bytes that are not an answer frame');
          continue;
        }
        const waiter = connection.waiter;
        if (!waiter) {
          this.log.warn({ connection: connection.id, reason: 'unsolicited_answer' }, 'MLLP client dropped an answer while none was awaited');
          continue;
        }
        let accepted = false;
        try {
          accepted = waiter.matches(event.payload);
        } catch (err) {
          this.log.error({ connection: connection.id, err: describeCause(err) }, 'MLLP answer matcher threw; answer ignored');
        }
        if (accepted) {
          waiter.answered(event.payload);
        } else {
          waiter.unmatched += 1;
          this.log.warn({ connection: connection.id, reason: 'unmatched_answer' }, 'MLLP client dropped an answer that does not match the message');
        }
      }
    });
    socket.on('error', (err) => {
      connection.lastError = describeCause(err);
    });
    socket.on('close', () => {
      connection.cancelIdleClose?.();
      if (this.current === connection) this.current = undefined;
      connection.waiter?.failed(new AttemptFailure('closed_before_answer', connection.lastError ?? 'connection closed by the receiver'));
      this.log.debug({ connection: connection.id, messages: connection.messages, err: connection.lastError }, 'MLLP client connection closed');
    });
  }

  /** After an answer, the connection waits for the next message at most `idleCloseMs`, then is closed. */
  private armIdleClose(connection: OutboundConnection): void {
    if (this.idleCloseMs <= 0) return;
    connection.cancelIdleClose?.();
    connection.cancelIdleClose = this.clock.setTimer(this.idleCloseMs, () => {
      connection.cancelIdleClose = undefined;
      if (connection.waiter || this.current !== connection) return;
      this.current = undefined;
      this.log.debug({ connection: connection.id, idle_ms: this.idleCloseMs }, 'MLLP client closed an idle connection');
      connection.socket.destroy();
    });
  }

  /** A connection that failed an attempt is never used again: a late answer on it must not meet the next message. */
  private discard(connection: OutboundConnection): void {
    connection.cancelIdleClose?.();
    connection.cancelIdleClose = undefined;
    if (this.current === connection) this.current = undefined;
    connection.waiter = undefined;
    connection.socket.destroy();
  }
}
