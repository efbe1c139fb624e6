import { errors, type NatsConnection } from '@nats-io/transport-node';
import { retryWhileServerUnreachable, type StartupWait } from '../os/wait-for-server.ts';
import { connectCoalescing } from './coalescing-transport.ts';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { JetStreamPublisher } from './jetstream-publisher.ts';
import { PublishedEvents } from './published-events.ts';
import { createBusNames, type BusNames } from './subjects.ts';

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  kvm: Kvm;
  names: BusNames;
  /** stored publishes without a request per message (jetstream-publisher.ts): what events go through */
  publisher: JetStreamPublisher;
  /** events this process published lately, for its own consumers (published-events.ts) */
  published: PublishedEvents;
  close(): Promise<void>;
}

export class BusUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot reach NATS at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'BusUnavailableError';
  }
}

export interface BusOptions {
  /**
   * The server does not hand this connection its own core publishes back. The gateway's commit announcements are
   * for the other instances: its own waiter is told of its commits directly (announceCommits), so the echo would
   * only be a delivery to parse and drop, one per ledger transaction.
   */
  noEcho?: boolean;
  /** How long the first connection keeps trying a server that refuses or does not answer (default: one try). */
  startupWait?: StartupWait;
}

/**
 * Refused, reset, silent, or a name that does not resolve yet (a compose service whose container is not up): the
 * server is not there yet. An answer that is not NATS, or a refused login, is not something waiting will fix.
 */
export function isNatsUnreachable(error: unknown): boolean {
  if (error instanceof errors.TimeoutError) return true;
  if (!(error instanceof Error)) return false;
  return [error, error.cause].some((e) => UNREACHABLE_SOCKET_CODE.test(String((e as { code?: unknown } | undefined)?.code ?? '')));
}

/**
 * What the NATS client throws while the bus is down or going (timeouts, a closed or draining connection, no
 * responders — a publish no stream takes, the events stream being gone): the request may succeed later unchanged.
 */
export function isBusOutage(error: unknown): boolean {
  return error instanceof Error && /^(TimeoutError|ClosedConnectionError|NoResponders|NoRespondersError|ConnectionError|DrainingConnectionError|RequestError)$/.test(error.name ?? '');
}

const UNREACHABLE_SOCKET_CODE = /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/;

export async function connectBus(url: string, name: string, namespace = '', options: BusOptions = {}): Promise<Bus> {
  const names = createBusNames(namespace);
  let nc: NatsConnection;
  try {
    // Reconnect forever: a NATS restart must not take the gateway down; /readyz reports the outage meanwhile.
    // noAsyncTraces: the client otherwise builds two Error objects (with stacks) per publish, a fifth of the CPU at load.
    const connectOnce = () =>
      connectCoalescing({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true, noEcho: options.noEcho === true });
    nc = await retryWhileServerUnreachable(connectOnce, { waitMs: 0, ...options.startupWait, server: 'NATS', isUnreachable: isNatsUnreachable });
  } catch (err) {
    throw new BusUnavailableError(url, err);
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (err) {
    await nc.close();
    throw new BusUnavailableError(url, new Error(`JetStream is not enabled (${(err as Error).message}); start nats-server with -js`));
  }
  const publisher = new JetStreamPublisher(nc);
  return {
    nc,
    js: jetstream(nc),
    publisher,
    jsm,
    kvm: new Kvm(nc),
    names,
    published: new PublishedEvents(),
    close: async () => {
      // Draining lets PubAcks already on their way arrive; whatever still waits after that is refused.
      if (!nc.isClosed()) await nc.drain();
      publisher.close();
    },
  };
}
