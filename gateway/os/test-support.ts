import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback port that forwards to `target` (a server URL: its host and port), opened only when asked: a server
 * that comes up late, for tests of what waits for one.
 */
export function lateProxy(port: number, target: URL): { open(): Promise<void>; close(): Promise<void> } {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    open: () =>
      new Promise((resolve) => {
        server = createServer((client) => {
          const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('error', () => {}).on('close', () => sockets.delete(s));
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        }).listen(port, '127.0.0.1', resolve);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    },
  };
}
