import { randomUUID } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { BufferBudget, DEFAULT_MAX_BUFFERED_BYTES } from './buffer-budget.ts';
import { serveConnection, type MllpConnectionStats, type ServedConnection } from './connection.ts';
import { describeCause, MllpListenError, MllpTlsConfigError } from './errors.ts';
import { canonicalAddress } from './peer-address.ts';
import { decoderOptions, DEFAULT_MAX_FRAME_BYTES, DEFAULT_OVERSIZE_PREFIX_BYTES } from './framing.ts';
import type { MllpConnectionInfo, MllpHandler } from './handler.ts';
import { describePeerCertificate } from './peer-certificate.ts';
import { readTlsMaterial, secureContextOptions } from './tls-material.ts';
import { checkTlsFilesPeriodically, TlsReloader, warnOfNearExpiry, type TlsReloadOutcome } from './tls-reload.ts';

/**
 * The MLLP network edge: a plain TCP listener (MLLP_PORT) and/or a TLS one (MLLP_TLS_PORT), sharing one connection
 * limit. Each accepted connection is served by `serveConnection`; this file only accepts, counts, refuses and stops.
 */

export const DEFAULT_MLLP_PORT = 2575;
export const DEFAULT_MLLP_HOST = '127.0.0.1';
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100;
export const DEFAULT_MAX_QUEUED_FRAMES = 16;
export const DEFAULT_STOP_GRACE_MS = 30_000;

export interface MllpTlsListenerOptions {
  /** MLLP_TLS_PORT (0 picks a free port) */
  port: number;
  /** MLLP_TLS_CERT, MLLP_TLS_KEY: PEM files of the server certificate and key */
  certFile: string;
  keyFile: string;
  /** MLLP_TLS_CA: PEM file of the CA(s) that sign client certificates */
  caFile?: string | undefined;
  /** MLLP_TLS_REQUIRE_CLIENT_CERT (default true): refuse clients without a certificate signed by caFile */
  requireClientCert?: boolean | undefined;
  /** MLLP_TLS_RELOAD_CHECK_S in ms: how often the three files are read again for a renewed certificate (0: never) */
  reloadCheckMs?: number | undefined;
}

export interface MllpListenerOptions {
  handler: MllpHandler;
  logger: Logger;
  /** MLLP_HOST (default 127.0.0.1) */
  host?: string | undefined;
  /** MLLP_PORT (default 2575; 0 picks a free port; null: no plain TCP listener) */
  port?: number | null | undefined;
  /** TLS listener; absent or null: off */
  tls?: MllpTlsListenerOptions | null | undefined;
  /** MLLP_MAX_FRAME_BYTES (default 10 MiB) */
  maxFrameBytes?: number | undefined;
  /** bytes of an oversize frame handed to onOversize (default 4096) */
  oversizePrefixBytes?: number | undefined;
  /** MLLP_IDLE_TIMEOUT_MS (default 300000; 0: never) */
  idleTimeoutMs?: number | undefined;
  /** MLLP_MAX_CONNECTIONS over plain and TLS together (default 1000) */
  maxConnections?: number | undefined;
  /**
   * MLLP_MAX_CONNECTIONS_PER_ADDRESS: connections one peer address may hold at once (default 100; 0: no limit), so
   * that one sender opening connections it never closes cannot use up MLLP_MAX_CONNECTIONS for every other
   */
  maxConnectionsPerAddress?: number | undefined;
  /** received frames waiting for the handler before a connection stops reading (default 16) */
  maxQueuedFrames?: number | undefined;
  /** MLLP_MAX_BUFFERED_BYTES: what all connections together may hold before they stop reading (default 256 MiB) */
  maxBufferedBytes?: number | undefined;
  /** connection ids (default random UUIDs); injectable for reproducible logs */
  newConnectionId?: (() => string) | undefined;
}

export interface MllpListener {
  /** where the listeners are bound (useful with port 0) */
  readonly address: { readonly plain?: AddressInfo; readonly tls?: AddressInfo };
  /** open connections, plain and TLS (TLS handshakes in progress included) */
  connectionCount(): number;
  /** the connections being served (TLS handshakes done), oldest first, with what each has carried */
  connections(): { info: MllpConnectionInfo; stats: MllpConnectionStats }[];
  /** the most connections served at once (MLLP_MAX_CONNECTIONS) */
  readonly maxConnections: number;
  /** the most from one peer address (MLLP_MAX_CONNECTIONS_PER_ADDRESS; 0: no limit) */
  readonly maxConnectionsPerAddress: number;
  /** bytes all connections hold now (partial frames, queued frames, frames with the handler), and its limit */
  buffered(): { bytes: number; limit: number; pausedConnections: number };
  /**
   * Stops accepting, lets every connection answer the frames it has received (in flight and queued), then closes
   * them. Connections still busy after `graceMs` (default 30 s) are cut.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /**
   * Reads the TLS certificate, key and CA files again and serves them from the next handshake on when they changed
   * ('off' without a TLS listener). Throws MllpTlsConfigError when they cannot be used; the old ones stay in service.
   */
  reloadTls(): Promise<TlsReloadOutcome | 'off'>;
  /** When the certificate the TLS listener serves expires; undefined without one. */
  tlsCertificateExpiry(): Date | undefined;
}

