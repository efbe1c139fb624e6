import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { BufferBudget } from './buffer-budget.ts';
import { describeCause } from './errors.ts';
import {
  decodeChunk,
  endOfStream,
  frame,
  heldBytes,
  initialDecoderState,
  isBetweenFrames,
  type MllpDecoderOptions,
  type MllpDecoderState,
  type MllpDiscardReason,
} from './framing.ts';
import type { MllpAnswer, MllpConnectionInfo, MllpHandler } from './handler.ts';

/**
 * One accepted MLLP connection: bytes in, frames to the handler one at a time, answers out.
 *
 * Ordering: an HL7 sender in original mode waits for each ACK, so frames of one connection are handed over
 * strictly one after another. Backpressure: a sender that pipelines can make several frames arrive at once; they
 * are queued, and once `maxQueuedFrames` frames (or `maxFrameBytes` bytes) wait, the socket is paused until the
 * queue is half worked off, so a connection never reads ahead without bound. Writes wait for 'drain' too, so a peer that does not read its ACKs stops being read from.
 * Every connection also counts what it holds against the listener's `budget` and stops reading while that is spent
 * (buffer-budget.ts).
 */

export interface ConnectionSettings {
  readonly handler: MllpHandler;
  readonly logger: Logger;
  readonly decoder: MllpDecoderOptions;
  readonly idleTimeoutMs: number;
  readonly maxQueuedFrames: number;
  /** the listener's budget for the bytes all its connections hold */
  readonly budget: BufferBudget;
}

/** Why a connection ended; every close is logged with one. */
export type CloseReason =
  | 'peer_closed'
  | 'idle_timeout'
  | 'frame_too_large'
  | 'handler_failed'
  | 'answer_unframeable'
  | 'socket_error'
  | 'listener_stopping'
  | 'stop_grace_expired';

/** Where a connection stands now: what it has carried, and whether a frame of it waits for its answer. */
export interface MllpConnectionStats {
  readonly openedAt: Date;
  readonly framesIn: number;
  readonly bytesIn: number;
  /** frames answered (a frame whose sender asked for no answer counts once handled) */
  readonly answered: number;
  /** frames received and not yet answered: queued, or with the handler */
  readonly waiting: number;
  readonly lastFrameAt: Date | undefined;
}

export interface ServedConnection {
  readonly info: MllpConnectionInfo;
  stats(): MllpConnectionStats;
  /** Stop reading; answer every frame already received; then close. */
  drain(): void;
  /** Close at once (used when a graceful stop runs out of time). */
  destroy(reason: CloseReason): void;
  /** Settles when the socket has closed. */
  readonly closed: Promise<void>;
}

type Work = { kind: 'frame'; payload: Uint8Array } | { kind: 'oversize'; prefix: Uint8Array; size: number };

