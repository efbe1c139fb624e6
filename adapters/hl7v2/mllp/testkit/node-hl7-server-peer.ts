import type { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { Inbound, Server, type InboundHandler, type ListenerOptions } from 'node-hl7-server';

/**
 * node-hl7-server 2.4.0 as a receiver peer (PEERS.md): parse, then answer AA (or what `answer` says). Its ACKs all
 * carry MSH-10 "ACK": correlate on MSA-2.
 *
 * node-hl7-server passes the bind address to net as `hostname`, which net ignores, so it listens on every
 * interface. Tests and benchmarks must stay on loopback, so its listening step is replaced by one that binds
 * `host`; the connection handling — the part being tested and measured — is its own.
 */

type InboundInternals = EventEmitter & {
  _opt: { port: number; host?: string };
  _socket: NetServer;
  _onTcpClientConnected(socket: Socket): void;
  close(): Promise<boolean>;
  stats: { received: number; totalMessage: number };
};
type InboundConstructor = new (server: Server, props: ListenerOptions & { host: string }, handler: InboundHandler) => InboundInternals;

class LoopbackInbound extends (Inbound as unknown as InboundConstructor) {
  _listen(): NetServer {
    const server = createServer((socket) => this._onTcpClientConnected(socket));
    server.on('error', (err) => this.emit('error', err));
    server.listen({ port: this._opt.port, host: this._opt.host }, () => this.emit('listen'));
    return server;
  }
}

export interface NodeHl7ServerPeer {
  readonly port: number;
  /** TCP connections accepted so far (to check connection reuse) */
  connections(): number;
  /** the text of every message received, in order (as node-hl7-client's Message gives it back) */
  readonly received: string[];
  close(): Promise<void>;
}

export async function startNodeHl7ServerPeer(
  options: { host?: string; port?: number; answer?: 'AA' | 'AR' } = {},
): Promise<NodeHl7ServerPeer> {
  const host = options.host ?? '127.0.0.1';
  const server = new Server({ bindAddress: host });
  let connections = 0;
  const received: string[] = [];
  const handler: InboundHandler = (req, res) => {
    received.push(req.getMessage().toString());
    void res.sendResponse(options.answer ?? 'AA');
  };
  const inbound = new LoopbackInbound(server, { port: options.port ?? 0, host }, handler);
  inbound.on('client.connect', () => (connections += 1));
  await new Promise<void>((resolve, reject) => {
    inbound.once('listen', resolve);
    inbound.once('error', reject);
  });
  const port = (inbound._socket.address() as AddressInfo).port;
  return {
    port,
    connections: () => connections,
    received,
    async close() {
      const closed = new Promise<void>((resolve) => inbound._socket.once('close', () => resolve()));
      await inbound.close();
      await closed;
    },
  };
}
