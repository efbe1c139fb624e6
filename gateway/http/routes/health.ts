import { Hono } from 'hono';
import type { Bus } from '../../bus/connection.ts';
import { eventsStreamMissing } from '../../bus/streams.ts';
import { eventsStreamLostText } from '../../workers/stream-watch.ts';
import { canonicalEventJsonSchema } from '../../events/schema.ts';
import type { Metrics } from '../../metrics.ts';
import type { Store } from '../../store/db.ts';
import type { AppEnv } from '../context.ts';

const READY_TIMEOUT_MS = 2_000;

/** Open routes: liveness, readiness (bus and store reachable) and Prometheus metrics. */
export function healthRoutes(deps: { bus: Bus; store: Store; metrics: Metrics; refreshGauges: () => Promise<void> }) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [bus, store] = await Promise.all([
      check(async () => {
        if (deps.bus.nc.isClosed()) throw new Error('connection closed');
        // Known lost: say so now rather than after a request that cannot be answered has timed out.
        if (!deps.bus.publisher.isConnected) throw new Error('connection lost; reconnecting');
        // JetStream answering is not enough: a server that lost its store (or a stream deleted by hand) answers,
        // and refuses every event. Only a gateway start makes the streams and their consumers again.
        if (await eventsStreamMissing(deps.bus)) throw new Error(eventsStreamLostText(deps.bus));
      }),
      check(() => deps.store.ping()),
    ]);
    const ready = bus.ok && store.ok;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: { bus, store } }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    await deps.refreshGauges().catch(() => undefined);
    return c.text(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
  return app;
}

/** The canonical event's JSON Schema; behind authentication like every other non-health route. */
export function schemaRoutes() {
  const app = new Hono<AppEnv>();
  const schema = canonicalEventJsonSchema();
  app.get('/canonical-event.json', (c) => c.json(schema));
  return app;
}

async function check(probe: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS))),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