export function serveConnection(socket: Socket, info: MllpConnectionInfo, settings: ConnectionSettings): ServedConnection {
  const { handler, idleTimeoutMs, maxQueuedFrames } = settings;
  const log = settings.logger.child({ conn: info.id });
  let decoder: MllpDecoderState = initialDecoderState(settings.decoder);
  const queue: Work[] = [];
  let queuedBytes = 0;
  const workBytes = (work: Work) => (work.kind === 'frame' ? work.payload.length : work.prefix.length);
  const queueIsFull = () => queue.length >= maxQueuedFrames || queuedBytes >= settings.decoder.maxFrameBytes;
  const queueHasRoom = () => queue.length < Math.ceil(maxQueuedFrames / 2) && queuedBytes < settings.decoder.maxFrameBytes / 2;
  const enqueue = (work: Work) => {
    queue.push(work);
    queuedBytes += workBytes(work);
  };
  let pumping = false; // the queue is being worked (handler call or answer write in progress)
  let handlerInFlight = false;
  let inFlightBytes = 0; // the frame the handler has
  let queueFull = false; // paused for the queue, until it is half worked off
  let budgetPaused = false; // paused for the listener's buffer budget
  let draining = false;
  let peerEnded = false;
  let isClosed = false;
  let closeReason: CloseReason | undefined;
  let framesIn = 0;
  let bytesIn = 0;
  let answered = 0;
  const openedAt = new Date();
  let lastFrameAtMs: number | undefined; // a number per frame, the Date only when asked for
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  socket.setNoDelay(true);
  if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);

  /** Reads while neither the queue nor the listener's budget says stop; a draining connection reads no more. */
  const applyReading = () => {
    if (isClosed || draining) return;
    const mayRead = account.mayRead();
    // The listener logs going over the budget and back once; each connection's part is for debugging.
    if (mayRead === budgetPaused) log.debug({ reason: 'buffer_budget', paused: !mayRead }, mayRead ? 'MLLP connection reading again' : 'MLLP connection paused for the buffer budget');
    budgetPaused = !mayRead;
    const pause = queueFull || budgetPaused;
    if (pause && !socket.isPaused()) socket.pause();
    else if (!pause && socket.isPaused()) socket.resume();
  };
  const account = settings.budget.open(applyReading);
  const countHeld = () => account.set(isClosed ? 0 : heldBytes(decoder) + queuedBytes + inFlightBytes);

  const discard = (bytes: Uint8Array, reason: MllpDiscardReason, size: number) => {
    log.warn({ reason, size }, 'MLLP bytes outside a frame discarded');
    try {
      handler.onDiscard(bytes, info, reason, size);
    } catch (err) {
      log.error({ err: describeCause(err) }, 'MLLP onDiscard handler threw');
    }
  };

  /** The stream will carry no more bytes: report what the decoder still holds. */
  const finishStream = (reason: 'closed_mid_frame' | 'idle_timeout_mid_frame') => {
    for (const event of endOfStream(decoder, reason)) {
      if (event.type === 'discard') discard(event.bytes, event.reason, event.size);
    }
    decoder = initialDecoderState(settings.decoder);
    countHeld();
  };

  const closeGracefully = (reason: CloseReason) => {
    closeReason ??= reason;
    if (isClosed || socket.destroyed) return;
    // end() flushes the answers already written; destroy once our FIN is out, as a peer may never send its own
    socket.end(() => socket.destroy());
  };

  const destroy = (reason: CloseReason) => {
    closeReason ??= reason;
    socket.destroy();
  };

  /** Writes the answer frames in order; false when the connection is gone (or had to go). */
  const writeAnswer = async (answer: MllpAnswer): Promise<boolean> => {
    let framed: Uint8Array;
    try {
      const frames = answer instanceof Uint8Array ? [answer] : answer;
      if (frames.length === 0) return true;
      framed = frames.length === 1 ? frame(frames[0]!) : Buffer.concat(frames.map(frame));
    } catch (err) {
      log.error({ reason: 'answer_unframeable', err: describeCause(err) }, 'MLLP answer cannot be framed; closing');
      destroy('answer_unframeable');
      return false;
    }
    if (socket.write(framed)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
    return !isClosed;
  };

  /** Answers queued frames one at a time; only one pump runs per connection. */
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && !isClosed) {
        const work = queue.shift()!;
        queuedBytes -= workBytes(work);
        inFlightBytes = workBytes(work);
        if (queueFull && queueHasRoom()) {
          queueFull = false;
          applyReading();
        }
        let answer: MllpAnswer | null;
        handlerInFlight = true;
        try {
          answer = work.kind === 'frame' ? await handler.onMessage(work.payload, info) : await handler.onOversize(work.prefix, info, work.size);
        } catch (err) {
          log.error({ reason: 'handler_failed', err: describeCause(err) }, 'MLLP handler failed; closing without an answer so the sender retries');
          destroy('handler_failed');
          return;
        } finally {
          handlerInFlight = false;
          inFlightBytes = 0;
          countHeld();
        }
        if (answer === null) {
          log.warn({ reason: 'frame_too_large', limit: settings.decoder.maxFrameBytes }, 'MLLP oversize frame; closing');
          closeGracefully('frame_too_large');
          return;
        }
        if (isClosed) return; // the peer left while we worked; the close was logged with the unanswered count
        if (!(await writeAnswer(answer))) return;
        answered += 1;
      }
    } finally {
      pumping = false;
    }
    if (queue.length === 0 && (draining || peerEnded)) closeGracefully(draining ? 'listener_stopping' : 'peer_closed');
  };

  socket.on('data', (chunk: Buffer) => {
    if (isClosed || draining) return;
    bytesIn += chunk.length;
    const result = decodeChunk(decoder, chunk);
    decoder = result.state;
    for (const event of result.events) {
      if (event.type !== 'discard') lastFrameAtMs = Date.now();
      if (event.type === 'frame') {
        framesIn += 1;
        enqueue({ kind: 'frame', payload: event.payload });
      } else if (event.type === 'oversize') {
        framesIn += 1;
        log.warn({ reason: 'frame_too_large', size: event.size, limit: settings.decoder.maxFrameBytes }, 'MLLP frame over the size limit');
        enqueue({ kind: 'oversize', prefix: event.prefix, size: event.size });
      } else {
        discard(event.bytes, event.reason, event.size);
      }
    }
    if (queueIsFull() && !queueFull) {
      log.debug({ queued: queue.length, queued_bytes: queuedBytes }, 'MLLP connection paused: frames waiting for the handler');
      queueFull = true;
    }
    countHeld();
    applyReading();
    void pump();
  });

  // The peer half-closed: it sends no more, but may still wait for the answers to what it sent.
  socket.on('end', () => {
    peerEnded = true;
    finishStream('closed_mid_frame');
    if (!pumping && queue.length === 0) closeGracefully('peer_closed');
  });

  socket.on('timeout', () => {
    // our own handler being slow, or our own pause for the buffer budget, is not the sender being idle
    if (handlerInFlight || budgetPaused) return;
    log.info({ reason: 'idle_timeout', idle_timeout_ms: idleTimeoutMs }, 'MLLP connection idle; closing');
    finishStream('idle_timeout_mid_frame');
    destroy('idle_timeout');
  });

  socket.on('error', (err: Error) => {
    closeReason ??= 'socket_error';
    log.debug({ err: describeCause(err) }, 'MLLP socket error');
  });

  socket.on('close', () => {
    isClosed = true;
    if (!isBetweenFrames(decoder)) finishStream('closed_mid_frame');
    const unanswered = queue.length + (handlerInFlight ? 1 : 0);
    queue.length = 0;
    queuedBytes = 0;
    account.close();
    log.info({ reason: closeReason ?? 'peer_closed', frames: framesIn, bytes: bytesIn, unanswered }, 'MLLP connection closed');
    resolveClosed();
  });

  return {
    info,
    closed,
    stats: () => ({
      openedAt,
      framesIn,
      bytesIn,
      answered,
      waiting: queue.length + (handlerInFlight ? 1 : 0),
      lastFrameAt: lastFrameAtMs === undefined ? undefined : new Date(lastFrameAtMs),
    }),
    drain() {
      if (draining) return;
      draining = true;
      socket.pause();
      if (!pumping && queue.length === 0) closeGracefully('listener_stopping');
    },
    destroy,
  };
}
