import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay put between the gateway and one of its servers (PostgreSQL, nats-server) in a test, so that
 * the server can be taken away from the gateway alone — the shared server keeps serving every other test.
 * `cut()` resets every relayed connection and closes the port, so new connections are refused (ECONNREFUSED), as
 * when the server is down; `restore()` listens on the same port again.
 *
 *   const pg = await startOutageProxy(5432);   // DATABASE_URL → 127.0.0.1:pg.port
 *   await pg.cut(); …; await pg.restore(); …; await pg.close();
 */
export interface OutageProxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<OutageProxy> {
  const open = new Set<Socket>();
  const relay = (client: Socket) => {
    const upstream = connect({ host: targetHost, port: targetPort });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.setNoDelay(true);
      // Either side failing ends both: the gateway sees the reset a dead server would give it.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };
  let server: Server = createServer(relay);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listen(0);
  let listening = true;

  return {
    port,
    async cut() {
      if (!listening) return;
      listening = false;
      const closed = stopListening();
      for (const socket of open) socket.resetAndDestroy();
      await closed;
    },
    async restore() {
      if (listening) return;
      server = createServer(relay);
      await listen(port);
      listening = true;
    },
    async close() {
      for (const socket of open) socket.destroy();
      if (listening) await stopListening();
      listening = false;
    },
  };
}