export async function startMllpListener(options: MllpListenerOptions): Promise<MllpListener> {
  const host = options.host ?? DEFAULT_MLLP_HOST;
  const plainPort = options.port === undefined ? DEFAULT_MLLP_PORT : options.port;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const maxPerAddress = options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  const logger = options.logger.child({ component: 'mllp' });
  const newConnectionId = options.newConnectionId ?? randomUUID;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const settings = {
    handler: options.handler,
    logger,
    decoder: decoderOptions({
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      oversizePrefixBytes: options.oversizePrefixBytes ?? DEFAULT_OVERSIZE_PREFIX_BYTES,
    }),
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxQueuedFrames: Math.max(1, options.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES),
    budget: new BufferBudget(maxBufferedBytes, (over, heldBytes) => {
      const fields = { reason: 'buffer_budget', held_bytes: heldBytes, limit: maxBufferedBytes };
      if (over) logger.warn(fields, 'MLLP connections hold more than MLLP_MAX_BUFFERED_BYTES: all but the one holding bytes longest wait');
      else logger.info(fields, 'MLLP connections back under MLLP_MAX_BUFFERED_BYTES: all read again');
    }),
  };

  const rawSockets = new Set<Socket>(); // every accepted TCP connection, counted against the limit
  const perAddress = new Map<string, number>(); // accepted connections by peer address (canonicalAddress)
  const refused = new WeakSet<Socket>(); // refused here: their TLS layer's failure is not worth a second log line
  const served = new Set<ServedConnection>();
  let stopping = false;

  /** Runs on the raw TCP socket of both listeners, before any TLS handshake is spent on a refused client. */
  const admit = (socket: Socket, tls: boolean): boolean => {
    if (stopping) {
      socket.destroy();
      return false;
    }
    if (rawSockets.size >= maxConnections) {
      logger.warn(
        { reason: 'max_connections', limit: maxConnections, remote_address: socket.remoteAddress, tls },
        'MLLP connection refused: connection limit reached',
      );
      refused.add(socket);
      socket.destroy();
      return false;
    }
    const peer = canonicalAddress(socket.remoteAddress ?? '') ?? socket.remoteAddress ?? 'unknown';
    const fromPeer = perAddress.get(peer) ?? 0;
    if (maxPerAddress > 0 && fromPeer >= maxPerAddress) {
      logger.warn(
        { reason: 'max_connections_per_address', limit: maxPerAddress, remote_address: peer, tls },
        'MLLP connection refused: this address holds as many connections as MLLP_MAX_CONNECTIONS_PER_ADDRESS allows',
      );
      refused.add(socket);
      socket.destroy();
      return false;
    }
    rawSockets.add(socket);
    perAddress.set(peer, fromPeer + 1);
    socket.once('close', () => {
      rawSockets.delete(socket);
      const left = (perAddress.get(peer) ?? 1) - 1;
      if (left > 0) perAddress.set(peer, left);
      else perAddress.delete(peer);
    });
    return true;
  };

  const serve = (socket: Socket, info: MllpConnectionInfo) => {
    if (stopping || socket.destroyed) {
      socket.destroy();
      return;
    }
    logger.debug({ conn: info.id, remote_address: info.remoteAddress, remote_port: info.remotePort, tls: info.tls, peer_identity: info.peerIdentity }, 'MLLP connection accepted');
    const connection = serveConnection(socket, info, settings);
    served.add(connection);
    void connection.closed.then(() => served.delete(connection));
  };

  const servers: { server: Server; tls: boolean }[] = [];
  const address: { plain?: AddressInfo; tls?: AddressInfo } = {};
  let tlsReloader: TlsReloader | undefined;
  let stopTlsChecks = () => {};
  try {
    if (plainPort !== null) {
      const server = createTcpServer({ allowHalfOpen: true });
      server.on('connection', (socket: Socket) => {
        if (admit(socket, false)) serve(socket, connectionInfo(socket, newConnectionId(), false));
      });
      servers.push({ server, tls: false });
      address.plain = await listen(server, host, plainPort, false, logger);
    }
    if (options.tls) {
      const { server, reloader } = await createMllpTlsServer(options.tls, logger, refused, (socket) => {
        const { identity, certificate } = socket.authorized ? describePeerCertificate(socket.getPeerCertificate()) : {};
        serve(socket, {
          ...connectionInfo(socket, newConnectionId(), true),
          ...(identity !== undefined ? { peerIdentity: identity } : {}),
          ...(certificate !== undefined ? { peerCertificate: certificate } : {}),
        });
      });
      // before the TLS layer's own listener, so that no handshake is spent on a refused client
      server.prependListener('connection', (socket: Socket) => void admit(socket, true));
      servers.push({ server, tls: true });
      address.tls = await listen(server, host, options.tls.port, true, logger);
      tlsReloader = reloader;
      if (options.tls.reloadCheckMs) stopTlsChecks = checkTlsFilesPeriodically(reloader, options.tls.reloadCheckMs, logger);
    }
  } catch (err) {
    await Promise.all(servers.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    throw err;
  }
  const tlsExpiry = tlsReloader?.certificateExpiry();
  logger.info(
    { host, port: address.plain?.port, tls_port: address.tls?.port, max_connections: maxConnections, tls_certificate_expires: tlsExpiry?.toISOString() },
    'MLLP listening',
  );
  if (tlsExpiry) warnOfNearExpiry(tlsExpiry, logger);

  return {
    address,
    connectionCount: () => rawSockets.size,
    connections: () => [...served].map((c) => ({ info: c.info, stats: c.stats() })),
    maxConnections,
    maxConnectionsPerAddress: maxPerAddress,
    buffered: () => ({ bytes: settings.budget.heldBytes(), limit: settings.budget.limitBytes, pausedConnections: settings.budget.pausedCount() }),
    async stop({ graceMs = DEFAULT_STOP_GRACE_MS } = {}) {
      if (stopping) return;
      stopping = true;
      stopTlsChecks();
      const serversClosed = servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const connection of served) connection.drain();
      // TLS handshakes still in progress are refused when they complete, and cut below with the rest
      const allClosed = Promise.all([...served].map((c) => c.closed));
      let timer: NodeJS.Timeout | undefined;
      const expired = await Promise.race([
        allClosed.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (expired) {
        logger.warn({ reason: 'stop_grace_expired', grace_ms: graceMs, open: served.size }, 'MLLP stop: cutting connections still busy');
        for (const connection of served) connection.destroy('stop_grace_expired');
      }
      for (const socket of rawSockets) socket.destroy();
      await Promise.all(serversClosed);
      logger.info('MLLP listener stopped');
    },
    reloadTls: async () => (tlsReloader ? tlsReloader.reload() : 'off'),
    tlsCertificateExpiry: () => tlsReloader?.certificateExpiry(),
  };
}

async function createMllpTlsServer(tls: MllpTlsListenerOptions, logger: Logger, refused: WeakSet<Socket>, onSecure: (socket: TLSSocket) => void) {
  const requireClientCert = tls.requireClientCert ?? true;
  if (requireClientCert && !tls.caFile) {
    throw new MllpTlsConfigError('MLLP_TLS_CA', undefined, 'is required when MLLP_TLS_REQUIRE_CLIENT_CERT is true (client certificates are verified against it)');
  }
  const material = await readTlsMaterial(tls);
  const server = createTlsServer(
    {
      ...secureContextOptions(material),
      allowHalfOpen: true,
      // Certificates are asked for even when optional, so that a client that offers one gets its identity exposed.
      requestCert: true,
      rejectUnauthorized: requireClientCert,
    },
    onSecure,
  );
  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    // `_parent` (the raw TCP socket) is internal to Node; without it a refused connection is merely logged twice
    const raw = (socket as unknown as { _parent?: Socket })._parent;
    if (raw && refused.has(raw)) return;
    logger.warn(
      { reason: 'tls_handshake_failed', code: err.code, err: err.message, remote_address: socket.remoteAddress },
      'MLLP TLS handshake failed',
    );
  });
  return { server, reloader: new TlsReloader(server, tls, material, logger) };
}

function connectionInfo(socket: Socket, id: string, tls: boolean): MllpConnectionInfo {
  return { id, remoteAddress: socket.remoteAddress ?? 'unknown', remotePort: socket.remotePort ?? 0, tls };
}

function listen(server: Server, host: string, port: number, tls: boolean, logger: Logger): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (cause: unknown) => reject(new MllpListenError(host, port, tls, { cause }));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      // after start, errors come from accept() (e.g. EMFILE); the server keeps listening
      server.on('error', (err) => logger.error({ reason: 'accept_failed', tls, err: describeCause(err) }, 'MLLP listener error'));
      resolve(server.address() as AddressInfo);
    });
  });
}
