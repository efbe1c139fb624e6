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

/**
 * `via`: ports of loopback relays (gateway/outage-proxy.ts) the gateway reaches PostgreSQL and NATS through instead
 * of directly, so a test can take either away from this gateway alone.
 */
export interface TestGatewayRoutes {
  databasePort?: number;
  natsPort?: number;
}

export async function startTestGateway(
  env: Record<string, string> = {},
  logger: Logger = createLogger('silent'),
  via: TestGatewayRoutes = {},
): Promise<TestGateway> {
  const db = await createTestDatabase();
  const namespace = testNamespace();
  const databaseUrl = withPort(db.url, via.databasePort);
  const natsUrl = withPort(TEST_NATS_URL, via.natsPort);
  let gw: RunningGateway;
  try {
    gw = await startGateway(
      loadConfig({ HTTP_PORT: '0', MLLP_PORT: '0', DATABASE_URL: databaseUrl, NATS_URL: natsUrl, BUS_NAMESPACE: namespace, ...env }),
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

function withPort(url: string, port: number | undefined): string {
  if (port === undefined) return url;
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}
