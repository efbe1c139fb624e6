import { afterEach, describe, expect, it } from 'vitest';
import { connectBus } from '../bus/connection.ts';
import { TEST_NATS_URL, openTestBus } from '../bus/test-support.ts';
import { createLogger } from '../log.ts';
import { startStreamWatch } from './stream-watch.ts';

/** The stream watch against a real nats-server: it calls the loss only on the server's own word, twice in a row. */
describe('stream watch', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  const watch = async () => {
    const bus = await openTestBus();
    cleanups.push(() => bus.cleanup());
    const lines: string[] = [];
    let lost = 0;
    const w = startStreamWatch({
      bus,
      logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
      intervalMs: 60_000, // the test calls check() itself
      onLost: () => (lost += 1),
    });
    cleanups.push(async () => w.stop());
    return { bus, w, lines, lost: () => lost };
  };

  it('says nothing while the events stream is there, and calls the loss once after two answers that it is not', async () => {
    const { bus, w, lines, lost } = await watch();
    expect(await w.check()).toBe(false);
    expect(await w.check()).toBe(false);
    await bus.jsm.streams.delete(bus.names.streams.events);
    expect(await w.check()).toBe(false);
    expect(lost()).toBe(0);
    expect(await w.check()).toBe(true);
    expect(await w.check()).toBe(true);
    expect(lost()).toBe(1);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reason === 'events_stream_lost');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, stream: bus.names.streams.events, checks: 2 });
  });

  it('counts a stream that comes back in between as there, and an unanswered question as nothing', async () => {
    const { bus, w, lost } = await watch();
    const config = (await bus.jsm.streams.info(bus.names.streams.events)).config;
    await bus.jsm.streams.delete(bus.names.streams.events);
    expect(await w.check()).toBe(false);
    await bus.jsm.streams.add(config);
    expect(await w.check()).toBe(false); // back: the count starts again
    await bus.jsm.streams.delete(bus.names.streams.events);
    expect(await w.check()).toBe(false);
    expect(lost()).toBe(0);

    // A watch whose connection is closed gets no answer about the stream: that is an outage, not a loss.
    const closed = await connectBus(TEST_NATS_URL, 'closed', bus.names.namespace);
    await closed.close();
    let lostOnClosed = 0;
    const blind = startStreamWatch({ bus: closed, logger: createLogger('silent'), intervalMs: 60_000, onLost: () => (lostOnClosed += 1) });
    cleanups.push(async () => blind.stop());
    for (let i = 0; i < 3; i++) expect(await blind.check()).toBe(false);
    expect(lostOnClosed).toBe(0);
  });
});
