import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { lateProxy } from '../os/test-support.ts';
import { type ServerRetry } from '../os/wait-for-server.ts';
import { connectBus } from './connection.ts';
import { freeLoopbackPort } from './embedded-nats.ts';
import { TEST_NATS_URL } from './test-support.ts';

describe('connecting to a NATS that is not up yet', () => {
  it('waits for the server, warning on each refused try, and then has JetStream', async () => {
    const port = await freeLoopbackPort();
    const proxy = lateProxy(port, new URL(TEST_NATS_URL));
    try {
      const retries: ServerRetry[] = [];
      const connecting = connectBus(`nats://127.0.0.1:${port}`, 'rxgate-test-wait', '', { startupWait: { waitMs: 30_000, onRetry: (r) => retries.push(r) } });
      setTimeout(() => void proxy.open(), 1_200);
      const bus = await connecting;
      try {
        expect(retries.length).toBeGreaterThanOrEqual(2);
        expect(retries[0]).toMatchObject({ server: 'NATS', attempt: 1, delayMs: 250, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
        expect((await bus.jsm.getAccountInfo()).streams).toBeGreaterThanOrEqual(0);
      } finally {
        await bus.close();
      }
    } finally {
      await proxy.close();
    }
  });

  it('without a wait, fails at once and names the URL', async () => {
    const port = await freeLoopbackPort();
    await expect(connectBus(`nats://127.0.0.1:${port}`, 'rxgate-test-wait')).rejects.toThrow(`cannot reach NATS at nats://127.0.0.1:${port}: connection refused`);
  });

  it('does not wait for a server that answers but is not NATS', async () => {
    const notNats = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => notNats.listen(0, '127.0.0.1', resolve));
    const { port } = notNats.address() as { port: number };
    try {
      const retries: ServerRetry[] = [];
      const started = performance.now();
      await expect(connectBus(`nats://127.0.0.1:${port}`, 'rxgate-test-wait', '', { startupWait: { waitMs: 30_000, onRetry: (r) => retries.push(r) } })).rejects.toThrow(
        `cannot reach NATS at nats://127.0.0.1:${port}`,
      );
      expect(retries).toEqual([]);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await new Promise((resolve) => notNats.close(resolve));
    }
  });
});
