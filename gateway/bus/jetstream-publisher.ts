import { JetStreamApiError } from '@nats-io/jetstream';
import { createInbox, errors, headers as newHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** What JetStream answers a stored publish with. */
export interface PubAck {
  stream: string;
  seq: number;
  /** the message id was already in the stream's duplicate window; seq is then the earlier message's */
  duplicate: boolean;
}

interface Pending {
  subject: string;
  deadline: number;
  resolve: (ack: PubAck) => void;
  reject: (error: Error) => void;
}

const MSG_ID_HEADER = 'Nats-Msg-Id';
const decoder = new TextDecoder();

/**
 * While the client reconnects, a publish would wait in its buffer for a server that may be gone for minutes, and the
 * PubAcks of publishes already sent went to the lost connection: both would only time out. They fail at once
 * instead, with this error, so a sender hears "resend" (HL7 AR, HTTP 503) in milliseconds rather than seconds; what
 * was sent may still have been stored, and the resend is then recognised by its message id.
 */
export class BusDisconnectedError extends errors.ConnectionError {
  constructor() {
    super('the connection to NATS is lost and is being re-established; nothing was confirmed');
    this.name = 'ConnectionError';
  }
}

/**
 * JetStream refused the message for want of room: the stream reached its size limit (the events stream refuses new
 * messages then rather than drop old ones, EVENTS_MAX_BYTES) or the server its storage. Nothing was stored; the
 * sender still holds the message and is told to resend later (HL7 AR, HTTP 503 `bus_full`).
 */
export class BusFullError extends JetStreamApiError {
  constructor(error: { code: number; err_code: number; description: string }) {
    super(error);
    this.name = 'BusFullError';
  }
}

/** nats-server's descriptions of a refusal for want of room: a stream's limit, the server's or the account's storage. */
const NO_ROOM = /maximum (bytes|messages) exceeded|insufficient (storage )?resources|resource limits exceeded/i;

/**
 * JetStream publish as the protocol defines it — a core publish whose reply subject receives the PubAck — with one
 * inbox subscription and one timeout sweep for all publishes in flight. The client library's `js.publish` makes a
 * request per message, and every request arms a timer and builds an Error with a stack trace even when it succeeds
 * (its `cancel` rejects the settled promise with a new RequestError): on the HL7 path that was a twentieth of the
 * gateway's CPU. Failures carry the library's error names (TimeoutError, NoRespondersError) and JetStream's own
 * (JetStreamApiError; BusFullError when there is no room), so callers classify them as before.
 */
export class JetStreamPublisher {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly sub: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private next = 0;
  private connected = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.answer(msg)) });
    // Whole publishes time out together, to the nearest quarter of the timeout: no timer per message.
    this.sweep = setInterval(() => this.expire(), Math.max(50, Math.floor(timeoutMs / 4)));
    this.sweep.unref();
    void this.followConnection();
  }

  /** Whether the client holds a connection to a server now (false while it reconnects). */
  get isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  publish(subject: string, payload: Uint8Array, opts: { msgId?: string; headers?: MsgHdrs } = {}): Promise<PubAck> {
    const h = opts.headers ?? newHeaders();
    if (opts.msgId !== undefined) h.set(MSG_ID_HEADER, opts.msgId);
    if (!this.isConnected) return Promise.reject(new BusDisconnectedError());
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { subject, deadline: this.now() + this.timeoutMs, resolve, reject });
      try {
        this.nc.publish(subject, payload, { reply: `${this.inbox}.${token}`, headers: h });
      } catch (err) {
        this.pending.delete(token);
        reject(err as Error);
      }
    });
  }

  /** Publishes still waiting for their PubAck. */
  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    clearInterval(this.sweep);
    if (!this.nc.isClosed()) this.sub.unsubscribe();
    this.failPending(() => new errors.ClosedConnectionError());
  }

  private async followConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.failPending(() => new BusDisconnectedError());
      } else if (status.type === 'reconnect') {
        this.connected = true;
      }
    }
  }

  private failPending(error: () => Error): void {
    for (const [token, p] of this.pending) {
      this.pending.delete(token);
      p.reject(error());
    }
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const p = this.pending.get(token);
    if (!p) return; // timed out already
    this.pending.delete(token);
    // No stream listens on the subject: the server answers with a 503 status and no body.
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      p.reject(new errors.NoRespondersError(p.subject));
      return;
    }
    let body: { stream?: string; seq?: number; duplicate?: boolean; error?: { code: number; err_code?: number; description: string } };
    try {
      body = JSON.parse(decoder.decode(msg.data)) as typeof body;
    } catch {
      p.reject(new errors.RequestError(`JetStream answered a publish to ${p.subject} with something that is not JSON`));
      return;
    }
    if (body.error) {
      const error = { code: body.error.code, err_code: body.error.err_code ?? 0, description: body.error.description };
      p.reject(NO_ROOM.test(error.description) ? new BusFullError(error) : new JetStreamApiError(error));
      return;
    }
    if (typeof body.stream !== 'string' || body.stream === '' || typeof body.seq !== 'number') {
      p.reject(new errors.RequestError(`JetStream answered a publish to ${p.subject} without a stream and sequence`));
      return;
    }
    p.resolve({ stream: body.stream, seq: body.seq, duplicate: body.duplicate === true });
  }

  private expire(): void {
    const now = this.now();
    // Every publish waits the same time, so the map (in insertion order) is in deadline order.
    for (const [token, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(token);
      p.reject(new errors.TimeoutError());
    }
  }
}
