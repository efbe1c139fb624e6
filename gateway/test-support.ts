import type { Logger } from 'pino';
import { connectBus } from './bus/connection.ts';
import { deleteNamespace, testNamespace, TEST_NATS_URL } from './bus/test-support.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { startGateway, type RunningGateway } from './main.ts';
import { createTestDatabase } from './store/test-support.ts';

/**
 * A whole gateway for an integration test, on the real servers: a fresh PostgreSQL database, the shared NATS with a
 * namespace of its own, HTTP and MLLP on free ports. `env` adds or overrides settings (tokens, HL7 maps, …).
 * `stop()` stops it and removes the database and the namespace.
 *
 *   const t = await startTestGateway({ AUTH_TOKENS: 'admin:…' });
 *   await fetch(`${t.baseUrl}/healthz`); … ; await t.stop();
 */
export interface TestGateway {
  gw: RunningGateway;
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}, logger: Logger = createLogger('silent')): Promise<TestGateway> {
  const db = await createTestDatabase();
  const namespace = testNamespace();
  let gw: RunningGateway;
  try {
    gw = await startGateway(
      loadConfig({ HTTP_PORT: '0', MLLP_PORT: '0', DATABASE_URL: db.url, NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: namespace, ...env }),
      logger,
    );
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    gw,
    baseUrl: `http://127.0.0.1:${gw.httpPort}`,
    stop: async () => {
      await gw.stop();
      const bus = await connectBus(TEST_NATS_URL, 'cleanup', namespace);
      await deleteNamespace(bus);
      await bus.close();
      await db.drop();
    },
  };
}
